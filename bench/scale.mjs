// Scale: how the cost of everyday requests grows with the data behind them. The same requests
// are timed on a small database and again after 999,000 more files in the same space and 10,000
// more users were written straight into PostgreSQL; each request should cost the same (index
// probes, no scans), and EXPLAIN of the hot statements at full size shows the plans.
//
//   npm run build && node bench/scale.mjs            (about 4 minutes)
// Env: COFFER_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch
//      database is made next to it and dropped after), SCALE_FILES=999000 SCALE_USERS=10000 REPS=41
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ADMIN_PASSWORD, Client, createDatabase, log, median, startCoffer } from './lib.mjs';

const FILES = Number(process.env.SCALE_FILES ?? 999_000);
const USERS = Number(process.env.SCALE_USERS ?? 10_000);
const REPS = Number(process.env.REPS ?? 41);
const PER_FOLDER = 1000;
const baseUrl = process.env.COFFER_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (x) => x.toFixed(2);

/** WebDAV and REST as one user with an app password (Basic), keep-alive. */
class Dav {
  constructor(url, user, password) {
    this.client = new Client(url, 8);
    this.auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  }
  async req(method, p, { body, headers = {}, ok = [200, 201, 204, 207] } = {}) {
    const r = await this.client.request(method, p, { body, headers: { authorization: this.auth, ...headers } });
    if (!ok.includes(r.status)) throw new Error(`${method} ${p} -> ${r.status}: ${r.body.toString().slice(0, 300)}`);
    return r;
  }
}

async function main() {
  const db = await createDatabase(baseUrl, `bench_scale_${Date.now()}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-scale-'));
  const server = await startCoffer({ dataDir, databaseUrl: db.url, fsync: true });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  // As Coffer's own connections (database.ts): no JIT for short statements.
  await sql.query('set jit = off');
  try {
    const admin = new Client(server.url);
    await admin.login('admin', ADMIN_PASSWORD);
    await admin.expect([201], 'POST', '/api/v1/admin/users', { json: { username: 'scale', password: 'scale-password-1', quota_bytes: 1e15 } });
    const user = new Client(server.url);
    await user.login('scale', 'scale-password-1');
    const { data: app } = await user.expect([201], 'POST', '/api/v1/auth/app-passwords', { json: { name: 'bench' } });
    const dav = new Dav(server.url, 'scale', app.password);
    const body = crypto.randomBytes(4096);

    // The working set: a 1,000-entry folder, and a 1,000-entry folder to move back and forth.
    for (const dir of ['work', 'movable']) {
      await dav.req('MKCOL', `/dav/${dir}/`);
      for (let i = 0; i < PER_FOLDER; i += 8) {
        await Promise.all(Array.from({ length: 8 }, (_, k) => dav.req('PUT', `/dav/${dir}/f${i + k}.bin`, { body })));
      }
    }

    let n = 0;
    let movedTo = 'movable';
    const measure = async (label) => {
      const t = { put: [], propfind: [], move: [], resolve: [], usage: [], get: [] };
      for (let r = 0; r < REPS; r++) {
        t.put.push((await dav.req('PUT', `/dav/work/new-${label}-${n++}.bin`, { body })).ms);
        t.get.push((await dav.req('GET', `/dav/work/f${r}.bin`)).ms);
        t.propfind.push((await dav.req('PROPFIND', '/dav/work/', { headers: { depth: '1' } })).ms);
        const to = movedTo === 'movable' ? 'moved' : 'movable';
        t.move.push((await dav.req('MOVE', `/dav/${movedTo}/`, { headers: { destination: `${server.url}/dav/${to}/`, overwrite: 'F' } })).ms);
        movedTo = to;
        t.resolve.push((await dav.req('GET', `/api/v1/resolve?path=${encodeURIComponent(`/work/f${r}.bin`)}`)).ms);
        t.usage.push((await dav.req('GET', '/api/v1/account')).ms);
      }
      return Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, { median: median(xs), p95: q(xs, 0.95) }]));
    };

    log('measuring on the small database');
    const small = await measure('small');
    const counts = async () => (await sql.query(`select (select count(*) from nodes) nodes, (select count(*) from users) users`)).rows[0];
    const before = await counts();

    log(`writing ${FILES} files and ${USERS} users straight into PostgreSQL`);
    const t0 = performance.now();
    const { rows: [space] } = await sql.query(`select s.id, s.root_node_id from spaces s join users u on u.id = s.owner_user_id where u.username = 'scale'`);
    await sql.query('begin');
    await sql.query(`insert into nodes (id, space_id, parent_id, name, kind, etag) values (gen_random_uuid(), $1, $2, 'bulk', 'folder', md5(random()::text))`, [space.id, space.root_node_id]);
    const folders = Math.ceil(FILES / PER_FOLDER);
    await sql.query(
      `insert into nodes (id, space_id, parent_id, name, kind, etag, size)
       select gen_random_uuid(), $1, (select id from nodes where parent_id = $2 and name = 'bulk'), 'd' || g, 'folder', md5(g::text), 0
         from generate_series(1, $3) g`,
      [space.id, space.root_node_id, folders],
    );
    await sql.query(`create temp table bulk_files as
      select gen_random_uuid() as node_id, gen_random_uuid() as version_id, gen_random_uuid() as blob_id, d.id as parent_id, 'f' || g || '.bin' as name
        from nodes d cross join generate_series(1, ${PER_FOLDER}) g
       where d.parent_id = (select id from nodes where parent_id = '${space.root_node_id}' and name = 'bulk')
       limit ${FILES}`);
    await sql.query(`insert into blobs (id, store_key, size, sha256) select blob_id, gen_random_uuid()::text, 4096, md5(name) from bulk_files`);
    await sql.query(`insert into nodes (id, space_id, parent_id, name, kind, current_version_id, size, mime, etag)
      select node_id, '${space.id}', parent_id, name, 'file', version_id, 4096, 'application/octet-stream', md5(name) from bulk_files`);
    await sql.query(`insert into versions (id, node_id, blob_id, size, sha256, mime) select version_id, node_id, blob_id, 4096, md5(name), 'application/octet-stream' from bulk_files`);
    await sql.query(`update nodes set size = ${PER_FOLDER} * 4096 where parent_id = (select id from nodes where parent_id = '${space.root_node_id}' and name = 'bulk')`);
    await sql.query(`update nodes set size = size + ${FILES}::bigint * 4096 where id in ((select id from nodes where parent_id = '${space.root_node_id}' and name = 'bulk'), '${space.root_node_id}')`);
    await sql.query(`update spaces set used_bytes = used_bytes + ${FILES}::bigint * 4096 where id = '${space.id}'`);
    await sql.query(`create temp table bulk_users as select gen_random_uuid() as user_id, gen_random_uuid() as space_id, gen_random_uuid() as root_id, 'bulk' || g as name from generate_series(1, ${USERS}) g`);
    await sql.query(`insert into users (id, username, role, status) select user_id, name, 'user', 'active' from bulk_users`);
    await sql.query(`insert into spaces (id, kind, owner_user_id, name, root_node_id) select space_id, 'personal', user_id, name, root_id from bulk_users`);
    await sql.query(`insert into nodes (id, space_id, parent_id, name, kind, etag) select root_id, space_id, null, '', 'folder', md5(name) from bulk_users`);
    await sql.query('commit');
    // VACUUM too, so autovacuum does not start on the new rows while the requests are timed.
    await sql.query('vacuum analyze');
    const writeSeconds = (performance.now() - t0) / 1000;
    const after = await counts();
    log(`done in ${writeSeconds.toFixed(0)} s: ${after.nodes} nodes, ${after.users} users`);

    log('measuring on the large database');
    const large = await measure('large');

    // The plans of the statements behind those requests, at full size.
    const { rows: [u] } = await sql.query(`select id from users where username = 'scale'`);
    const { rows: [f] } = await sql.query(`select id, parent_id from nodes where name = 'f7.bin' and parent_id = (select id from nodes where name = 'work' and parent_id = $1)`, [space.root_node_id]);
    const explain = async (label, text, params) => {
      const { rows } = await sql.query(`explain (analyze, costs off, timing off, summary on) ${text}`, params);
      const plan = rows.map((r) => r['QUERY PLAN']);
      return { label, seqScanOnBigTable: plan.some((l) => /Seq Scan on (nodes|versions|blobs|spaces|users)\b/.test(l)), time: plan.filter((l) => /Execution Time/.test(l)).join(''), plan };
    };
    const plans = [
      await explain('path walk from the home root (every WebDAV request)', `with recursive walk as (
          select n.*, 0 as depth from nodes n where n.id = (select root_node_id from spaces where owner_user_id = $1) and n.deleted_at is null
          union all
          select n.*, w.depth + 1 from walk w cross join lateral (select c.* from nodes c where c.parent_id = w.id and c.deleted_at is null and c.name = ($2::text[])[w.depth + 1] limit 1) n where w.depth < 2)
        select * from walk order by depth`, [u.id, ['work', 'f7.bin']]),
      await explain('one page of a folder listing', `select n.id, n.name from nodes n where n.parent_id = $1 and n.deleted_at is null and n.kind = 'file'
          order by lower(n.name) collate "C", n.name collate "C", n.id limit 1000`, [f.parent_id]),
      await explain('quota and usage of the space', `select used_bytes, quota_bytes from spaces where owner_user_id = $1`, [u.id]),
      await explain('bytes in the trash (the usage split)', `with recursive down(id) as (
          select id from nodes where space_id = $1 and deleted_at is not null
          union
          select n.id from down d cross join lateral (select c.id from nodes c where c.parent_id = d.id offset 0) n)
        select sum(x.bytes)::bigint from down cross join lateral (select sum(v.size) as bytes from versions v where v.node_id = down.id) x`, [space.id]),
      await explain('size and ETag up to the root (every change)', `with recursive up(id, parent_id) as (
          select id, parent_id from nodes where id = $1
          union all
          select n.id, n.parent_id from up cross join lateral (select p.id, p.parent_id from nodes p where p.id = up.parent_id limit 1) n)
        update nodes set size = size + 0, etag = etag, updated_at = now() where id in (select id from up)`, [f.parent_id]),
      await explain('new file commit', `select * from coffer_add_files($1::uuid, $2::jsonb, now())`, [space.id, JSON.stringify([{ ord: 0, folder_id: f.parent_id, name: 'explained.bin', node_id: crypto.randomUUID(), version_id: crypto.randomUUID(), blob_id: crypto.randomUUID(), store_key: crypto.randomUUID(), size: 1, sha256: 'x', sha1: null, mime: 'text/plain', etag: 'e', modified_at: new Date().toISOString(), actor_id: u.id, actor_name: 'scale', ip: null, user_agent: null, detail: null }])]),
    ];

    const rows = Object.keys(small).map((k) => `| ${k} | ${fmt(small[k].median)} (${fmt(small[k].p95)}) | ${fmt(large[k].median)} (${fmt(large[k].p95)}) | ${(large[k].median / small[k].median).toFixed(2)}× |`);
    const report = [
      `# Scale: requests on a small database and on ${after.nodes} nodes / ${after.users} users (${new Date().toISOString()})`,
      '',
      `PostgreSQL, durable (fsync on), one Coffer server, sequential requests, ${REPS} of each per size: median (p95) ms.`,
      `Small: ${before.nodes} nodes, ${before.users} users. Large: ${after.nodes} nodes (${FILES} more files in the same space, ${Math.ceil(FILES / PER_FOLDER)} folders of ${PER_FOLDER}), ${after.users} users; written in ${writeSeconds.toFixed(0)} s, then ANALYZE.`,
      '',
      '| request | small | large | large ÷ small |',
      '|---|---|---|---|',
      ...rows,
      '',
      'put = WebDAV PUT of 4 KiB to a new name in a 1,000-entry folder (quota checked in the commit); get = WebDAV GET of 4 KiB;',
      'propfind = PROPFIND Depth 1 of that folder; move = MOVE of a 1,000-entry folder; resolve = GET /api/v1/resolve?path= (find by path);',
      'usage = GET /api/v1/account (the space\'s usage and quota).',
      '',
      '## Plans at full size',
      '',
      ...plans.flatMap((p) => [`### ${p.label}: ${p.seqScanOnBigTable ? 'SEQ SCAN' : 'index only'}, ${p.time.trim()}`, '', '```', ...p.plan, '```', '']),
    ].join('\n');
    console.log(report);
  } finally {
    await sql.end().catch(() => undefined);
    await server.stop();
    if (process.env.KEEP_DB) log(`kept ${db.url}`);
    else await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
