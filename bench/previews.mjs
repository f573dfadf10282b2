#!/usr/bin/env node
// Previews per second: 12 MP JPEGs (4000 × 3000, camera-like noise) made into a 256 px and a
// 1,024 px WebP by `coffer worker` processes over PostgreSQL. Prints a markdown report on stdout.
//
//   npm run build && node bench/previews.mjs
//
// The server runs without workers (COFFER_WORKERS=false); BENCH_N photos are uploaded through
// REST (untimed), then a worker with COFFER_PREVIEW_CONCURRENCY=c starts and the time until every
// preview job is done is measured, with the worker's peak RSS. Rounds alternate c = 1 and c = 2
// (each round re-queues the same photos' jobs after deleting their previews).
//
// Knobs (env): BENCH_PG_URL  BENCH_N=24  BENCH_ROUNDS=2
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { URLSearchParams } from 'node:url';
import pg from 'pg';
import sharp from 'sharp';
import { ADMIN_PASSWORD, Client, createDatabase, log, median, repoRoot, sampleRss, sleep, startCoffer } from './lib.mjs';

const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.env.BENCH_N ?? 24);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const db = await createDatabase(PG, `bench_previews_${Date.now()}`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-previews-'));
const server = await startCoffer({ dataDir, databaseUrl: db.url, fsync: true, env: { COFFER_WORKERS: 'false' } });
const sql = new pg.Client({ connectionString: db.url });
await sql.connect();
const results = { 1: [], 2: [] };
let photoBytes = 0;
try {
  const admin = new Client(server.url, 4);
  await admin.login('admin', ADMIN_PASSWORD);
  log(`making ${N} 12 MP photos`);
  for (let i = 0; i < N; i++) {
    const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 90 + i, g: 120, b: 160 }, noise: { type: 'gaussian', mean: 128, sigma: 18 } } })
      .blur(1.2)
      .jpeg({ quality: 88 })
      .toBuffer();
    photoBytes += photo.length;
    await admin.expect([201], 'POST', `/api/v1/files?${new URLSearchParams({ path: `photo-${i}.jpg`, parent_id: 'root' })}`, { body: photo, headers: { 'content-type': 'image/jpeg' } });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of [1, 2]) {
      // The same photos again: previews forgotten, their jobs queued anew.
      await sql.query(`delete from derived_blobs`);
      await sql.query(`update jobs set state = 'queued', attempts = 0, run_after = now(), finished_at = null where kind = 'preview.generate'`);
      const env = { ...process.env, DATABASE_URL: db.url, COFFER_DATA_DIR: dataDir, COFFER_FSYNC: 'true', COFFER_PREVIEW_CONCURRENCY: String(c), COFFER_JOBS_POLL_MS: '20', LOG_LEVEL: 'warn', NODE: process.execPath };
      const t0 = performance.now();
      const worker = spawn(path.join(repoRoot, 'bin/coffer'), ['worker'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
      const rss = sampleRss(worker.pid, 50);
      for (;;) {
        const { rows } = await sql.query(`select count(*)::int as n from jobs where kind = 'preview.generate' and state = 'done'`);
        if (rows[0].n >= N) break;
        await sleep(20);
      }
      const seconds = (performance.now() - t0) / 1000;
      const peak = rss.stop().max;
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
      const { rows: failed } = await sql.query(`select count(*)::int as n from jobs where kind = 'preview.generate' and state <> 'done'`);
      if (failed[0].n > 0) throw new Error(`${failed[0].n} preview jobs did not finish`);
      results[c].push({ seconds, peak });
      log(`round ${round + 1}, concurrency ${c}: ${N} photos in ${seconds.toFixed(2)} s, worker peak RSS ${(peak / 1024).toFixed(0)} MiB`);
    }
  }
} finally {
  await sql.end();
  await server.stop();
  await db.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
const cpus = os.cpus();
const lines = [
  `# Previews of 12 MP JPEGs (${new Date().toISOString().slice(0, 10)})`,
  '',
  `${N} photos of 4000 × 3000 px (${(photoBytes / N / 1e6).toFixed(1)} MB each on average), each made into a 256 px and a 1,024 px WebP by one \`coffer worker\` process over PostgreSQL (fsync on); ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}. The time includes the worker's start (~1 s). Medians of ${ROUNDS} rounds.`,
  '',
  '| concurrency | photos/s | seconds for all | worker peak RSS |',
  '| --- | --- | --- | --- |',
  ...[1, 2].map((c) => {
    const s = median(results[c].map((r) => r.seconds));
    return `| ${c} | ${(N / s).toFixed(2)} | ${s.toFixed(2)} | ${(median(results[c].map((r) => r.peak)) / 1024).toFixed(0)} MiB |`;
  }),
];
process.stdout.write(lines.join('\n') + '\n');
