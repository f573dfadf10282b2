#!/usr/bin/env node
// Search at scale: 1,000,000 files written straight into the database (generate_series) in one
// user's space, then GET /api/v1/search timed for a few name queries through the real server:
// median and p95 of REPS requests each, on PostgreSQL and on the embedded PGlite.
//
//   npm run build && node bench/search.mjs          (PostgreSQL ~3 min, PGlite ~10 min)
// Env: SEARCH_FILES=1000000 REPS=21 SEARCH_BACKENDS=postgres,pglite
//      COFFER_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch
//      database is made next to it and dropped after)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { URLSearchParams } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { ADMIN_PASSWORD, Client, createDatabase, log, median, repoRoot, startCoffer } from './lib.mjs';

const FILES = Number(process.env.SEARCH_FILES ?? 1_000_000);
const REPS = Number(process.env.REPS ?? 21);
const PER_FOLDER = 1000;
const BACKENDS = (process.env.SEARCH_BACKENDS ?? 'postgres,pglite').split(',');
const baseUrl = process.env.COFFER_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

// Names like people's: two words of 20 (one in ten has an accent), a word of 1,000 made of
// syllables (each ~0.1 % of rows), a number, an extension of 8. Every row's name is distinct.
const WORDS = ['report', 'invoice', 'photo', 'holiday', 'budget', 'meeting', 'notes', 'draft', 'final', 'scan', 'contract', 'résumé', 'café', 'plan', 'summary', 'minutes', 'letter', 'design', 'backup', 'export'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'to', 'vi', 'zu', 'pe', 'sa'];
const EXTS = ['pdf', 'docx', 'jpg', 'txt', 'xlsx', 'png', 'md', 'zip'];
const nameSql = (g) => `
  (array[${WORDS.map((w) => `'${w}'`).join(',')}])[1 + ${g} % 20] || ' ' ||
  (array[${WORDS.map((w) => `'${w}'`).join(',')}])[1 + (${g} / 20) % 20] || ' ' ||
  (array[${SYLLABLES.map((s) => `'${s}'`).join(',')}])[1 + (${g} / 400) % 10] ||
  (array[${SYLLABLES.map((s) => `'${s}'`).join(',')}])[1 + (${g} / 4000) % 10] ||
  (array[${SYLLABLES.map((s) => `'${s}'`).join(',')}])[1 + (${g} / 40000) % 10] || ' ' ||
  ${g} || '.' || (array[${EXTS.map((e) => `'${e}'`).join(',')}])[1 + (${g} / 7) % 8]`;

/** The queries timed: how many rows each matches is printed with the figures. */
const QUERIES = [
  { label: 'rare: a number', params: { q: '123457' } },
  { label: 'uncommon: a made-up word (0.1 %)', params: { q: 'kalomi' } },
  { label: 'common: a word in 10 % of names', params: { q: 'invoice' } },
  { label: 'accents folded: "resume" finds "résumé"', params: { q: 'resume' } },
  { label: 'two words, prefix of the name', params: { q: 'budget café' } },
  { label: 'short: 2 letters (no trigram)', params: { q: 'zu' } },
  { label: 'common word + type filter (pdf)', params: { q: 'invoice', type: 'pdf' } },
  { label: 'common word, second page (cursor)', params: { q: 'invoice' }, second: true },
];

/** The bulk rows, as one SQL script for either database; `space`, `root`: the user's. */
function bulkSql(space, root) {
  const folders = Math.ceil(FILES / PER_FOLDER);
  return `
    insert into nodes (id, space_id, parent_id, name, kind, etag) values (gen_random_uuid(), '${space}', '${root}', 'bulk', 'folder', md5(random()::text));
    create temp table bulk_folders as
      select gen_random_uuid() as id, g from generate_series(0, ${folders - 1}) g;
    insert into nodes (id, space_id, parent_id, name, kind, etag)
      select f.id, '${space}', (select id from nodes where parent_id = '${root}' and name = 'bulk'), 'folder ' || f.g, 'folder', md5(f.g::text) from bulk_folders f;
    create temp table bulk_files as
      select gen_random_uuid() as node_id, gen_random_uuid() as version_id, gen_random_uuid() as blob_id, f.id as parent_id, ${nameSql('g.g')} as name
        from generate_series(0, ${FILES - 1}) g join bulk_folders f on f.g = g.g / ${PER_FOLDER};
    insert into blobs (id, store_key, size, sha256) select blob_id, blob_id::text, 4096, md5(name) from bulk_files;
    insert into nodes (id, space_id, parent_id, name, kind, current_version_id, size, mime, etag)
      select node_id, '${space}', parent_id, name, 'file', version_id, 4096, case when name like '%.pdf' then 'application/pdf' else 'application/octet-stream' end, md5(name) from bulk_files;
    insert into versions (id, node_id, blob_id, size, sha256, mime) select version_id, node_id, blob_id, 4096, md5(name), 'application/octet-stream' from bulk_files;
    drop table bulk_files;
    drop table bulk_folders;`;
}

async function prepareUser(url) {
  const admin = new Client(url);
  await admin.login('admin', ADMIN_PASSWORD);
  await admin.expect([201], 'POST', '/api/v1/admin/users', { json: { username: 'finder', password: 'finder-password-1' } });
  admin.close();
}

async function measure(url) {
  const user = new Client(url, 1);
  await user.login('finder', 'finder-password-1');
  const rows = [];
  for (const query of QUERIES) {
    const qs = new URLSearchParams({ ...query.params, limit: '50' }).toString();
    const first = await user.expect([200], 'GET', `/api/v1/search?${qs}`);
    const path = query.second ? `/api/v1/search?${qs}&cursor=${encodeURIComponent(first.data.next_cursor)}` : `/api/v1/search?${qs}`;
    // Two untimed, then REPS timed.
    for (let i = 0; i < 2; i++) await user.expect([200], 'GET', path);
    const ms = [];
    let hits = 0;
    for (let i = 0; i < REPS; i++) {
      const r = await user.expect([200], 'GET', path);
      ms.push(r.ms);
      hits = r.data.items.length;
    }
    rows.push({ label: query.label, q: JSON.stringify(query.params), hits, median: median(ms), p95: q(ms, 0.95) });
    log(`${query.label}: median ${median(ms).toFixed(1)} ms, p95 ${q(ms, 0.95).toFixed(1)} ms`);
  }
  user.close();
  return rows;
}

/** How many rows each query's words (and type) match, by the query's parameters. */
async function matchCounts(run) {
  const out = {};
  for (const query of QUERIES) {
    const key = JSON.stringify(query.params);
    if (key in out) continue;
    const type = query.params.type === 'pdf' ? ` and mime = 'application/pdf'` : '';
    out[key] = await run(`select count(*)::int as n from nodes where coffer_fold(name) like '%' || coffer_fold('${query.params.q.replace(/'/g, "''")}') || '%'${type}`);
  }
  return out;
}

async function onPostgres() {
  const db = await createDatabase(baseUrl, `bench_search_${Date.now()}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-search-'));
  let server = await startCoffer({ dataDir, databaseUrl: db.url, fsync: false });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await prepareUser(server.url);
    const { rows: [s] } = await client.query(`select s.id, s.root_node_id from spaces s join users u on u.id = s.owner_user_id where u.username = 'finder'`);
    log(`PostgreSQL: writing ${FILES} files`);
    const t0 = performance.now();
    await client.query('begin');
    await client.query('drop index nodes_name_trgm');
    await client.query('drop index nodes_name_fold');
    await client.query(bulkSql(s.id, s.root_node_id));
    // Committed first: the deferred foreign keys' checks must run before an index is built.
    await client.query('commit');
    const t1 = performance.now();
    await client.query('create index nodes_name_trgm on nodes using gin (name_folded gin_trgm_ops)');
    await client.query('create index nodes_name_fold on nodes (name_folded collate "C")');
    const t2 = performance.now();
    await client.query('vacuum analyze');
    const counts = await matchCounts(async (text) => (await client.query(text)).rows[0].n);
    // A fresh server: its prepared statements are planned on the full tables.
    await server.stop();
    server = await startCoffer({ dataDir, databaseUrl: db.url, fsync: false });
    const rows = await measure(server.url);
    const size = (await client.query(`select pg_size_pretty(pg_relation_size('nodes_name_trgm')) || ' + ' || pg_size_pretty(pg_relation_size('nodes_name_fold')) as s`)).rows[0].s;
    return { backend: 'PostgreSQL 15', writeSeconds: (t1 - t0) / 1000, indexSeconds: (t2 - t1) / 1000, indexSize: size, counts, rows };
  } finally {
    await client.end();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await db.drop();
  }
}

async function onPglite() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-search-pglite-'));
  try {
    let server = await startCoffer({ dataDir, fsync: false });
    await prepareUser(server.url);
    await server.stop();
    // The embedded database belongs to one process at a time: written to while no server runs.
    const { openDatabase } = await import(path.join(repoRoot, 'dist/db/database.js'));
    const db = await openDatabase({ pgliteDir: path.join(dataDir, 'db') });
    const run = async (text) => (await sql.raw(text).execute(db)).rows;
    log(`PGlite: writing ${FILES} files`);
    const [s] = await run(`select s.id, s.root_node_id from spaces s join users u on u.id = s.owner_user_id where u.username = 'finder'`);
    const t0 = performance.now();
    await run('begin');
    await run('drop index nodes_name_trgm');
    await run('drop index nodes_name_fold');
    for (const statement of bulkSql(s.id, s.root_node_id).split(';').map((x) => x.trim()).filter(Boolean)) await run(statement);
    await run('commit');
    const t1 = performance.now();
    await run('create index nodes_name_trgm on nodes using gin (name_folded gin_trgm_ops)');
    await run('create index nodes_name_fold on nodes (name_folded collate "C")');
    const t2 = performance.now();
    await run('vacuum analyze');
    const counts = await matchCounts(async (text) => (await run(text))[0].n);
    const [size] = await run(`select pg_size_pretty(pg_relation_size('nodes_name_trgm')) || ' + ' || pg_size_pretty(pg_relation_size('nodes_name_fold')) as s`);
    await db.destroy();
    server = await startCoffer({ dataDir, fsync: false });
    try {
      const rows = await measure(server.url);
      return { backend: 'PGlite 0.5 (PostgreSQL 18, WebAssembly)', writeSeconds: (t1 - t0) / 1000, indexSeconds: (t2 - t1) / 1000, indexSize: size.s, counts, rows };
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(results) {
  const lines = [`Search over ${FILES.toLocaleString('en')} files in one space, GET /api/v1/search?limit=50, ${REPS} requests each after 2 untimed, one client (ms).`, ''];
  for (const r of results) {
    lines.push(`### ${r.backend}`, '', `Rows written in ${r.writeSeconds.toFixed(0)} s; both name indexes (trigram + ordered) built in ${r.indexSeconds.toFixed(0)} s (${r.indexSize}).`, '');
    lines.push('| query | q | rows matching | hits returned | median | p95 |', '|---|---|---:|---:|---:|---:|');
    for (const row of r.rows) lines.push(`| ${row.label} | \`${row.q}\` | ${(r.counts[row.q] ?? 0).toLocaleString('en')} | ${row.hits} | ${row.median.toFixed(1)} | ${row.p95.toFixed(1)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

const results = [];
if (BACKENDS.includes('postgres')) results.push(await onPostgres());
if (BACKENDS.includes('pglite')) results.push(await onPglite());
const text = report(results);
console.log(text);
if (process.env.BENCH_OUT) fs.writeFileSync(process.env.BENCH_OUT, text + '\n');
