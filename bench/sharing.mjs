#!/usr/bin/env node
// Sharing: what a recipient pays compared with the owner, on the compiled server (dist/) run as a
// child process, on PostgreSQL and on the embedded default (PGlite + local disk), durable
// (fsync on, the default). Prints a markdown report on stdout (progress on stderr).
//
//   npm run build && node bench/sharing.mjs
//
// Per backend, on a fresh server: the admin makes "alice" (owner) and "bob" (recipient), each
// with an app password for WebDAV; alice fills the folders below over the REST API (untimed)
// and shares them with bob. Then:
//   1. PROPFIND Depth 1 of a folder of BENCH_ENTRIES=10000 files (viewer share), by alice at
//      /remote.php/dav/files/alice/list10k/ and by bob at
//      /remote.php/dav/files/bob/Shared with me/list10k/: BENCH_LIST_WARMUP=3 untimed each, then
//      BENCH_LIST_REPS=15 pairs, interleaved (owner first in even pairs, recipient first in odd
//      ones); time to the last byte of the multistatus. Two bodies: a Nextcloud-style prop list
//      (with oc:permissions, oc:checksums) and allprop (no body).
//   2. ZIP of a folder of BENCH_ZIP_FILES=1000 files of BENCH_ZIP_SIZE=1 MiB (random bytes,
//      each different) over GET /api/v1/folders/:id/zip with curl to /dev/null, by owner and
//      recipient alternately, BENCH_ZIP_REPS=2 each: MB/s (10^6 bytes) and the server's RSS
//      growth (VmRSS sampled every 50 ms and VmHWM after resetting it, minus the idle RSS just
//      before). Once, on the first backend, the recipient's archive is kept and checked with
//      Python's zipfile (entry count and CRC of every member).
//   3. BENCH_PUT_N=1000 WebDAV PUTs of BENCH_PUT_SIZE=4096 random bytes with BENCH_PUT_CONC=8
//      keep-alive connections: by bob into "Shared with me/team/b<r>/" (editor share) and by
//      alice into "own/b<r>/" (same depth, not shared), after BENCH_PUT_WARMUP=100 untimed PUTs
//      each; BENCH_PUT_ROUNDS=2 rounds in ABBA order, each batch into a fresh empty folder.
//   4. With BENCH_SQL_PROFILE=1 (default on; PostgreSQL only): the server is restarted over the
//      same data with a preload that logs every SQL statement and its time, and one request of
//      each kind is sent by each user: statements and SQL time per request.
//
// Knobs (env): BENCH_BACKENDS=postgres,pglite  BENCH_PG_URL (default
// postgres://postgres@127.0.0.1:5432/test; a scratch database bench_sharing_<time> is created
// next to it and dropped after)  BENCH_FSYNC=true  BENCH_SETUP_CONC=8  BENCH_OUT=path (also
// write the report there)  BENCH_KEEP=1 (keep data dirs and databases)
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADMIN_PASSWORD, Client, createDatabase, curl, log, median, memOf, pgReachable, pool, repoRoot, resetPeak, sampleRss, sleep, startCoffer } from './lib.mjs';

const env = process.env;
const int = (name, fallback) => {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const K = {
  entries: int('BENCH_ENTRIES', 10000),
  listWarmup: int('BENCH_LIST_WARMUP', 3),
  listReps: int('BENCH_LIST_REPS', 15),
  zipFiles: int('BENCH_ZIP_FILES', 1000),
  zipSize: int('BENCH_ZIP_SIZE', 1 << 20),
  zipReps: int('BENCH_ZIP_REPS', 2),
  putN: int('BENCH_PUT_N', 1000),
  putSize: int('BENCH_PUT_SIZE', 4096),
  putConc: int('BENCH_PUT_CONC', 8),
  putWarmup: int('BENCH_PUT_WARMUP', 100),
  putRounds: int('BENCH_PUT_ROUNDS', 2),
  setupConc: int('BENCH_SETUP_CONC', 8),
  sqlProfile: (env.BENCH_SQL_PROFILE ?? '1') !== '0',
  fsync: (env.BENCH_FSYNC ?? 'true') !== 'false',
  keep: env.BENCH_KEEP === '1',
};
const backends = (env.BENCH_BACKENDS || 'postgres,pglite').split(',').map((s) => s.trim()).filter(Boolean);
const pgBase = env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const api = '/api/v1';
const SHARED = 'Shared with me';

const PROPFIND_NC =
  '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>' +
  '<d:resourcetype/><d:getlastmodified/><d:getcontentlength/><d:getetag/>' +
  '<oc:id/><oc:fileid/><oc:permissions/><oc:size/><oc:checksums/></d:prop></d:propfind>';

// ---------- small helpers ----------
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  // nearest rank
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const enc = (segments) => segments.map(encodeURIComponent).join('/');
const fname = (i) => `f${String(i).padStart(6, '0')}.bin`;

class Dav {
  constructor(url, username, appPassword, conc) {
    this.username = username;
    this.client = new Client(url, conc);
    this.auth = `Basic ${Buffer.from(`${username}:${appPassword}`).toString('base64')}`;
    this.base = `/remote.php/dav/files/${encodeURIComponent(username)}`;
  }

  /** segments: the path below the user's DAV root; folder: add a trailing slash. */
  href(segments, folder) {
    return `${this.base}/${enc(segments)}${folder && segments.length ? '/' : ''}`;
  }

  async propfind(segments, body) {
    const headers = { authorization: this.auth, depth: '1' };
    if (body) headers['content-type'] = 'application/xml; charset=utf-8';
    const r = await this.client.request('PROPFIND', this.href(segments, true), { body: body ? Buffer.from(body) : undefined, headers });
    if (r.status !== 207) throw new Error(`PROPFIND ${this.href(segments, true)} as ${this.username} -> ${r.status}: ${r.body.toString().slice(0, 300)}`);
    return r;
  }

  async put(segments, data) {
    const r = await this.client.request('PUT', this.href(segments, false), { body: data, headers: { authorization: this.auth, 'content-type': 'application/octet-stream' } });
    if (r.status !== 201 && r.status !== 204) throw new Error(`PUT ${this.href(segments, false)} as ${this.username} -> ${r.status}: ${r.body.toString().slice(0, 300)}`);
    return r;
  }

  close() {
    this.client.close();
  }
}

function countResponses(body) {
  return (body.toString('utf8').match(/<(?:[A-Za-z][\w.-]*:)?response[\s>]/g) ?? []).length;
}

function runCmd(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

// ---------- SQL statement log (profile mode) ----------
/** A preload for the server's node: logs every statement (pg and PGlite) with its time, one line each. */
function writePreload() {
  const pgliteEntry = path.join(repoRoot, 'node_modules/@electric-sql/pglite/dist/index.js');
  const file = path.join(os.tmpdir(), `coffer-bench-sql-log-${process.pid}.mjs`);
  fs.writeFileSync(
    file,
    `import fs from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
const out = process.env.BENCH_SQL_LOG;
const fd = fs.openSync(out, 'a');
const line = (ms, text, err) => fs.writeSync(fd, ms.toFixed(3) + '\\t' + (err ? 'ERR ' : '') + String(text).replace(/\\s+/g, ' ').trim().slice(0, 400) + '\\n');
const wrap = (proto, name) => {
  const orig = proto[name];
  proto[name] = function (config, ...rest) {
    const text = typeof config === 'string' ? config : config && config.text;
    const t0 = performance.now();
    const r = orig.call(this, config, ...rest);
    if (r && typeof r.then === 'function') r.then(() => line(performance.now() - t0, text), () => line(performance.now() - t0, text, true));
    return r;
  };
};
const require = createRequire(${JSON.stringify(path.join(repoRoot, 'package.json'))});
wrap(require('pg').Client.prototype, 'query');
const { PGlite } = await import(${JSON.stringify(new URL(`file://${pgliteEntry}`).href)});
wrap(PGlite.prototype, 'query');
wrap(PGlite.prototype, 'exec');
`,
  );
  return file;
}

/** Statements logged while `fn` runs (and for `settleMs` after, for work finished after the response). */
async function statementsDuring(logFile, fn, settleMs = 300) {
  const before = fs.statSync(logFile).size;
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  await sleep(settleMs);
  const text = fs.readFileSync(logFile, 'utf8').slice(before);
  const lines = text.split('\n').filter(Boolean).map((l) => {
    const [t, ...s] = l.split('\t');
    return { ms: Number(t), sql: s.join('\t') };
  });
  return { ms, lines };
}

// ---------- one backend ----------
async function benchOne(backend) {
  const label = backend === 'pglite' ? 'embedded (PGlite)' : 'PostgreSQL';
  log(`=== ${label}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-sharing-'));
  const cleanups = [];
  const r = { label, backend };
  let server;
  try {
    let dbUrl;
    if (backend === 'postgres') {
      const db = await createDatabase(pgBase, `bench_sharing_${Date.now()}`);
      if (!K.keep) cleanups.push(db.drop);
      else log(`keeping database ${db.url}`);
      dbUrl = db.url;
    }
    if (!K.keep) cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    else log(`keeping data dir ${dataDir}`);
    server = await startCoffer({ dataDir, databaseUrl: dbUrl, fsync: K.fsync });
    cleanups.unshift(() => server.stop());
    log(`ready in ${server.startupSeconds.toFixed(1)} s`);

    // ---- users, app passwords ----
    const admin = new Client(server.url, K.setupConc);
    cleanups.unshift(async () => admin.close());
    await admin.login('admin', ADMIN_PASSWORD);
    const users = {};
    for (const name of ['alice', 'bob']) {
      const password = `${name}-bench-password-123`;
      await admin.expect([201], 'POST', `${api}/admin/users`, { json: { username: name, password } });
      const c = new Client(server.url, K.setupConc);
      cleanups.unshift(async () => c.close());
      await c.login(name, password);
      const { data } = await c.expect([201], 'POST', `${api}/auth/app-passwords`, { json: { name: 'bench' } });
      users[name] = { rest: c, appPassword: data.password };
    }
    const alice = users.alice.rest;
    const bob = users.bob.rest;
    const share = (nodeId, role) => alice.expect([201], 'POST', `${api}/shares`, { json: { node_id: nodeId, recipient: 'bob', role } }).then((x) => x.data);

    // ---- setup: the 10,000-entry folder ----
    let t0 = performance.now();
    const list = await alice.mkdir('root', 'list10k');
    let done = 0;
    await pool(K.entries, K.setupConc, async (i) => {
      await alice.upload(list.id, fname(i), crypto.randomBytes(256));
      if (++done % 2000 === 0) log(`list10k: ${done}/${K.entries} (${f0(done / ((performance.now() - t0) / 1000))}/s)`);
    });
    r.setupListSeconds = (performance.now() - t0) / 1000;
    log(`list10k filled in ${r.setupListSeconds.toFixed(0)} s`);
    const listShare = await share(list.id, 'viewer');
    if (listShare.mount_name !== 'list10k') throw new Error(`mount name ${listShare.mount_name}`);

    // ---- setup: the 1 GiB folder ----
    t0 = performance.now();
    const zipFolder = await alice.mkdir('root', 'zip1g');
    await pool(K.zipFiles, Math.min(4, K.setupConc), (i) => alice.upload(zipFolder.id, fname(i), crypto.randomBytes(K.zipSize)));
    r.setupZipSeconds = (performance.now() - t0) / 1000;
    log(`zip1g filled in ${r.setupZipSeconds.toFixed(0)} s (${f0((K.zipFiles * K.zipSize) / 1e6 / r.setupZipSeconds)} MB/s over REST, 4 clients)`);
    await share(zipFolder.id, 'viewer');

    // ---- setup: folders for PUTs ----
    const team = await alice.mkdir('root', 'team');
    const own = await alice.mkdir('root', 'own');
    await share(team.id, 'editor');
    for (const parent of [team, own]) {
      await alice.mkdir(parent.id, 'warm');
      for (let b = 0; b < K.putRounds; b++) await alice.mkdir(parent.id, `b${b}`);
    }

    const davOwner = new Dav(server.url, 'alice', users.alice.appPassword, K.putConc);
    const davRecip = new Dav(server.url, 'bob', users.bob.appPassword, K.putConc);
    cleanups.unshift(async () => davOwner.close(), async () => davRecip.close());
    const ownerList = ['list10k'];
    const recipList = [SHARED, 'list10k'];

    // ---- 1. PROPFIND Depth 1 ----
    r.propfind = {};
    for (const [variant, body] of [
      ['nextcloud props', PROPFIND_NC],
      ['allprop', null],
    ]) {
      const res = { owner: [], recipient: [], bytes: {} };
      for (let i = 0; i < K.listWarmup; i++) {
        for (const [who, dav, p] of [
          ['owner', davOwner, ownerList],
          ['recipient', davRecip, recipList],
        ]) {
          const x = await dav.propfind(p, body);
          const n = countResponses(x.body);
          if (n !== K.entries + 1) throw new Error(`${who} PROPFIND: ${n} responses, want ${K.entries + 1}`);
          res.bytes[who] = x.body.length;
          if (who === 'recipient' && !x.body.toString('utf8').includes('Shared%20with%20me/list10k/f000000.bin')) throw new Error('recipient PROPFIND hrefs do not go through "Shared with me"');
        }
      }
      for (let i = 0; i < K.listReps; i++) {
        const order = i % 2 === 0 ? ['owner', 'recipient'] : ['recipient', 'owner'];
        for (const who of order) {
          const x = who === 'owner' ? await davOwner.propfind(ownerList, body) : await davRecip.propfind(recipList, body);
          res[who].push(x.ms);
        }
      }
      res.ownerMedian = median(res.owner);
      res.recipMedian = median(res.recipient);
      res.ownerP95 = q(res.owner, 95);
      res.recipP95 = q(res.recipient, 95);
      res.ratio = res.recipMedian / res.ownerMedian;
      log(`PROPFIND (${variant}): owner ${f1(res.ownerMedian)} ms (p95 ${f1(res.ownerP95)}), recipient ${f1(res.recipMedian)} ms (p95 ${f1(res.recipP95)}), ×${res.ratio.toFixed(2)}`);
      r.propfind[variant] = res;
    }

    // ---- 2. ZIP of 1 GiB ----
    r.zip = { owner: [], recipient: [] };
    const zipBytes = K.zipFiles * K.zipSize;
    const keepZip = backends[0] === backend ? path.join(os.tmpdir(), `coffer-bench-sharing-${process.pid}.zip`) : null;
    for (let i = 0; i < K.zipReps; i++) {
      for (const who of i % 2 === 0 ? ['owner', 'recipient'] : ['recipient', 'owner']) {
        const token = (who === 'owner' ? alice : bob).token;
        const idle = sampleRss(server.pid, 50);
        await sleep(1000);
        const idleKiB = median(idle.stop().samples);
        const hwmReset = resetPeak(server.pid);
        const sampler = sampleRss(server.pid, 50);
        const out = keepZip && who === 'recipient' && i === 0 ? keepZip : '/dev/null';
        const c = await curl(['-o', out, '-H', `Authorization: Bearer ${token}`, `${server.url}${api}/folders/${zipFolder.id}/zip`]);
        const sampled = sampler.stop();
        const peakKiB = Math.max(sampled.max, hwmReset ? memOf(server.pid).hwm : 0);
        if (c.status !== 200 || c.down < zipBytes) throw new Error(`ZIP as ${who} -> ${c.status}, ${c.down} bytes`);
        const x = { mbps: c.down / c.seconds / 1e6, seconds: c.seconds, bytes: c.down, idleMiB: idleKiB / 1024, peakMiB: peakKiB / 1024, growthMiB: (peakKiB - idleKiB) / 1024, hwm: hwmReset };
        r.zip[who].push(x);
        log(`ZIP as ${who}: ${f0(x.mbps)} MB/s, ${x.seconds.toFixed(2)} s, RSS idle ${f0(x.idleMiB)} MiB, peak ${f0(x.peakMiB)} MiB (+${f0(x.growthMiB)})`);
      }
    }
    if (keepZip) {
      try {
        const py = `import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
infos = z.infolist()
files = [i for i in infos if not i.is_dir()]
bad = z.testzip()
print(len(infos), len(files), sum(i.file_size for i in files), bad)`;
        const [entries, files, bytes, bad] = (await runCmd('python3', ['-c', py, keepZip])).trim().split(/\s+/);
        r.zipCheck = `Python zipfile: ${entries} entries (${files} files, ${bytes} bytes), testzip (CRC of every member): ${bad === 'None' ? 'ok' : `bad member ${bad}`}`;
      } catch (err) {
        r.zipCheck = `check failed: ${err.message}`;
      }
      fs.rmSync(keepZip, { force: true });
      log(r.zipCheck);
    }

    // ---- 3. small PUTs ----
    const putBatch = async (who, dir, n) => {
      const dav = who === 'owner' ? davOwner : davRecip;
      const base = who === 'owner' ? ['own', dir] : [SHARED, 'team', dir];
      return pool(n, K.putConc, (i) => dav.put([...base, fname(i)], crypto.randomBytes(K.putSize)));
    };
    await putBatch('owner', 'warm', K.putWarmup);
    await putBatch('recipient', 'warm', K.putWarmup);
    r.put = { owner: [], recipient: [] };
    for (let b = 0; b < K.putRounds; b++) {
      for (const who of b % 2 === 0 ? ['owner', 'recipient'] : ['recipient', 'owner']) {
        await runCmd('sync', []);
        const s = await putBatch(who, `b${b}`, K.putN);
        r.put[who].push(K.putN / s);
        log(`PUT ${K.putN} × ${K.putSize} B as ${who}, ${K.putConc} connections: ${f0(K.putN / s)}/s`);
      }
    }
    // The recipient's uploads landed in alice's folder.
    const landed = await alice.expect([200], 'GET', `${api}/folders/${team.id}/children?limit=10`);
    if (!landed.data.items.some((it) => it.name === 'b0')) throw new Error('team/b0 missing');

    // ---- 4. SQL per request (restart with the statement log) ----
    if (K.sqlProfile && backend === 'postgres') {
      await server.stop();
      cleanups.shift();
      const preload = writePreload();
      const sqlLog = path.join(os.tmpdir(), `coffer-bench-sql-${process.pid}.log`);
      fs.writeFileSync(sqlLog, '');
      const savedArgs = env.BENCH_NODE_ARGS;
      env.BENCH_NODE_ARGS = `${savedArgs ?? ''} --import ${preload}`;
      env.BENCH_SQL_LOG = sqlLog;
      try {
        server = await startCoffer({ dataDir, databaseUrl: dbUrl, fsync: K.fsync });
      } finally {
        if (savedArgs === undefined) delete env.BENCH_NODE_ARGS;
        else env.BENCH_NODE_ARGS = savedArgs;
        delete env.BENCH_SQL_LOG;
      }
      cleanups.unshift(() => server.stop(), async () => fs.rmSync(preload, { force: true }), async () => fs.rmSync(sqlLog, { force: true }));
      const o = new Dav(server.url, 'alice', users.alice.appPassword, 1);
      const p = new Dav(server.url, 'bob', users.bob.appPassword, 1);
      cleanups.unshift(async () => o.close(), async () => p.close());
      // Warm each path once (connections, caches), then record the second request.
      const steps = [
        [`PROPFIND Depth 1, ${K.entries.toLocaleString('en')} entries`, () => o.propfind(ownerList, PROPFIND_NC), () => p.propfind(recipList, PROPFIND_NC)],
        ['PUT 4 KiB (new file)', (k) => o.put(['own', 'warm', `p${k}.bin`], crypto.randomBytes(K.putSize)), (k) => p.put([SHARED, 'team', 'warm', `p${k}.bin`], crypto.randomBytes(K.putSize))],
      ];
      r.sql = [];
      for (const [name, ownerFn, recipFn] of steps) {
        const row = { name };
        for (const [who, fn] of [
          ['owner', ownerFn],
          ['recipient', recipFn],
        ]) {
          await fn(0);
          const s = await statementsDuring(sqlLog, () => fn(1));
          row[who] = { ms: s.ms, count: s.lines.length, sqlMs: s.lines.reduce((a, l) => a + l.ms, 0), lines: s.lines };
        }
        r.sql.push(row);
        log(`SQL for ${name}: owner ${row.owner.count} statements (${f1(row.owner.sqlMs)} ms SQL of ${f1(row.owner.ms)} ms), recipient ${row.recipient.count} (${f1(row.recipient.sqlMs)} of ${f1(row.recipient.ms)} ms)`);
      }
      // ZIP: statements only (time is dominated by the 1 GiB stream).
      for (const who of ['owner', 'recipient']) {
        const token = (who === 'owner' ? alice : bob).token;
        // Tokens were signed by the previous process; log in again in case the secret changed.
        const s = await statementsDuring(sqlLog, () => curl(['-o', '/dev/null', '-H', `Authorization: Bearer ${token}`, `${server.url}${api}/folders/${zipFolder.id}/zip`]));
        (r.sqlZip ??= {})[who] = { count: s.lines.length, sqlMs: s.lines.reduce((a, l) => a + l.ms, 0), ms: s.ms, lines: s.lines };
      }
      log(`SQL for ZIP: owner ${r.sqlZip.owner.count}, recipient ${r.sqlZip.recipient.count}`);
    }
    return r;
  } catch (err) {
    r.error = err instanceof Error ? err.stack ?? err.message : String(err);
    log(`FAILED: ${r.error}`);
    return r;
  } finally {
    for (const c of cleanups) await c().catch((err) => log(`cleanup: ${err.message}`));
  }
}

// ---------- report ----------
function report(results, started) {
  const lines = [];
  const p = (s = '') => lines.push(s);
  p(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM; started ${started}, load average before ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (at the end)`);
  p(`Knobs: ${JSON.stringify(K)}`);
  p();
  p('| figure | backend | owner | recipient | recipient ÷ owner | target |');
  p('|---|---|---|---|---|---|');
  for (const r of results) {
    if (r.error) {
      p(`| (failed) | ${r.label} | ${r.error.split('\n')[0]} | | | |`);
      continue;
    }
    for (const [variant, x] of Object.entries(r.propfind)) {
      p(`| PROPFIND Depth 1, ${K.entries.toLocaleString('en')} entries (${variant}), median ms (p95) | ${r.label} | ${f1(x.ownerMedian)} (${f1(x.ownerP95)}) | ${f1(x.recipMedian)} (${f1(x.recipP95)}) | ${x.ratio.toFixed(2)}× (p95 ${(x.recipP95 / x.ownerP95).toFixed(2)}×) | ≤ 1.2× ${x.ratio <= 1.2 ? '✓' : '✗'} |`);
    }
    const zm = (who) => median(r.zip[who].map((z) => z.mbps));
    const zg = (who) => Math.max(...r.zip[who].map((z) => z.growthMiB));
    p(`| ZIP ${K.zipFiles.toLocaleString('en')} × ${K.zipSize / 2 ** 20} MiB, MB/s (runs) | ${r.label} | ${f0(zm('owner'))} (${r.zip.owner.map((z) => f0(z.mbps)).join(', ')}) | ${f0(zm('recipient'))} (${r.zip.recipient.map((z) => f0(z.mbps)).join(', ')}) | ${(zm('recipient') / zm('owner')).toFixed(2)}× | |`);
    p(`| ZIP: server RSS growth over idle, max MiB (runs; idle → peak) | ${r.label} | ${f0(zg('owner'))} (${r.zip.owner.map((z) => `${f0(z.idleMiB)}→${f0(z.peakMiB)}`).join(', ')}) | ${f0(zg('recipient'))} (${r.zip.recipient.map((z) => `${f0(z.idleMiB)}→${f0(z.peakMiB)}`).join(', ')}) | | |`);
    const pm = (who) => median(r.put[who]);
    p(`| WebDAV PUT ${K.putN.toLocaleString('en')} × ${K.putSize} B, ${K.putConc} connections, files/s (runs) | ${r.label} | ${f0(pm('owner'))} (${r.put.owner.map(f0).join(', ')}) | ${f0(pm('recipient'))} (${r.put.recipient.map(f0).join(', ')}) | ${(pm('recipient') / pm('owner')).toFixed(2)}× | |`);
  }
  p();
  for (const r of results) {
    if (r.error) continue;
    p(`${r.label}: setup ${K.entries} REST uploads in ${r.setupListSeconds.toFixed(0)} s (${f0(K.entries / r.setupListSeconds)}/s), ${K.zipFiles} × ${K.zipSize} B in ${r.setupZipSeconds.toFixed(0)} s; multistatus bytes ${Object.entries(r.propfind).map(([v, x]) => `${v}: owner ${x.bytes.owner}, recipient ${x.bytes.recipient}`).join('; ')}`);
    for (const [v, x] of Object.entries(r.propfind)) p(`  PROPFIND ${v} raw ms: owner ${x.owner.map(f1).join(',')} | recipient ${x.recipient.map(f1).join(',')}`);
    if (r.zipCheck) p(`  ZIP check (recipient's archive): ${r.zipCheck}`);
    if (r.sql) {
      p();
      p(`SQL statements per request (${r.label}, one request each after a warm-up, statement log preload; times include the log's own cost):`);
      p();
      p('| request | owner: statements, SQL ms / request ms | recipient: statements, SQL ms / request ms |');
      p('|---|---|---|');
      for (const row of r.sql) p(`| ${row.name} | ${row.owner.count}, ${f1(row.owner.sqlMs)} / ${f1(row.owner.ms)} | ${row.recipient.count}, ${f1(row.recipient.sqlMs)} / ${f1(row.recipient.ms)} |`);
      p(`| ZIP of the ${K.zipFiles.toLocaleString('en')}-file folder | ${r.sqlZip.owner.count}, ${f1(r.sqlZip.owner.sqlMs)} / ${f1(r.sqlZip.owner.ms)} | ${r.sqlZip.recipient.count}, ${f1(r.sqlZip.recipient.sqlMs)} / ${f1(r.sqlZip.recipient.ms)} |`);
      p();
      for (const row of [...r.sql, { name: 'ZIP', ...r.sqlZip }]) {
        for (const who of ['owner', 'recipient']) {
          p(`<details><summary>${row.name}, ${who}: ${row[who].count} statements</summary>`);
          p();
          p('```');
          for (const l of row[who].lines) p(`${l.ms.toFixed(2).padStart(8)} ms  ${l.sql.slice(0, 240)}`);
          p('```');
          p('</details>');
          p();
        }
      }
    }
  }
  return lines.join('\n');
}

async function main() {
  if (!fs.existsSync(path.join(repoRoot, 'dist/cli/main.js'))) throw new Error('build first: npm run build');
  const started = new Date().toISOString();
  const t0 = performance.now();
  const results = [];
  for (const b of backends) {
    if (b === 'postgres') {
      const version = await pgReachable(pgBase);
      if (!version) {
        log(`PostgreSQL at ${pgBase} unreachable; skipped`);
        continue;
      }
      log(`PostgreSQL ${version}`);
    }
    results.push(await benchOne(b));
  }
  const text = report(results, started);
  process.stdout.write(`${text}\n`);
  if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, `${text}\n`);
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

await main();
