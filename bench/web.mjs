#!/usr/bin/env node
// `npm run bench:web`: the web app in Debian's Chromium against the built server (dist/, web/dist).
// Prints a markdown report on stdout (progress on stderr):
//   - JavaScript shipped on first load (raw and gzip), and after signing in to the file view
//   - time to interactive of the file view of a folder with BENCH_WEB_ENTRIES=10000 entries
//   - scrolling that list from top to bottom: frame times, and how many rows the DOM holds
//   - a BENCH_WEB_UPLOAD_BYTES=2 GiB upload through the page: Chromium's and the server's memory
// Knobs: COFFER_BENCH_DATABASE_URL (PostgreSQL to use; default embedded PGlite), CHROMIUM_PATH,
//        BENCH_WEB_RUNS=3, BENCH_OUT=path (also write the report there).
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { ADMIN_PASSWORD, Client, createDatabase, log, median, memOf, pgReachable, startCoffer } from './lib.mjs';

const env = process.env;
const ENTRIES = Number(env.BENCH_WEB_ENTRIES ?? 10_000);
const RUNS = Number(env.BENCH_WEB_RUNS ?? 3);
const UPLOAD_BYTES = Number(env.BENCH_WEB_UPLOAD_BYTES ?? 2 * 1024 ** 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-web-'));

const pgUrl = env.COFFER_BENCH_DATABASE_URL;
let database;
if (pgUrl && (await pgReachable(pgUrl))) database = await createDatabase(pgUrl, `coffer_bench_web_${crypto.randomBytes(4).toString('hex')}`);
const databaseUrl = database?.url;
const server = await startCoffer({ dataDir: path.join(work, 'data'), databaseUrl, fsync: false });
log(`server on ${server.url} (${databaseUrl ? 'PostgreSQL' : 'PGlite'})`);

// ---- seed a folder of ENTRIES small files through the multipart API, 500 a request
const api = new Client(server.url, 4);
await api.login('admin', ADMIN_PASSWORD);
const many = await api.mkdir('root', 'many');
for (let start = 0; start < ENTRIES; start += 500) {
  const boundary = `----bench${crypto.randomBytes(8).toString('hex')}`;
  const parts = [];
  for (let i = start; i < Math.min(ENTRIES, start + 500); i++) {
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="file-${String(i).padStart(5, '0')}.txt"\r\nContent-Type: text/plain\r\n\r\nentry ${i}\r\n`);
  }
  parts.push(`--${boundary}--\r\n`);
  await api.expect([201], 'POST', `/api/v1/files/multipart?parent_id=${many.id}`, { body: Buffer.from(parts.join('')), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
}
log(`seeded ${ENTRIES} entries`);

const browser = await chromium.launch({
  executablePath: env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});

/** JS the page loads, by URL: raw bytes and gzip -9 of each (the server sends them uncompressed; a proxy would gzip). */
function trackScripts(page) {
  const seen = new Map();
  page.on('response', async (res) => {
    if (!res.url().endsWith('.js') || seen.has(res.url())) return;
    seen.set(res.url(), null);
    const body = await res.body().catch(() => Buffer.alloc(0));
    seen.set(res.url(), { raw: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length });
  });
  return () => [...seen.values()].filter(Boolean).reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, files: a.files + 1 }), { raw: 0, gzip: 0, files: 0 });
}

async function signIn(page) {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Username or email').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/files');
}

// ---- first load
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
let page = await context.newPage();
let scripts = trackScripts(page);
await page.goto(`${server.url}/`);
await page.getByLabel('Username or email').waitFor();
await page.waitForLoadState('networkidle');
const firstLoad = scripts();
await signIn(page);
await page.getByRole('button', { name: 'Upload folder' }).waitFor();
await page.waitForLoadState('networkidle');
const afterSignIn = scripts();
log(`first load ${firstLoad.gzip} B gzip in ${firstLoad.files} files`);

// ---- time to interactive of the 10k folder (a fresh page each run, session from the cookie)
const tti = [];
for (let run = 0; run < RUNS; run++) {
  await page.close();
  page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${server.url}/files/${many.id}`);
  await page
    .getByText('file-00000.txt', { exact: true })
    .first()
    .waitFor({ timeout: 60_000 })
    .catch(async (err) => {
      throw new Error(`${err.message}\npage shows: ${(await page.locator('body').innerText()).slice(0, 800)}`);
    });
  const firstRows = Date.now() - t0;
  // Interactive: the row responds to a click by being selected.
  await page.getByText('file-00001.txt', { exact: true }).first().click();
  await page.getByText('1 selected').first().waitFor({ timeout: 30_000 });
  const interactive = Date.now() - t0;
  const domRows = await page.evaluate(() => document.querySelectorAll('[role="row"]').length);
  tti.push({ firstRows, interactive, domRows });
  log(`run ${run + 1}: first rows ${firstRows} ms, interactive ${interactive} ms, ${domRows} rows in the DOM`);
}

// ---- scroll the whole list, timing frames
const scroll = await page.evaluate(async () => {
  const rows = document.querySelectorAll('[role="row"]');
  let el = rows[rows.length - 1];
  while (el && el !== document.body && !(el.scrollHeight > el.clientHeight + 10 && getComputedStyle(el).overflowY !== 'visible')) el = el.parentElement;
  const scroller = el && el !== document.body ? el : document.scrollingElement;
  const frames = [];
  let maxRows = 0;
  const total = scroller.scrollHeight - scroller.clientHeight;
  const start = performance.now();
  let last = start;
  await new Promise((resolve) => {
    const step = (now) => {
      frames.push(now - last);
      last = now;
      const t = Math.min(1, (now - start) / 4000);
      scroller.scrollTop = total * t;
      maxRows = Math.max(maxRows, document.querySelectorAll('[role="row"]').length);
      if (t < 1) requestAnimationFrame(step);
      else resolve();
    };
    requestAnimationFrame(step);
  });
  frames.shift();
  frames.sort((a, b) => a - b);
  const q = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))];
  return { frames: frames.length, p50: q(0.5), p95: q(0.95), max: frames[frames.length - 1], over50: frames.filter((f) => f > 50).length, maxRows, scrolled: total };
});
log(`scroll: ${JSON.stringify(scroll)}`);

// ---- a 2 GiB upload through the page: memory of Chromium (all its processes) and the server
const big = path.join(work, 'big-upload.bin');
fs.closeSync(fs.openSync(big, 'w'));
fs.truncateSync(big, UPLOAD_BYTES);
const browserPids = () => {
  const out = execFileSync('ps', ['-eo', 'pid,rss,comm'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /chrom/.test(l)).map((l) => Number(l.trim().split(/\s+/)[1]) || 0);
};
const chromiumRss = () => browserPids().reduce((a, b) => a + b, 0);
await page.goto(`${server.url}/files`);
await page.getByRole('button', { name: 'Upload files' }).waitFor();
const before = { chromium: chromiumRss(), server: memOf(server.pid).rss };
const peak = { chromium: before.chromium, server: before.server };
const sampler = setInterval(() => {
  peak.chromium = Math.max(peak.chromium, chromiumRss());
  peak.server = Math.max(peak.server, memOf(server.pid).rss);
}, 200);
const t0 = Date.now();
const chooser = page.waitForEvent('filechooser');
await page.getByRole('button', { name: 'Upload files' }).click();
await (await chooser).setFiles(big);
await page.waitForFunction(() => document.querySelector('[aria-label="Total upload progress"]')?.getAttribute('aria-valuenow') === '100', null, { timeout: 900_000, polling: 500 });
const uploadSeconds = (Date.now() - t0) / 1000;
clearInterval(sampler);
log(`upload ${UPLOAD_BYTES} B in ${uploadSeconds} s`);

await browser.close();
await server.stop();
await database?.drop();
fs.rmSync(work, { recursive: true, force: true });

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const mib = (k) => `${(k / 1024).toFixed(0)} MiB`;
const report = `# Web app benchmark (${new Date().toISOString().slice(0, 16)}Z, ${databaseUrl ? 'PostgreSQL' : 'PGlite'}, Chromium ${browser.version()})

| measure | value |
|---|---|
| JS on first load (sign-in screen) | ${kib(firstLoad.gzip)} gzip (${kib(firstLoad.raw)} raw, ${firstLoad.files} files) |
| JS after signing in to the file view | ${kib(afterSignIn.gzip)} gzip (${kib(afterSignIn.raw)} raw, ${afterSignIn.files} files) |
| ${ENTRIES}-entry folder: first rows visible (median of ${RUNS}) | ${median(tti.map((t) => t.firstRows)).toFixed(0)} ms |
| ${ENTRIES}-entry folder: interactive (a click selects a row) | ${median(tti.map((t) => t.interactive)).toFixed(0)} ms |
| rows in the DOM for ${ENTRIES} entries | ${tti[0].domRows} (max ${scroll.maxRows} while scrolling) |
| scrolling top to bottom over 4 s | ${scroll.frames} frames, p50 ${scroll.p50.toFixed(1)} ms, p95 ${scroll.p95.toFixed(1)} ms, max ${scroll.max.toFixed(1)} ms, ${scroll.over50} frames over 50 ms |
| ${(UPLOAD_BYTES / 1024 ** 3).toFixed(1)} GiB upload through the page | ${uploadSeconds.toFixed(1)} s (${(UPLOAD_BYTES / 1e6 / uploadSeconds).toFixed(0)} MB/s) |
| Chromium RSS (all processes) before → peak | ${mib(before.chromium)} → ${mib(peak.chromium)} |
| server RSS before → peak | ${mib(before.server)} → ${mib(peak.server)} |
`;
process.stdout.write(report);
if (env.BENCH_OUT) fs.writeFileSync(env.BENCH_OUT, report);
