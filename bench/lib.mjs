// Helpers for bench/run.mjs: a Coffer server as a child process, its memory, an HTTP client,
// curl transfers, a PostgreSQL scratch database and small statistics. No npm packages but `pg`.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, URLSearchParams } from 'node:url';
import pg from 'pg';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ADMIN_PASSWORD = 'bench-admin-password';

export const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------- statistics ----------
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------- process memory ----------
/** VmRSS and VmHWM (peak RSS) of a process, in KiB, from /proc/<pid>/status. */
export function memOf(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** Resets the kernel's peak-RSS counter (VmHWM) to the current RSS; false when not permitted. */
export function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every `everyMs`; stop() returns {max, samples} in KiB. */
export function sampleRss(pid, everyMs = 50) {
  const samples = [];
  const take = () => {
    try {
      samples.push(memOf(pid).rss);
    } catch {
      /* process gone */
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { max: Math.max(...samples), samples };
    },
  };
}

// ---------- the server ----------
async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Environment of the parent without any Coffer setting, so nothing leaks into the child's config. */
function cleanEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    // COFFER_NODE_FLAGS passes through: flags NODE_OPTIONS refuses, such as --cpu-prof, reach the server's node.
    if ((k.startsWith('COFFER_') && k !== 'COFFER_NODE_FLAGS') || k === 'DATABASE_URL' || k === 'HOST' || k === 'PORT' || k === 'LOG_LEVEL') delete env[k];
  }
  return env;
}

/**
 * Starts `bin/coffer serve` on a free port over `dataDir` (created when missing).
 * Resolves once /readyz answers 200, with the start-up time and the peak RSS of start-up.
 */
export async function startCoffer({ dataDir, databaseUrl, fsync, env: extraEnv = {} }) {
  fs.mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const env = {
    ...cleanEnv(),
    HOST: '127.0.0.1',
    PORT: String(port),
    COFFER_DATA_DIR: dataDir,
    COFFER_ADMIN_PASSWORD: ADMIN_PASSWORD,
    COFFER_FSYNC: fsync ? 'true' : 'false',
    COFFER_MAINTENANCE_INTERVAL: '0',
    COFFER_ACCESS_TOKEN_TTL: '86400',
    LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extraEnv,
  };
  const logFile = path.join(os.tmpdir(), `coffer-bench-server-${port}.log`);
  const out = fs.openSync(logFile, 'w');
  const t0 = performance.now();
  // Through the launcher people run (bin/coffer: it sets the allocator up), on this node.
  // BENCH_NODE_ARGS go to the server's node through NODE_OPTIONS; those it refuses (--cpu-prof
  // --cpu-prof-dir=/tmp/prof) through COFFER_NODE_FLAGS, which bin/coffer hands to node.
  const nodeOptions = [process.env.NODE_OPTIONS, process.env.BENCH_NODE_ARGS].filter(Boolean).join(' ');
  env.NODE = process.execPath;
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  const child = spawn(path.join(repoRoot, 'bin/coffer'), ['serve'], { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const url = `http://127.0.0.1:${port}`;
  const sampler = sampleRss(child.pid, 50);
  for (;;) {
    if (exited) {
      sampler.stop();
      throw new Error(`the server exited during start-up (${JSON.stringify(exited)}):\n${fs.readFileSync(logFile, 'utf8').slice(-4000)}`);
    }
    if (performance.now() - t0 > 180_000) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become ready in 180 s; log: ${logFile}`);
    }
    const status = await new Promise((resolve) => {
      const req = http.get(`${url}/readyz`, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', () => resolve(0));
    });
    if (status === 200) break;
    await sleep(50);
  }
  const startupSeconds = (performance.now() - t0) / 1000;
  const sampled = sampler.stop();
  const startupPeakKiB = Math.max(sampled.max, memOf(child.pid).hwm);
  return {
    url,
    pid: child.pid,
    logFile,
    startupSeconds,
    startupPeakKiB,
    async stop() {
      if (!exited) {
        const done = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await done;
        clearTimeout(timer);
      }
      fs.rmSync(logFile, { force: true });
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}

// ---------- HTTP ----------
export class Client {
  constructor(url, conc = 8) {
    this.url = url;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: conc });
    this.token = undefined;
  }

  /** One request; resolves {status, body: Buffer, ms} where ms runs until the last body byte. */
  request(method, pathAndQuery, { json, body, headers = {} } = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload = body;
    if (json !== undefined) {
      payload = Buffer.from(JSON.stringify(json));
      h['content-type'] = 'application/json';
    }
    if (payload !== undefined) h['content-length'] = payload.length;
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(this.url + pathAndQuery, { method, agent: this.agent, headers: h }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Request that must answer one of `ok`; returns the parsed JSON body (or null) and the time. */
  async expect(ok, method, pathAndQuery, options) {
    const r = await this.request(method, pathAndQuery, options);
    if (!ok.includes(r.status)) throw new Error(`${method} ${pathAndQuery} -> ${r.status} (want ${ok.join('|')}): ${r.body.toString().slice(0, 500)}`);
    return { data: r.body.length ? JSON.parse(r.body.toString()) : null, ms: r.ms, bytes: r.body.length };
  }

  async login(username, password) {
    const { data } = await this.expect([200], 'POST', '/api/v1/auth/login', { json: { username, password } });
    this.token = data.access_token;
  }

  mkdir(parentId, name) {
    return this.expect([201], 'POST', '/api/v1/folders', { json: { parent_id: parentId, path: name } }).then((r) => r.data);
  }

  upload(parentId, name, body) {
    const q = new URLSearchParams({ parent_id: parentId, path: name });
    return this.expect([201], 'POST', `/api/v1/files?${q}`, { body, headers: { 'content-type': 'application/octet-stream' } });
  }

  close() {
    this.agent.destroy();
  }
}

/** Runs task(0..n-1) with `conc` workers pulling from a shared counter; resolves to seconds taken. */
export async function pool(n, conc, task) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: conc }, worker));
  return (performance.now() - t0) / 1000;
}

// ---------- curl ----------
/** Runs curl; resolves {status, seconds, up, down} from its -w output. */
export function curl(args) {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '--max-time', '900', '-H', 'Expect:', '-w', '%{http_code} %{time_total} %{size_upload} %{size_download}', ...args],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`curl ${args.join(' ')}: ${stderr || err.message}`));
        const [status, seconds, up, down] = stdout.trim().split(/\s+/).map(Number);
        resolve({ status, seconds, up, down });
      },
    );
  });
}

export function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

/** Untimed: flush dirty pages (so earlier writes do not land inside a timed block) and re-read the input file. */
export async function syncAndWarm(file) {
  await run('sync', []);
  if (file) {
    await new Promise((resolve, reject) => {
      fs.createReadStream(file, { highWaterMark: 1 << 20 }).on('data', () => undefined).on('end', resolve).on('error', reject);
    });
  }
}

/** Makes `file` hold `size` random bytes unless it already has that size. */
export async function ensureRandomFile(file, size) {
  try {
    if (fs.statSync(file).size === size) return;
  } catch {
    /* missing */
  }
  log(`making ${file} (${size} random bytes)`);
  await run('sh', ['-c', `head -c ${size} /dev/urandom > '${file}'`]);
}

// ---------- PostgreSQL ----------
export async function pgReachable(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    const { rows } = await c.query('show server_version');
    return rows[0].server_version;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Creates a fresh database next to `baseUrl`'s; resolves {url, drop}. */
export async function createDatabase(baseUrl, name) {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
