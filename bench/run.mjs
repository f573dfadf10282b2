#!/usr/bin/env node
// `npm run bench`: Coffer's REST API on this machine, on the embedded default (PGlite + local
// disk) and on PostgreSQL, each durable (fsync, the default) and with COFFER_FSYNC=false.
// Runs the compiled server (dist/) as a child process; prints a markdown table on stdout
// (progress goes to stderr). See README.md "Benchmark" for what each figure means.
//
// Knobs (env):
//   BENCH_BACKENDS=pglite,postgres  BENCH_MODES=durable,nofsync
//   COFFER_BENCH_DATABASE_URL  PostgreSQL to create scratch databases on
//                              (default postgres://postgres@127.0.0.1:5432/test, skipped when unreachable)
//   BENCH_REPS=3         1 GiB uploads and downloads
//   BENCH_SMALL_REPS=5   batches of BENCH_SMALL_N=2000 uploads of BENCH_SMALL_SIZE=4096 bytes,
//                        BENCH_CONC=8 keep-alive clients, after BENCH_WARMUP=200 untimed uploads,
//                        all into one folder, which is then listed and trashed
//   BENCH_MANY_N=10000   entries of that folder (topped up untimed when the batches make fewer)
//   BENCH_LIST_REPS=5    BENCH_TRASH_REPS=3
//   BENCH_BIG_FILE=/tmp/webdav-bench-1g.bin  BENCH_BIG_SIZE=1073741824 (shared with ../shared/bench)
//   BENCH_OUT=path       also write the report there
//   BENCH_PEERS="apache=http://127.0.0.1:18081/ nginx=http://127.0.0.1:18082/"  WebDAV peers
//                        (NAME=URL[,USER,PASS], default user/pass bench) measured interleaved with
//                        Coffer, each step right after Coffer's (bench/peers.mjs); bench/session.sh sets it
//   BENCH_NODE_ARGS      extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ADMIN_PASSWORD,
  Client,
  createDatabase,
  curl,
  ensureRandomFile,
  log,
  median,
  memOf,
  pgReachable,
  pool,
  resetPeak,
  sampleRss,
  sleep,
  startCoffer,
  syncAndWarm,
} from './lib.mjs';
import { eachPeer, parsePeers } from './peers.mjs';

const env = process.env;
const int = (name, fallback) => {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const K = {
  reps: int('BENCH_REPS', 3),
  smallReps: int('BENCH_SMALL_REPS', 5),
  smallN: int('BENCH_SMALL_N', 2000),
  smallSize: int('BENCH_SMALL_SIZE', 4096),
  conc: int('BENCH_CONC', 8),
  warmup: int('BENCH_WARMUP', 200),
  manyN: int('BENCH_MANY_N', 10000),
  listReps: int('BENCH_LIST_REPS', 5),
  trashReps: int('BENCH_TRASH_REPS', 3),
  bigFile: env.BENCH_BIG_FILE || '/tmp/webdav-bench-1g.bin',
  bigSize: int('BENCH_BIG_SIZE', 1 << 30),
};
/** Entries of the listed and trashed folder. */
const folderN = Math.max(K.manyN, K.smallN * K.smallReps);
const bigLabel = K.bigSize % (1 << 30) === 0 ? `${K.bigSize / (1 << 30)} GiB` : `${(K.bigSize / (1 << 20)).toFixed(0)} MiB`;
const peers = parsePeers(env.BENCH_PEERS);
const backends = (env.BENCH_BACKENDS || 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const modes = (env.BENCH_MODES || 'durable,nofsync').split(',').map((s) => s.trim()).filter(Boolean);
const api = '/api/v1';

// Resources to release if the run is interrupted.
const live = new Set();
process.on('SIGINT', async () => {
  log('interrupted; cleaning up');
  for (const r of live) await r().catch(() => undefined);
  process.exit(130);
});

async function benchOne({ backend, mode, databaseUrl }) {
  const label = `${backend === 'pglite' ? 'embedded' : 'PostgreSQL'} ${mode === 'durable' ? 'durable' : 'fsync=false'}`;
  log(`=== ${label}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-'));
  const cleanups = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => log(`cleanup: ${err.message}`));
  };
  live.add(cleanup);
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const r = { label, backend, mode };
  try {
    let dbUrl;
    if (backend === 'postgres') {
      const db = await createDatabase(databaseUrl, `coffer_bench_${Date.now()}_${mode}`);
      cleanups.push(db.drop);
      dbUrl = db.url;
    }
    const server = await startCoffer({ dataDir, databaseUrl: dbUrl, fsync: mode === 'durable' });
    cleanups.push(() => server.stop());
    r.startupSeconds = server.startupSeconds;
    r.startupPeakMiB = server.startupPeakKiB / 1024;
    log(`ready in ${server.startupSeconds.toFixed(1)} s, start-up peak RSS ${r.startupPeakMiB.toFixed(0)} MiB`);

    const client = new Client(server.url, K.conc);
    cleanups.push(async () => client.close());
    await client.login('admin', ADMIN_PASSWORD);
    const small = crypto.randomBytes(K.smallSize);
    const name = (i) => `f${String(i).padStart(6, '0')}.bin`;
    for (const p of peers) if (!p.error && (await p.open(K.conc, K.warmup, small))) cleanups.push(() => p.close());

    // ---- 1 GiB upload, RSS ----
    await syncAndWarm(K.bigFile);
    const idle = sampleRss(server.pid, 50);
    await sleep(1000);
    r.idleMiB = median(idle.stop().samples) / 1024;
    r.upload = [];
    r.uploadPeakMiB = [];
    let bigId;
    const resp = path.join(dataDir, 'upload-response.json');
    for (let i = 0; i < K.reps; i++) {
      if (i > 0) await syncAndWarm(K.bigFile);
      const hwmReset = resetPeak(server.pid);
      const sampler = sampleRss(server.pid, 50);
      const c = await curl([
        '-X', 'POST', '-T', K.bigFile, '-o', resp,
        '-H', `Authorization: Bearer ${client.token}`, '-H', 'Content-Type: application/octet-stream',
        `${server.url}${api}/files?parent_id=root&path=big-${i}.bin`,
      ]);
      const sampled = sampler.stop();
      const peakKiB = Math.max(sampled.max, hwmReset ? memOf(server.pid).hwm : 0);
      const body = fs.readFileSync(resp, 'utf8');
      if (c.status !== 201) throw new Error(`1 GiB upload -> ${c.status}: ${body.slice(0, 500)}`);
      const node = JSON.parse(body);
      if (node.size !== K.bigSize || c.up !== K.bigSize) throw new Error(`1 GiB upload stored ${node.size} bytes, sent ${c.up}`);
      bigId = node.id;
      r.upload.push(K.bigSize / c.seconds / 1e6);
      r.uploadPeakMiB.push(peakKiB / 1024);
      log(`upload ${i + 1}/${K.reps}: ${(K.bigSize / c.seconds / 1e6).toFixed(0)} MB/s, peak RSS ${(peakKiB / 1024).toFixed(0)} MiB (idle ${r.idleMiB.toFixed(0)})`);
      await eachPeer(peers, (p) => p.bigPut(K.bigFile, K.bigSize));
    }
    r.peakMiB = Math.max(...r.uploadPeakMiB);
    r.growthMiB = r.peakMiB - r.idleMiB;

    // ---- 1 GiB download ----
    r.download = [];
    for (let i = 0; i < K.reps; i++) {
      const c = await curl(['-o', '/dev/null', '-H', `Authorization: Bearer ${client.token}`, `${server.url}${api}/files/${bigId}/content`]);
      if (c.status !== 200 || c.down !== K.bigSize) throw new Error(`1 GiB download -> ${c.status}, ${c.down} bytes`);
      r.download.push(K.bigSize / c.seconds / 1e6);
      log(`download ${i + 1}/${K.reps}: ${(K.bigSize / c.seconds / 1e6).toFixed(0)} MB/s`);
      await eachPeer(peers, (p) => p.bigGet(K.bigSize));
    }

    // ---- small uploads: timed batches into the folder that is then listed and trashed ----
    // Batch b goes into a folder already holding b × SMALL_N entries; what the batches leave short
    // of MANY_N is topped up untimed. So the same uploads build the 10,000-entry folder.
    const warm = await client.mkdir('root', 'warmup');
    await pool(K.warmup, K.conc, (i) => client.upload(warm.id, `w${i}.bin`, small));
    const many = await client.mkdir('root', 'many');
    let stored = 0;
    r.small = [];
    for (let b = 0; b < K.smallReps; b++) {
      await syncAndWarm();
      const from = stored;
      const s = await pool(K.smallN, K.conc, (i) => client.upload(many.id, name(from + i), small));
      stored += K.smallN;
      r.small.push(K.smallN / s);
      log(`small uploads ${b + 1}/${K.smallReps}: ${(K.smallN / s).toFixed(0)}/s (folder now ${stored} entries)`);
      await eachPeer(peers, (p) => p.smallBatch(K.smallN, K.conc, small, name));
    }
    if (stored < K.manyN) {
      const from = stored;
      await pool(K.manyN - stored, K.conc, (i) => client.upload(many.id, name(from + i), small));
      stored = K.manyN;
    }
    await eachPeer(peers, (p) => p.fillTo(stored, K.conc, small, name));
    const entries = stored;

    const listAll = async () => {
      const { data, ms } = await client.expect([200], 'GET', `${api}/folders/${many.id}/children?limit=${entries}`);
      if (data.items.length !== entries || data.total !== entries) throw new Error(`listing returned ${data.items.length} items, total ${data.total}`);
      return ms;
    };
    const listPaged = async () => {
      const seen = new Set();
      let total = 0;
      for (let offset = 0; offset < entries; offset += 1000) {
        const { data, ms } = await client.expect([200], 'GET', `${api}/folders/${many.id}/children?limit=1000&offset=${offset}`);
        if (data.total !== entries) throw new Error(`paged listing: total ${data.total}`);
        for (const it of data.items) seen.add(it.id);
        total += ms;
      }
      if (seen.size !== entries) throw new Error(`paged listing saw ${seen.size} distinct entries`);
      return total;
    };
    await listAll(); // untimed: warms the route and the database's cache
    r.list = [];
    r.listPaged = [];
    await eachPeer(peers, (p) => p.propfind().then(() => p.results.list.pop())); // untimed, like Coffer's
    for (let i = 0; i < K.listReps; i++) {
      r.list.push(await listAll());
      await eachPeer(peers, (p) => p.propfind());
    }
    for (let i = 0; i < K.listReps; i++) r.listPaged.push(await listPaged());
    log(`listing ${entries}: ${median(r.list).toFixed(1)} ms in one request, ${median(r.listPaged).toFixed(1)} ms in pages of 1000`);

    r.trash = [];
    for (let i = 0; i < K.trashReps; i++) {
      const { ms } = await client.expect([204], 'DELETE', `${api}/files/${many.id}`);
      r.trash.push(ms);
      await eachPeer(peers, (p) => p.move());
      const gone = await client.request('GET', `${api}/folders/root/children?limit=1000`);
      if (JSON.parse(gone.body).items.some((n) => n.id === many.id)) throw new Error('the trashed folder is still listed in root');
      if (i < K.trashReps - 1) {
        await client.expect([200], 'POST', `${api}/trash/${many.id}/restore`);
        if (i === 0) await listAll(); // the restored folder still holds every entry
      }
    }
    log(`trashing ${entries} entries: ${median(r.trash).toFixed(1)} ms`);
    r.endRssMiB = memOf(server.pid).rss / 1024;

    // PGlite's footprint when it opens an existing database (the start after the first).
    if (backend === 'pglite') {
      await server.stop();
      const again = await startCoffer({ dataDir, fsync: mode === 'durable' });
      cleanups.push(() => again.stop());
      const s = sampleRss(again.pid, 50);
      await sleep(1000);
      r.reopen = { seconds: again.startupSeconds, peakMiB: again.startupPeakKiB / 1024, idleMiB: median(s.stop().samples) / 1024 };
      log(`reopened in ${r.reopen.seconds.toFixed(1)} s, peak ${r.reopen.peakMiB.toFixed(0)} MiB, idle ${r.reopen.idleMiB.toFixed(0)} MiB`);
    }
    return r;
  } catch (err) {
    r.error = err.message;
    log(`FAILED: ${err.stack ?? err.message}`);
    return r;
  } finally {
    await cleanup();
    live.delete(cleanup);
  }
}

// ---------- report ----------
const n0 = (x) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '–');
const n1 = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)) : '–');
function cell(values, fmt, aim) {
  if (!values || values.length === 0) return '–';
  const m = median(values);
  let s = fmt(m);
  if (values.length > 1) s += ` (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
  if (aim) s += aim(m) ? ' ✓' : ' ✗';
  return s;
}

function report(results, meta) {
  const cols = results.map((r) => r.label);
  const rows = [
    [`upload ${bigLabel}, MB/s`, '≥ 700', (r) => cell(r.upload, n0, (m) => m >= 700), 'upload', n0],
    [`download ${bigLabel}, MB/s`, '≥ 1,800', (r) => cell(r.download, n0, (m) => m >= 1800), 'download', n0],
    [`small uploads: ${K.smallReps} × ${n0(K.smallN)} of ${K.smallSize / 1024} KiB, ${K.conc} clients, into one folder, /s`, '≥ 2,000 on PostgreSQL', (r) => cell(r.small, n0, r.backend === 'postgres' ? (m) => m >= 2000 : undefined), 'small', n0],
    [`list ${n0(folderN)} entries, one request (limit=${folderN}; peers: PROPFIND Depth 1), ms`, '< 50', (r) => cell(r.list, n1, (m) => m < 50), 'list', n1],
    [`list ${n0(folderN)} entries, ${Math.ceil(folderN / 1000)} page(s) of 1,000, ms`, '', (r) => cell(r.listPaged, n1)],
    [`trash a folder of ${n0(folderN)} files (peers: MOVE of the collection), ms`, '< 20', (r) => cell(r.trash, n1, (m) => m < 20), 'trash', n1],
    ['RSS idle before the upload, MiB', '', (r) => cell([r.idleMiB].filter(Number.isFinite), n0)],
    [`RSS peak during the ${bigLabel} uploads, MiB`, '', (r) => cell([r.peakMiB].filter(Number.isFinite), n0)],
    [`RSS growth during the ${bigLabel} uploads, MiB`, '≤ 50', (r) => cell([r.growthMiB].filter(Number.isFinite), n0, (m) => m <= 50)],
    ['RSS peak while starting on a new database, MiB', '', (r) => cell([r.startupPeakMiB].filter(Number.isFinite), n0)],
    ['start-up on a new database, s', '', (r) => cell([r.startupSeconds].filter(Number.isFinite), n1)],
    ['RSS peak / idle when reopening the database, MiB', '', (r) => (r.reopen ? `${n0(r.reopen.peakMiB)} / ${n0(r.reopen.idleMiB)}` : '–')],
    ['RSS at the end of the run, MiB', '', (r) => cell([r.endRssMiB].filter(Number.isFinite), n0)],
  ];
  const out = [];
  out.push(`# Coffer benchmark ${meta.date}`);
  out.push('');
  out.push(meta.machine);
  out.push(
    `Knobs: BENCH_REPS=${K.reps} BENCH_SMALL_REPS=${K.smallReps} BENCH_SMALL_N=${K.smallN} BENCH_CONC=${K.conc} BENCH_WARMUP=${K.warmup} BENCH_MANY_N=${K.manyN} BENCH_LIST_REPS=${K.listReps} BENCH_TRASH_REPS=${K.trashReps}`,
  );
  out.push('');
  out.push('Median (min–max) of the repetitions; MB = 10^6 bytes; ✓/✗ against the aim. Server: `bin/coffer serve`, client on the same 2 cores.');
  out.push('');
  const shown = peers.filter((p) => p.results.upload.length > 0);
  const peerCols = shown.map((p) => `${p.name} (WebDAV)`);
  out.push(`| metric | aim | ${[...cols, ...peerCols].join(' | ')} |`);
  out.push(`|---|---|${[...cols, ...peerCols].map(() => '---|').join('')}`);
  for (const [name, aim, f, key, fmt] of rows) {
    const peerCells = shown.map((p) => (key ? cell(p.results[key], fmt) : '–'));
    out.push(`| ${name} | ${aim} | ${[...results.map((r) => (r.error ? '–' : f(r))), ...peerCells].join(' | ')} |`);
  }
  out.push('');
  if (shown.length > 0) {
    out.push(
      'Peers: the same step run right after Coffer\'s, in every configuration (so n = configurations × repetitions); ' +
        'they keep no database and do not fsync. Coffer\'s speed relative to each peer (median ÷ median, > 1 = Coffer faster):',
    );
    out.push('');
    out.push(`| step | peer | ${cols.join(' | ')} |`);
    out.push(`|---|---|${cols.map(() => '---|').join('')}`);
    const steps = [['upload', true], ['download', true], ['small', true], ['list', false], ['trash', false]];
    for (const [key, higherIsBetter] of steps) {
      for (const p of shown) {
        const pm = median(p.results[key]);
        const ratios = results.map((r) => {
          const cm = median(r[key] ?? []);
          const x = higherIsBetter ? cm / pm : pm / cm;
          return Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
        });
        out.push(`| ${key} | ${p.name} | ${ratios.join(' | ')} |`);
      }
    }
    out.push('');
  }
  for (const p of peers) if (p.error) out.push(`- peer ${p.name}: ${p.error}`);
  for (const r of results) if (r.error) out.push(`- ${r.label}: FAILED: ${r.error.split('\n')[0]}`);
  for (const note of meta.notes) out.push(`- ${note}`);
  out.push('');
  out.push('Samples:');
  out.push('');
  out.push('```');
  for (const r of results) {
    const s = (xs) => (xs ?? []).map((x) => n1(x)).join(',');
    out.push(
      `${r.label}: upload=${s(r.upload)} download=${s(r.download)} small=${s(r.small)} list=${s(r.list)} list_paged=${s(r.listPaged)} trash=${s(r.trash)} upload_peak_MiB=${s(r.uploadPeakMiB)}`,
    );
  }
  for (const p of shown) {
    const s = (xs) => (xs ?? []).map((x) => n1(x)).join(',');
    out.push(`${p.name}: put=${s(p.results.upload)} get=${s(p.results.download)} small=${s(p.results.small)} propfind=${s(p.results.list)} move=${s(p.results.trash)}`);
  }
  out.push('```');
  return out.join('\n') + '\n';
}

async function main() {
  if (!fs.existsSync(new URL('../dist/cli/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  const notes = [];
  let databaseUrl;
  let pgVersion = null;
  if (backends.includes('postgres')) {
    databaseUrl = env.COFFER_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
    pgVersion = await pgReachable(databaseUrl);
    if (!pgVersion) {
      if (env.COFFER_BENCH_DATABASE_URL) throw new Error(`COFFER_BENCH_DATABASE_URL ${databaseUrl} is not reachable`);
      notes.push(`PostgreSQL skipped: ${databaseUrl} is not reachable (set COFFER_BENCH_DATABASE_URL).`);
      log(notes.at(-1));
    }
  }
  const configs = [];
  for (const backend of backends) {
    if (backend !== 'pglite' && backend !== 'postgres') throw new Error(`BENCH_BACKENDS: unknown backend "${backend}"`);
    if (backend === 'postgres' && !pgVersion) continue;
    for (const mode of modes) {
      if (mode !== 'durable' && mode !== 'nofsync') throw new Error(`BENCH_MODES: unknown mode "${mode}"`);
      configs.push({ backend, mode, databaseUrl });
    }
  }
  await ensureRandomFile(K.bigFile, K.bigSize);
  const t0 = Date.now();
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const results = [];
  for (const c of configs) results.push(await benchOne(c));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB RAM, Linux ${os.release()}; node ${process.version}${pgVersion ? `; PostgreSQL ${pgVersion}` : ''}. Whole run: ${((Date.now() - t0) / 1000).toFixed(0)} s; load average before ${loadBefore}, after ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    notes,
  };
  const text = report(results, meta);
  process.stdout.write(text);
  if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, text);
  return results.some((r) => r.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(err.stack ?? err.message);
    process.exit(1);
  },
);
