import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/core.js';

/**
 * Every request a support session made, whatever the door and whatever it did, is one audit
 * event in the space's chain once it has been answered: the tenant's owners see the whole list.
 */
export function auditSupportSessions(app: FastifyInstance, core: Core): void {
  app.addHook('onResponse', async (request, reply) => {
    const ctx = request.callContext;
    const session = ctx?.supportSession;
    if (!ctx || !session) return;
    // The path only: a query may carry a ticket or a token.
    const url = request.url.split('?')[0]!;
    await core.audit
      .recordAlone(ctx, { action: 'support.access', spaceId: session.spaceId, path: null, detail: { method: request.method, url, status: reply.statusCode } })
      .catch((err: unknown) => request.log.error({ err }, 'could not audit a support session’s request'));
  });
}
