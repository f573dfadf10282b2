import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { childEnv, cliCommand, REPO_ROOT, runCli } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const UPLOADS = 20;
const CHUNK = 64 * 1024;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** `coffer serve` as a real child process over the given data; resolves once /healthz answers. */
async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const { command, args } = cliCommand(['serve']);
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: childEnv({ ...env, PORT: String(port), COFFER_FSYNC: 'true', LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`the server exited before it was ready:\n${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become ready in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => output, exited };
}

type Pace = 'fast' | 'trickle' | 'held';

/**
 * A request body that streams `data`: all at once (fast), in small timed chunks (trickle: still
 * arriving when the server dies, or just finishing), or half of it and then nothing until the
 * kill (held: certainly mid-flight).
 */
function bodyOf(data: Buffer, pace: Pace, killed: Promise<void>): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= data.length) {
        controller.close();
        return;
      }
      if (pace === 'trickle') await new Promise((r) => setTimeout(r, 15));
      if (pace === 'held' && offset >= data.length / 2) {
        await killed;
        controller.error(new Error('the server was killed'));
        return;
      }
      const chunk = data.subarray(offset, offset + CHUNK);
      offset += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

describe('crash consistency', () => {
  let seed: TestServer | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await seed?.removeData();
  });

  it('SIGKILL during 20 concurrent durable uploads: acknowledged files intact, nothing partial visible, fsck cleans up', async () => {
    // The in-process helper prepares the data (database from the migrated template, the admin);
    // from then on the server is a real child process that can be killed.
    seed = await startTestServer({ COFFER_FSYNC: 'true' }, { keepData: true });
    await seed.close();
    const env = seed.env;

    const first = await spawnServer(env);
    children.push(first.child);
    const admin = await Api.admin(first.url);
    const folder = await admin.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'crash' } });
    expect(folder.status).toBe(201);

    const files = Array.from({ length: UPLOADS }, (_, i) => {
      const data = randomBytes(2_000_000 + Math.floor(Math.random() * 6_000_000));
      const pace: Pace = i % 5 === 0 || i % 5 === 1 ? 'fast' : i % 5 === 4 ? 'held' : 'trickle';
      // Half go straight into the folder (the batched commit path), half create a subfolder on the way.
      const name = i % 2 === 0 ? `f-${i}.bin` : `deep/f-${i}.bin`;
      return { i, data, pace, name, hash: sha256(data) };
    });

    let resolveKilled!: () => void;
    const killed = new Promise<void>((r) => (resolveKilled = r));
    let acknowledged = 0;
    let killedAt = -1;
    const kill = () => {
      if (killedAt >= 0) return;
      killedAt = acknowledged;
      first.child.kill('SIGKILL');
      resolveKilled();
    };
    const fallback = setTimeout(kill, 30_000);

    const results = await Promise.all(
      files.map(async (f) => {
        const q = new URLSearchParams({ parent_id: folder.body.id, path: f.name });
        let status = 0;
        let node: NodeBody | undefined;
        try {
          const res = await admin.fetch(`/files?${q}`, {
            method: 'POST',
            body: bodyOf(f.data, f.pace, killed),
            headers: { 'content-type': 'application/octet-stream' },
          });
          status = res.status;
          if (res.ok) {
            acknowledged++;
            // Kill once a few have been acknowledged, while the others are in flight.
            if (acknowledged >= 5) kill();
          }
          node = (await res.json()) as NodeBody;
        } catch {
          // The connection died with the server: not acknowledged (unless the status arrived first).
        }
        return { ...f, status, node };
      }),
    );
    clearTimeout(fallback);
    kill();
    await first.exited;

    const ok = results.filter((r) => r.status >= 200 && r.status < 300);
    const failed = results.filter((r) => r.status === 0);
    // Every upload either got its 201 or lost its connection to the kill; none was refused.
    expect(results.filter((r) => r.status !== 0 && r.status !== 201).map((r) => r.status)).toEqual([]);
    expect(ok.length).toBeGreaterThanOrEqual(5);
    // The held uploads (and maybe some trickling ones) were cut off mid-flight.
    expect(failed.length).toBeGreaterThanOrEqual(files.filter((f) => f.pace === 'held').length);

    // Restart on the same data: PGlite recovers its WAL, PostgreSQL just reconnects.
    const second = await spawnServer(env);
    children.push(second.child);
    try {
      const api = await Api.admin(second.url);
      for (const r of ok.filter((o) => o.node !== undefined)) {
        const res = await api.fetch(`/files/${r.node!.id}/content`);
        expect(res.status, `acknowledged upload ${r.name}`).toBe(200);
        expect(sha256(new Uint8Array(await res.arrayBuffer())), `content of ${r.name}`).toBe(r.hash);
      }

      // Every visible file is one that was sent completely, with its full size and hash.
      const listed: NodeBody[] = [];
      const top = await api.json<{ items: NodeBody[] }>(`/folders/${folder.body.id}/children?limit=1000`);
      expect(top.status).toBe(200);
      for (const item of top.body.items) {
        if (item.kind === 'folder') {
          expect(item.name).toBe('deep');
          const deep = await api.json<{ items: NodeBody[] }>(`/folders/${item.id}/children?limit=1000`);
          listed.push(...deep.body.items.map((n) => ({ ...n, name: `deep/${n.name}` })));
        } else {
          listed.push(item);
        }
      }
      const byName = new Map(files.map((f) => [f.name, f]));
      for (const item of listed) {
        const sent = byName.get(item.name);
        expect(sent, `unexpected file ${item.name}`).toBeDefined();
        expect(sent!.pace, `${item.name} was never sent completely`).not.toBe('held');
        expect(item.size, `size of ${item.name}`).toBe(sent!.data.length);
        const res = await api.fetch(`/files/${item.id}/content`);
        expect(sha256(new Uint8Array(await res.arrayBuffer())), `content of ${item.name}`).toBe(sent!.hash);
      }
      for (const r of ok) expect(listed.map((n) => n.name)).toContain(r.name);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }

    // What the crash left behind is only bytes nothing references: interrupted writes and blobs whose commit never happened.
    const check = await runCli(['fsck', '--grace-seconds', '0', '--json'], env);
    const report = JSON.parse(check.stdout) as { problems: { kind: string; repaired: boolean }[] };
    const kinds = new Set(report.problems.map((p) => p.kind));
    expect([...kinds].filter((k) => k !== 'unreferenced-blob' && k !== 'partial-upload'), check.stdout).toEqual([]);
    expect(kinds.has('partial-upload'), 'the held uploads leave partial writes').toBe(true);
    expect(check.code).toBe(1);

    const repair = await runCli(['fsck', '--repair', '--grace-seconds', '0'], env);
    expect(repair.code, repair.stdout + repair.stderr).toBe(0);
    expect(repair.stdout).toContain(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}, ${report.problems.length} repaired.`);

    const final = await runCli(['fsck', '--grace-seconds', '0'], env);
    expect(final.stdout).toContain('no problems found');
    expect(final.code).toBe(0);
  }, 240_000);
});
