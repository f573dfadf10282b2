#!/usr/bin/env node
// App storage: what a signed URL and a path layout cost, on the compiled server (dist/) run as a
// child process over PostgreSQL, durable (fsync on). Prints a markdown report on stdout.
//
//   npm run build && node bench/app-storage.mjs
//
// One organisation space with a layout ({system}/{objectType}/{objectId}/{file}) and one without.
// An application's API key stores and fetches objects by path; each object is also fetched and
// stored through a signed URL the same key issued beforehand (issuing untimed). Measured, in
// rounds alternating the two ways (ABAB):
//   1. BENCH_SMALL_N=1000 PUTs and GETs of 4 KiB with BENCH_CONC=8 keep-alive clients: ops/s.
//   2. BENCH_BIG_REPS=3 PUTs and GETs of 100 MiB with curl: MB/s (10^6 bytes).
//   3. The same 4 KiB PUTs by the key into the space with a layout and into the one without.
//
// Knobs (env): BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch database
// is created next to it and dropped after)  BENCH_SMALL_N  BENCH_CONC  BENCH_BIG_REPS  BENCH_ROUNDS=2
// (100 objects each way are stored and fetched first, untimed)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_PASSWORD, Client, createDatabase, curl, ensureRandomFile, log, median, pool, startCoffer } from './lib.mjs';

const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SMALL_N = Number(process.env.BENCH_SMALL_N ?? 1000);
const CONC = Number(process.env.BENCH_CONC ?? 8);
const BIG_REPS = Number(process.env.BENCH_BIG_REPS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BIG = 100 * 1024 * 1024;
const LAYOUT = {
  pattern: '{system}/{objectType}/{objectId}/{file}',
  values: { system: ['accounting', 'workspace'], objectType: { by: 'system', values: { accounting: ['receipt'], workspace: ['document'] } }, objectId: { regex: '^[a-z0-9-]{1,64}$' } },
};

const db = await createDatabase(PG, `bench_appstorage_${Date.now()}`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-apps-'));
const server = await startCoffer({ dataDir, databaseUrl: db.url, fsync: true });
const rows = [];
try {
  const admin = new Client(server.url, CONC);
  await admin.login('admin', ADMIN_PASSWORD);
  await admin.expect([201], 'POST', '/api/v1/orgs', { json: { slug: 'bench', name: 'Bench', owner: 'admin' } });
  const laid = (await admin.expect([201], 'POST', '/api/v1/orgs/bench/spaces', { json: { name: 'Laid out', layout: LAYOUT } })).data;
  const free = (await admin.expect([201], 'POST', '/api/v1/orgs/bench/spaces', { json: { name: 'Free' } })).data;
  const all = ['read', 'list', 'create', 'write', 'delete'];
  const account = (await admin.expect([201], 'POST', '/api/v1/orgs/bench/service-accounts', { json: { name: 'bench app', scopes: [{ space_id: laid.id, permissions: all }, { space_id: free.id, permissions: all }] } })).data;
  const key = (await admin.expect([201], 'POST', `/api/v1/orgs/bench/service-accounts/${account.id}/keys`, { json: {} })).data.key;
  const app = new Client(server.url, CONC);
  app.token = key;
  const anon = new Client(server.url, CONC);
  const small = crypto.randomBytes(4096);
  // Bodies are bytes, not JSON: only the status and the length are checked.
  const fetched = async (pending) => {
    const r = await pending;
    if (r.status !== 200 || r.body.length !== 4096) throw new Error(`GET -> ${r.status}, ${r.body.length} bytes`);
  };
  const sign = async (method, spaceId, p) => (await app.expect([201], 'POST', '/api/v1/signed-urls', { json: { method, space_id: spaceId, path: p, expires_in: 3600 } })).data.url;

  // Untimed warm-up of both ways (connections, prepared statements, JIT).
  const warm = Array.from({ length: 100 }, (_, i) => `accounting/receipt/warm/w${i}.bin`);
  await pool(warm.length, CONC, (i) => app.expect([201], 'PUT', `/api/v1/spaces/${free.id}/content/${warm[i]}`, { body: small }));
  const warmUrls = await Promise.all(warm.map((n) => sign('GET', free.id, `/${n}`)));
  await pool(warm.length, CONC, (i) => fetched(anon.request('GET', warmUrls[i])));
  await pool(warm.length, CONC, (i) => fetched(app.request('GET', `/api/v1/spaces/${free.id}/content/${warm[i]}`)));

  // 1. small objects: key vs signed URL
  const small4k = { keyPut: [], urlPut: [], keyGet: [], urlGet: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const way of round % 2 === 0 ? ['key', 'url'] : ['url', 'key']) {
      const dir = `accounting/receipt/r${round}-${way}`;
      const names = Array.from({ length: SMALL_N }, (_, i) => `${dir}/o${i}.bin`);
      const putUrls = way === 'url' ? await Promise.all(names.map((n) => sign('PUT', free.id, `/${n}`))) : [];
      const putS = await pool(SMALL_N, CONC, (i) =>
        way === 'key' ? app.expect([201], 'PUT', `/api/v1/spaces/${free.id}/content/${names[i]}`, { body: small }) : anon.expect([201], 'PUT', putUrls[i], { body: small }),
      );
      const getUrls = way === 'url' ? await Promise.all(names.map((n) => sign('GET', free.id, `/${n}`))) : [];
      const getS = await pool(SMALL_N, CONC, (i) => fetched(way === 'key' ? app.request('GET', `/api/v1/spaces/${free.id}/content/${names[i]}`) : anon.request('GET', getUrls[i])));
      small4k[`${way}Put`].push(SMALL_N / putS);
      small4k[`${way}Get`].push(SMALL_N / getS);
      log(`round ${round} ${way}: PUT ${(SMALL_N / putS).toFixed(0)}/s GET ${(SMALL_N / getS).toFixed(0)}/s`);
    }
  }
  rows.push(['PUT 4 KiB × 8 clients, ops/s', median(small4k.keyPut), median(small4k.urlPut)]);
  rows.push(['GET 4 KiB × 8 clients, ops/s', median(small4k.keyGet), median(small4k.urlGet)]);

  // 2. 100 MiB: key vs signed URL, with curl
  const file = path.join(os.tmpdir(), 'coffer-bench-100m.bin');
  await ensureRandomFile(file, BIG);
  const big = { keyPut: [], urlPut: [], keyGet: [], urlGet: [] };
  for (let rep = 0; rep < BIG_REPS; rep++) {
    for (const way of rep % 2 === 0 ? ['key', 'url'] : ['url', 'key']) {
      const p = `big/${way}-${rep}.bin`;
      const put = way === 'key'
        ? await curl(['-X', 'PUT', '-H', `Authorization: Bearer ${key}`, '-T', file, '-o', '/dev/null', `${server.url}/api/v1/spaces/${free.id}/content/${p}`])
        : await curl(['-X', 'PUT', '-T', file, '-o', '/dev/null', server.url + (await sign('PUT', free.id, `/${p}`))]);
      if (put.status !== 201) throw new Error(`100 MiB PUT by ${way}: ${put.status}`);
      const get = way === 'key'
        ? await curl(['-H', `Authorization: Bearer ${key}`, '-o', '/dev/null', `${server.url}/api/v1/spaces/${free.id}/content/${p}`])
        : await curl(['-o', '/dev/null', server.url + (await sign('GET', free.id, `/${p}`))]);
      if (get.status !== 200 || get.down !== BIG) throw new Error(`100 MiB GET by ${way}: ${get.status} ${get.down}`);
      big[`${way}Put`].push(BIG / put.seconds / 1e6);
      big[`${way}Get`].push(BIG / get.seconds / 1e6);
    }
  }
  rows.push(['PUT 100 MiB, MB/s', median(big.keyPut), median(big.urlPut)]);
  rows.push(['GET 100 MiB, MB/s', median(big.keyGet), median(big.urlGet)]);

  // 3. layout-checked vs unchecked
  const layout = { checked: [], free: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of round % 2 === 0 ? ['checked', 'free'] : ['free', 'checked']) {
      const space = which === 'checked' ? laid : free;
      const dir = `accounting/receipt/l${round}-${which}`;
      const s = await pool(SMALL_N, CONC, (i) => app.expect([201], 'PUT', `/api/v1/spaces/${space.id}/content/${dir}/o${i}.bin`, { body: small }));
      layout[which].push(SMALL_N / s);
    }
  }
  rows.push(['PUT 4 KiB × 8, layout-checked space vs none, ops/s', median(layout.free), median(layout.checked)]);
  app.close();
  anon.close();
  admin.close();
} finally {
  await server.stop();
  await db.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

console.log(`# App storage (${new Date().toISOString()}), PostgreSQL, fsync on, ${os.cpus().length} cores; medians of ${ROUNDS} rounds (${BIG_REPS} for 100 MiB)\n`);
console.log('| metric | by API key (A) | B | B ÷ A |');
console.log('|---|---|---|---|');
for (const [name, a, b] of rows) console.log(`| ${name}${name.includes('layout') ? ' (A: no layout, B: layout)' : ' (B: signed URL)'} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)}× |`);
