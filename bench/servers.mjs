// Scale-out: 50 users upload small files at once, each into their own space, through one Coffer
// server and then through two servers over the same PostgreSQL database and blob directory. With
// no global lock left, two servers should carry more where the machine has the CPU for it; the
// CPU each process used is printed beside the throughput, so what limits it shows.
//
//   npm run build && node bench/servers.mjs            (about 2 minutes)
// Env: COFFER_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), USERS=50,
//      PER_USER=40 (files per user per run), SIZE=4096, ROUNDS=2
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADMIN_PASSWORD, Client, createDatabase, log, startCoffer } from './lib.mjs';

const USERS = Number(process.env.USERS ?? 50);
const PER_USER = Number(process.env.PER_USER ?? 40);
const SIZE = Number(process.env.SIZE ?? 4096);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const baseUrl = process.env.COFFER_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** CPU seconds (user + system) of a process and its threads so far. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime, in clock ticks (USER_HZ, 100 on Linux).
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of every PostgreSQL backend process. */
function postgresSeconds() {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')) continue;
      total += cpuSeconds(pid);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

function put(agent, url, auth, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', agent, headers: { authorization: auth, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`PUT ${url} -> ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const db = await createDatabase(baseUrl, `bench_servers_${Date.now()}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-servers-'));
  // 50 sign-ins from one address in a minute are what the sign-in throttle is there to stop.
  const env = { COFFER_LOGIN_RATE_PER_IP: '10000' };
  const one = await startCoffer({ dataDir, databaseUrl: db.url, fsync: true, env });
  const two = await startCoffer({ dataDir, databaseUrl: db.url, fsync: true, env });
  try {
    const admin = new Client(one.url);
    await admin.login('admin', ADMIN_PASSWORD);
    const users = [];
    for (let i = 0; i < USERS; i++) {
      const username = `load${i}`;
      await admin.expect([201], 'POST', '/api/v1/admin/users', { json: { username, password: `password-${i}-long`, quota_bytes: 1e12 } });
      const c = new Client(one.url);
      await c.login(username, `password-${i}-long`);
      const { data } = await c.expect([201], 'POST', '/api/v1/auth/app-passwords', { json: { name: 'bench' } });
      c.close();
      users.push({ auth: 'Basic ' + Buffer.from(`${username}:${data.password}`).toString('base64'), agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) });
    }
    const body = crypto.randomBytes(SIZE);
    let run = 0;
    const load = async (servers) => {
      run++;
      // Each user its own folder, through "its" server: users alternate between the servers given.
      await Promise.all(users.map((u, i) => put(u.agent, `${servers[i % servers.length].url}/dav/warm-${run}.bin`, u.auth, body)));
      const pids = [one.pid, two.pid];
      const cpu0 = pids.map(cpuSeconds);
      const pg0 = postgresSeconds();
      const t0 = performance.now();
      await Promise.all(
        users.map(async (u, i) => {
          const base = servers[i % servers.length].url;
          for (let k = 0; k < PER_USER; k++) await put(u.agent, `${base}/dav/r${run}-f${k}.bin`, u.auth, body);
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const cpu = pids.map((p, i) => cpuSeconds(p) - cpu0[i]);
      return { ops: (USERS * PER_USER) / seconds, seconds, cpu, pg: postgresSeconds() - pg0 };
    };
    const results = { one: [], two: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, servers] of r % 2 === 0 ? [['one', [one]], ['two', [one, two]]] : [['two', [one, two]], ['one', [one]]]) {
        const res = await load(servers);
        results[name].push(res);
        log(`${name} server(s): ${res.ops.toFixed(0)} PUTs/s over ${res.seconds.toFixed(1)} s; CPU s: server 1 ${res.cpu[0].toFixed(1)}, server 2 ${res.cpu[1].toFixed(1)}, PostgreSQL ${res.pg.toFixed(1)}`);
      }
    }
    const mean = (xs, f) => xs.reduce((s, x) => s + f(x), 0) / xs.length;
    const lines = [
      `# Two Coffer servers over one PostgreSQL: ${USERS} users uploading at once (${new Date().toISOString()})`,
      '',
      `${USERS} users, each with one keep-alive connection, each PUTs ${PER_USER} files of ${SIZE} bytes into their own space over WebDAV (${USERS * PER_USER} per run), durable (fsync on); ${ROUNDS} runs per setup, alternating. Machine: ${os.cpus().length} cores; the client runs on it too.`,
      '',
      '| servers | PUTs/s (each run) | mean | CPU s per run: server 1 / server 2 / PostgreSQL | wall s |',
      '|---|---|---|---|---|',
      ...['one', 'two'].map((k) => {
        const rs = results[k];
        return `| ${k === 'one' ? 1 : 2} | ${rs.map((r) => r.ops.toFixed(0)).join(', ')} | ${mean(rs, (r) => r.ops).toFixed(0)} | ${mean(rs, (r) => r.cpu[0]).toFixed(1)} / ${mean(rs, (r) => r.cpu[1]).toFixed(1)} / ${mean(rs, (r) => r.pg).toFixed(1)} | ${mean(rs, (r) => r.seconds).toFixed(1)} |`;
      }),
      '',
      `Two ÷ one: ${(mean(results.two, (r) => r.ops) / mean(results.one, (r) => r.ops)).toFixed(2)}×.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await two.stop();
    await one.stop();
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
