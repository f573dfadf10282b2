import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Core } from '../../core/core.js';

export async function healthRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    const [db, blobs] = await Promise.allSettled([sql`select 1`.execute(core.db), core.blobs.ping()]);
    checks.database = db.status === 'fulfilled' ? 'ok' : `error: ${(db.reason as Error).message}`;
    checks.blobStore = blobs.status === 'fulfilled' ? 'ok' : `error: ${(blobs.reason as Error).message}`;
    const ready = db.status === 'fulfilled' && blobs.status === 'fulfilled';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
  });
}
