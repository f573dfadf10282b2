#!/usr/bin/env node
// A 1 GiB upload as one PUT-style request (POST /api/v1/files, the body is the file) against the
// same file through tus in 8 MiB PATCH requests (/api/v1/uploads/tus), on the embedded default
// (PGlite + local disk, durable and COFFER_FSYNC=false) and on S3 (an s3rver run by this script,
// so its disk writes compete with the server's on the same cores). Runs the compiled server
// (dist/, `npm run build` first) as a child process; prints MB/s and the server's peak RSS during
// each transfer as a markdown table on stdout (progress goes to stderr).
//
// Knobs (env): BENCH_REPS=2 (alternated: PUT, tus, PUT, tus…)  BENCH_CHUNK=8388608
//   BENCH_MODES=durable,nofsync,s3  BENCH_BIG_FILE=/tmp/webdav-bench-1g.bin  BENCH_BIG_SIZE=1073741824
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { URLSearchParams } from 'node:url';
import { ADMIN_PASSWORD, Client, ensureRandomFile, log, median, resetPeak, sampleRss, startCoffer } from './lib.mjs';

const env = process.env;
const REPS = Number(env.BENCH_REPS ?? 2);
const CHUNK = Number(env.BENCH_CHUNK ?? 8 * 1024 * 1024);
const BIG = env.BENCH_BIG_FILE ?? '/tmp/webdav-bench-1g.bin';
const SIZE = Number(env.BENCH_BIG_SIZE ?? 1024 * 1024 * 1024);
const MODES = (env.BENCH_MODES ?? 'durable,nofsync,s3').split(',');

/** Sends `length` bytes of the big file from `start` as a request body; resolves {status, headers}. */
function send(url, method, headers, start, length, token) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, authorization: `Bearer ${token}`, 'content-length': length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (length === 0) req.end();
    else fs.createReadStream(BIG, { start, end: start + length - 1, highWaterMark: 1 << 20 }).pipe(req);
  });
}

async function putOnce(server, token, name) {
  const q = new URLSearchParams({ parent_id: 'root', path: name });
  const r = await send(`${server.url}/api/v1/files?${q}`, 'POST', { 'content-type': 'application/octet-stream' }, 0, SIZE, token);
  if (r.status !== 201) throw new Error(`PUT -> ${r.status} ${r.body}`);
}

async function tusOnce(server, token, name) {
  const meta = `filename ${Buffer.from(name).toString('base64')}`;
  const created = await send(`${server.url}/api/v1/uploads/tus`, 'POST', { 'tus-resumable': '1.0.0', 'upload-length': SIZE, 'upload-metadata': meta }, 0, 0, token);
  if (created.status !== 201) throw new Error(`tus POST -> ${created.status} ${created.body}`);
  const url = server.url + created.headers.location;
  for (let offset = 0; offset < SIZE; offset += CHUNK) {
    const len = Math.min(CHUNK, SIZE - offset);
    const r = await send(url, 'PATCH', { 'tus-resumable': '1.0.0', 'upload-offset': offset, 'content-type': 'application/offset+octet-stream' }, offset, len, token);
    if (r.status !== 204) throw new Error(`tus PATCH at ${offset} -> ${r.status} ${r.body}`);
  }
}

async function measure(server, fn) {
  const peakReset = resetPeak(server.pid);
  const sampler = sampleRss(server.pid, 50);
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const { max } = sampler.stop();
  return { mbps: SIZE / 1e6 / seconds, seconds, rssMiB: max / 1024, peakReset };
}

async function startS3() {
  const S3rver = createRequire(import.meta.url)('s3rver');
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-s3-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'bench' }] });
  const { port } = await s3.run();
  return {
    env: {
      COFFER_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      COFFER_S3_BUCKET: 'bench',
      COFFER_S3_REGION: 'us-east-1',
      COFFER_S3_ACCESS_KEY_ID: 'S3RVER',
      COFFER_S3_SECRET_ACCESS_KEY: 'S3RVER',
      COFFER_S3_FORCE_PATH_STYLE: 'true',
    },
    async close() {
      await s3.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

await ensureRandomFile(BIG, SIZE);
const rows = [];
for (const mode of MODES) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-tus-'));
  const s3 = mode === 's3' ? await startS3() : undefined;
  const server = await startCoffer({ dataDir, fsync: mode !== 'nofsync', env: s3?.env ?? {} });
  try {
    const client = new Client(server.url);
    await client.login('admin', ADMIN_PASSWORD);
    const results = { put: [], tus: [] };
    for (let rep = 0; rep < REPS; rep++) {
      for (const kind of ['put', 'tus']) {
        log(`${mode}: ${kind} #${rep + 1}`);
        const r = await measure(server, () => (kind === 'put' ? putOnce : tusOnce)(server, client.token, `${kind}-${rep}.bin`));
        log(`  ${r.mbps.toFixed(1)} MB/s, peak RSS ${r.rssMiB.toFixed(0)} MiB`);
        results[kind].push(r);
      }
    }
    // Each stored file is whole: its size as the API reports it.
    const listed = await client.expect([200], 'GET', '/api/v1/folders/root/children?limit=100');
    for (const item of listed.data.items) if (item.size !== SIZE) throw new Error(`${item.name} is ${item.size} bytes, not ${SIZE}`);
    client.close();
    for (const kind of ['put', 'tus']) {
      const rs = results[kind];
      rows.push({ mode, kind, mbps: median(rs.map((r) => r.mbps)), all: rs.map((r) => r.mbps.toFixed(0)).join(' / '), rss: Math.max(...rs.map((r) => r.rssMiB)) });
    }
  } finally {
    await server.stop();
    await s3?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const label = { durable: 'local disk, fsync', nofsync: 'local disk, COFFER_FSYNC=false', s3: 'S3 (s3rver, same machine)' };
const out = [
  `1 GiB upload, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${REPS} runs each alternated; tus in ${CHUNK / 1024 / 1024} MiB PATCHes`,
  '',
  '| store | method | MB/s (median) | each run | server peak RSS (MiB) |',
  '|---|---|---:|---|---:|',
  ...rows.map((r) => `| ${label[r.mode]} | ${r.kind === 'put' ? 'single request (POST /files)' : `tus, ${CHUNK / 1024 / 1024} MiB chunks`} | ${r.mbps.toFixed(1)} | ${r.all} | ${r.rss.toFixed(0)} |`),
];
console.log(out.join('\n'));
