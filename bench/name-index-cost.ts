// What the name indexes of migration 0024 (nodes_name_trgm, nodes_name_fold) cost an insert into
// nodes, in the database alone: 20,000 single-row INSERTs (a DO loop, one transaction) without
// and with both indexes, alternated 5 times; median µs per insert.
//   npx tsx bench/name-index-cost.ts                         (PGlite, in a temporary directory)
//   npx tsx bench/name-index-cost.ts postgres://…/scratch    (an empty PostgreSQL database)
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase, migrate } from '../src/db/database.js';
const url = process.argv[2];
const dir = `/tmp/coffer-name-index-cost-${process.pid}`;
const db = await openDatabase(url ? { url } : { pgliteDir: dir });
await migrate(db);
const run = async (text: string) => (await sql.raw(text).execute(db)).rows as Record<string, unknown>[];
await run(`insert into users (id, username, role, status) values ('00000000-0000-4000-8000-000000000001', 'u', 'user', 'active')`);
await run(`insert into spaces (id, kind, owner_user_id, name, root_node_id) values ('00000000-0000-4000-8000-000000000002', 'personal', '00000000-0000-4000-8000-000000000001', 'u', null)`);
await run(`insert into nodes (id, space_id, parent_id, name, kind, etag) values ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', null, '', 'folder', 'e')`);
await run(`update spaces set root_node_id = '00000000-0000-4000-8000-000000000003'`);
const N = 20000;
const once = async (tag: string) => {
  await run(`insert into nodes (id, space_id, parent_id, name, kind, etag) values ('${randomUUID()}', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003', 'dir-${tag}', 'folder', 'e')`);
  const t0 = performance.now();
  await run(`do $$ declare d uuid; begin select id into d from nodes where name = 'dir-${tag}'; for i in 1..${N} loop insert into nodes (id, space_id, parent_id, name, kind, etag, size) values (gen_random_uuid(), '00000000-0000-4000-8000-000000000002', d, 'Résumé invoice ' || i || ' ${tag}.pdf', 'file', md5(i::text), 4096); end loop; end $$`);
  return ((performance.now() - t0) * 1000) / N;
};
const withIdx: number[] = [];
const without: number[] = [];
for (let r = 0; r < 5; r++) {
  without.push(await (async () => { await run('drop index if exists nodes_name_trgm'); await run('drop index if exists nodes_name_fold'); return once(`a${r}`); })());
  withIdx.push(await (async () => { await run(`create index if not exists nodes_name_trgm on nodes using gin (name_folded gin_trgm_ops)`); await run(`create index if not exists nodes_name_fold on nodes (name_folded collate "C")`); return once(`b${r}`); })());
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(JSON.stringify({ backend: url ? 'postgres' : 'pglite', usPerInsertWithout: without.map((x) => +x.toFixed(1)), usPerInsertWith: withIdx.map((x) => +x.toFixed(1)), medianWithout: +med(without).toFixed(1), medianWith: +med(withIdx).toFixed(1) }));
await db.destroy();
if (!url) fs.rmSync(dir, { recursive: true, force: true });
