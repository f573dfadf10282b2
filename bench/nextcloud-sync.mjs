// The Nextcloud desktop client against rclone, both syncing the same trees up to one Coffer:
// 2,000 small files, then one 200 MB file, then a second sync with nothing changed (time and
// requests). `npm run build` first; needs Debian's nextcloud-desktop-cmd and rclone.
//   node bench/nextcloud-sync.mjs            embedded default (PGlite, local disk, fsync on)
//   BENCH_DATABASE_URL=postgres://… node bench/nextcloud-sync.mjs
// Each client runs with its own defaults (nextcloudcmd: 6 parallel transfers, chunked uploads
// above 10 MB; rclone: 4 transfers, 8 checkers), as people run them.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADMIN_PASSWORD, Client, createDatabase, ensureRandomFile, log, startCoffer } from './lib.mjs';

const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 2000);
const BIG_SIZE = 200 * 1024 * 1024;
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

function exec(cmd, args, env) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, seconds: (performance.now() - t0) / 1000, output: `${stdout}${stderr}` });
    });
  });
}

/** Requests the server has answered so far, but for the metrics scrapes themselves. */
async function requestCount(url) {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  let total = 0;
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('coffer_http_requests_total{') || line.includes('route="/metrics"')) continue;
    total += Number(line.split(' ').pop());
  }
  return total;
}

function makeSmallTree(root) {
  for (let i = 0; i < SMALL_FILES; i++) {
    const dir = path.join(root, `d${String(Math.floor(i / 50)).padStart(3, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.dat`), crypto.randomBytes(1 + ((i * 7793) % 16_000)));
  }
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-ncsync-'));
  const db = process.env.BENCH_DATABASE_URL ? await createDatabase(process.env.BENCH_DATABASE_URL, `bench_ncsync_${process.pid}`) : null;
  const server = await startCoffer({ dataDir: path.join(work, 'data'), databaseUrl: db?.url, fsync: true, env: { COFFER_METRICS_TOKEN: METRICS_TOKEN } });
  try {
    const api = new Client(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const { data } = await api.expect([201], 'POST', '/api/v1/auth/app-passwords', { json: { name: 'bench' } });
    const password = data.password;
    const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const mkcol = (name) => fetch(`${server.url}/remote.php/dav/files/admin/${name}`, { method: 'MKCOL', headers: { authorization: auth } });
    const small = path.join(work, 'small');
    makeSmallTree(small);
    const bigDir = path.join(work, 'bigdir');
    fs.mkdirSync(bigDir);
    await ensureRandomFile(path.join(bigDir, 'big.bin'), BIG_SIZE);

    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    const obscured = (await exec('rclone', ['obscure', password])).output.trim();
    const rcloneEnv = {
      HOME: home,
      RCLONE_CONFIG: path.join(home, 'rclone.conf'),
      RCLONE_CONFIG_COFFER_TYPE: 'webdav',
      RCLONE_CONFIG_COFFER_URL: `${server.url}/remote.php/dav/files/admin/`,
      RCLONE_CONFIG_COFFER_VENDOR: 'nextcloud',
      RCLONE_CONFIG_COFFER_USER: 'admin',
      RCLONE_CONFIG_COFFER_PASS: obscured,
    };
    fs.writeFileSync(rcloneEnv.RCLONE_CONFIG, '');
    const clients = {
      nextcloudcmd: (local, remote) => exec('nextcloudcmd', ['--non-interactive', '-s', '-u', 'admin', '-p', password, '--path', `/${remote}`, local, server.url], { HOME: home }),
      rclone: (local, remote) => exec('rclone', ['sync', local, `coffer:${remote}`], rcloneEnv),
    };
    const rows = [];
    for (const [name, sync] of Object.entries(clients)) {
      for (const [label, source] of [
        [`${SMALL_FILES} small files`, small],
        ['one 200 MB file', bigDir],
      ]) {
        // Each client syncs its own copy (nextcloudcmd keeps a journal in the folder it syncs).
        const local = path.join(work, `${name}-${path.basename(source)}`);
        fs.cpSync(source, local, { recursive: true });
        const remote = `${name}-${path.basename(source)}`;
        await mkcol(remote);
        let before = await requestCount(server.url);
        const first = await sync(local, remote);
        if (first.code !== 0) throw new Error(`${name} ${label}: exit ${first.code}\n${first.output.slice(-3000)}`);
        const firstRequests = (await requestCount(server.url)) - before;
        before = await requestCount(server.url);
        const again = await sync(local, remote);
        if (again.code !== 0) throw new Error(`${name} ${label} (again): exit ${again.code}\n${again.output.slice(-3000)}`);
        const againRequests = (await requestCount(server.url)) - before;
        rows.push({ name, label, first: first.seconds, firstRequests, again: again.seconds, againRequests });
        log(`${name} ${label}: ${first.seconds.toFixed(2)} s (${firstRequests} requests), unchanged ${again.seconds.toFixed(2)} s (${againRequests} requests)`);
      }
    }
    console.log(`| client | tree | first sync (s) | requests | no-change sync (s) | requests |`);
    console.log(`|---|---|---:|---:|---:|---:|`);
    for (const r of rows) console.log(`| ${r.name} | ${r.label} | ${r.first.toFixed(2)} | ${r.firstRequests} | ${r.again.toFixed(2)} | ${r.againRequests} |`);
  } finally {
    await server.stop();
    await db?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
