import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Where nothing else keeps statistics (the embedded database; a PostgreSQL with autovacuum off),
// the server analyzes its growing tables itself, so a lookup by name in a big folder probes the
// live-name index instead of reading every child of the folder.

const CHILDREN = 3000;

/** The plan PostgreSQL keeps for the lookup of a child by name, as a walk down a path makes it. */
async function childLookupPlan(server: TestServer, folderId: string, name: string): Promise<string> {
  return server.core.db.connection().execute(async (c) => {
    // The plan a prepared statement settles on, made without the values (as the server's are).
    await sql`set plan_cache_mode = force_generic_plan`.execute(c);
    try {
      await sql`prepare child_lookup(uuid, text) as
        select n.* from nodes n where n.parent_id = $1 and n.deleted_at is null and n.name = $2 limit 1`.execute(c);
      const r = await sql<{ 'QUERY PLAN': string }>`explain execute child_lookup(${sql.lit(folderId)}::uuid, ${sql.lit(name)})`.execute(c);
      return r.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await sql`deallocate all`.execute(c);
      await sql`reset plan_cache_mode`.execute(c);
    }
  });
}

describe('upkeep of the growing tables where autovacuum does not run', () => {
  let server: TestServer;
  let user: DavUser;
  let folderId: string;
  let selfMaintained = false;

  beforeAll(async () => {
    server = await startTestServer();
    const av = await sql<{ on: boolean }>`select current_setting('autovacuum') = 'on' as on`.execute(server.core.db);
    selfMaintained = process.env.COFFER_TEST_BACKEND === 'postgres' && av.rows[0]!.on;
    user = await DavUser.create(server.url, 'grower');
    expect((await user.request('MKCOL', '/big')).status).toBe(201);
    folderId = (await user.api.json<{ id: string }>(`/resolve?path=${encodeURIComponent('/big')}`)).body.id;
    // Made in bulk through the database: the point is the table's size, not the uploads.
    const { space_id } = await server.core.db.selectFrom('nodes').select(['space_id']).where('id', '=', folderId).executeTakeFirstOrThrow();
    const now = new Date();
    for (let i = 0; i < CHILDREN; i += 1000) {
      await server.core.db
        .insertInto('nodes')
        .values(
          Array.from({ length: 1000 }, (_, k) => ({
            id: randomUUID(),
            space_id,
            parent_id: folderId,
            name: `child-${String(i + k).padStart(5, '0')}.txt`,
            kind: 'file' as const,
            size: 0,
            etag: randomUUID().replaceAll('-', ''),
            created_at: now,
            modified_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
  }, 120_000);
  afterAll(async () => server?.close());

  it('analyzes the nodes table once it has grown, and a lookup by name then probes the live-name index', async (t) => {
    // A PostgreSQL with autovacuum on analyzes by itself, on its own schedule.
    if (selfMaintained) t.skip();
    let tuples = 0;
    for (let i = 0; i < 100 && tuples < CHILDREN; i++) {
      const r = await sql<{ reltuples: number }>`select reltuples::float8 as reltuples from pg_class where oid = 'nodes'::regclass`.execute(server.core.db);
      tuples = Number(r.rows[0]!.reltuples);
      if (tuples < CHILDREN) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(tuples).toBeGreaterThanOrEqual(CHILDREN);

    const plan = await childLookupPlan(server, folderId, 'child-02999.txt');
    expect(plan).toMatch(/Index Scan using nodes_live_name/);
    expect(plan).toMatch(/Index Cond: \(\(parent_id = \$1\) AND \(name = \$2\)\)/);
    expect(plan).not.toMatch(/Filter: \(name = \$2\)/);

    // And through the door: the last child is found, a new one lands beside it.
    expect((await user.request('HEAD', '/big/child-02999.txt')).status).toBe(200);
    expect((await user.request('PUT', '/big/one-more.txt', { body: 'x' })).status).toBe(201);
    expect((await user.request('HEAD', '/big/one-more.txt')).status).toBe(200);
  }, 60_000);

  it('vacuums the audit events once their table has grown, and the chains still verify', async (t) => {
    if (selfMaintained) t.skip();
    const db = server.core.db;
    const space = (await db.selectFrom('nodes').select(['space_id']).where('id', '=', folderId).executeTakeFirstOrThrow()).space_id;
    // As many writes leave them: pending, then sealed by the sweep (an update, so a dead row each).
    for (let i = 0; i < 4; i++) {
      await db
        .insertInto('audit_events')
        .values(
          Array.from({ length: 1000 }, (_, k) => ({
            at: new Date(),
            actor_id: null,
            actor_name: 'grower',
            ip: '127.0.0.1',
            user_agent: 'upkeep test',
            action: 'file.upload',
            node_id: null,
            path: `/big/event-${i}-${k}.txt`,
            bytes: k,
            result: 'success',
            detail: null,
            chain: space,
          })),
        )
        .execute();
    }
    let vacuumed = false;
    for (let i = 0; i < 150 && !vacuumed; i++) {
      const r = await sql<{ vacuumed: boolean }>`select last_vacuum is not null as vacuumed from pg_stat_user_tables where relname = 'audit_events'`.execute(db);
      vacuumed = r.rows[0]?.vacuumed === true;
      if (!vacuumed) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(vacuumed).toBe(true);
    const report = await server.core.audit.verify();
    expect(report.problems).toEqual([]);
  }, 60_000);
});
