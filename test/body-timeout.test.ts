import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { Api } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { blobFiles, partialFiles } from './helpers/storage.js';

// Small limits, so the slow-client rules show within seconds: a body silent for 1 s is cut; one
// averaging under 2,000 bytes/s over a 2 s window is cut; headers must arrive within 2 s.
const LIMITS = { COFFER_BODY_IDLE_TIMEOUT: '1', COFFER_BODY_MIN_RATE: '2000', COFFER_BODY_RATE_WINDOW: '2', COFFER_HEADERS_TIMEOUT: '2' };
/** How long the client waits for an answer before deciding the server never cut it off. */
const GIVE_UP_MS = 8000;

interface RawAnswer {
  status: number;
  body: string;
  /** From the first byte sent to the answer (or to giving up). */
  elapsedMs: number;
  /** The server closed the connection. */
  closed: boolean;
}

/**
 * Sends `head` over a plain socket, then `chunk` every `everyMs` ms (`chunk` empty: nothing more),
 * until the server answers and closes, or GIVE_UP_MS pass.
 */
function slowRequest(base: string, head: string, opts: { first?: Buffer; chunk?: Buffer; everyMs?: number; totalChunks?: number } = {}): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      const text = Buffer.concat(received).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4), elapsedMs: Date.now() - started, closed });
      socket.destroy();
    };
    const giveUp = setTimeout(() => finish(false), GIVE_UP_MS);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('close', () => finish(true));
    // Writing after the server cut us off resets the connection: what it answered is already read.
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(head);
      if (opts.first) socket.write(opts.first);
      if (opts.chunk && opts.everyMs) {
        timer = setInterval(() => {
          if (socket.destroyed) return;
          if (opts.totalChunks !== undefined && sent >= opts.totalChunks) return clearInterval(timer);
          sent++;
          socket.write(opts.chunk!);
        }, opts.everyMs);
      }
    });
  });
}

function head(method: string, path: string, headers: Record<string, string>): string {
  return `${method} ${path} HTTP/1.1\r\nhost: test\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

function expectCut(answer: RawAnswer, withinMs: number) {
  expect(answer.closed, 'the server never cut the slow body off').toBe(true);
  expect(answer.status).toBe(408);
  expect(answer.elapsedMs).toBeLessThan(withinMs);
  const problem = JSON.parse(answer.body) as { status: number; detail: string };
  expect(problem.status).toBe(408);
  expect(problem.detail).toMatch(/nothing was stored/);
}

describe('slow request bodies', () => {
  let server: TestServer;
  let admin: Api;
  let dav: DavUser;
  const auth = () => ({ authorization: `Bearer ${admin.token}` });

  beforeAll(async () => {
    server = await startTestServer({ ...LIMITS, COFFER_DAV_PORT: '0' });
    admin = await Api.admin(server.url);
    dav = await DavUser.create(server.url, 'slowdav');
  });
  afterAll(async () => server?.close());

  async function usage(api: Api): Promise<number> {
    const res = await api.json<{ usage: { used: number } }>('/account');
    return res.body.usage.used;
  }
  async function rootNames(api: Api): Promise<string[]> {
    const res = await api.json<{ items: { name: string }[] }>('/folders/root/children?limit=1000');
    return res.body.items.map((i) => i.name);
  }

  it('cuts a REST upload whose body stalls, storing nothing', async () => {
    const usedBefore = await usage(admin);
    const blobsBefore = blobFiles(server.dataDir).length;
    const answer = await slowRequest(server.url, head('POST', '/api/v1/files?parent_id=root&path=stalled.bin', { ...auth(), 'content-type': 'application/octet-stream', 'content-length': '100000' }), {
      first: Buffer.alloc(5000, 1),
    });
    expectCut(answer, 4000);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(await rootNames(admin)).not.toContain('stalled.bin');
    expect(await usage(admin)).toBe(usedBefore);
    await expect.poll(() => partialFiles(server.dataDir)).toEqual([]);
    expect(blobFiles(server.dataDir).length).toBe(blobsBefore);
    // The server is fine afterwards.
    expect((await admin.upload('after-stall.bin', 'ok')).status).toBe(201);
  });

  it('cuts a body that trickles below the minimum rate though it never goes silent', async () => {
    const usedBefore = await usage(admin);
    // 100 bytes every 200 ms: 500 bytes/s, never 1 s without a byte, but under 2,000 bytes/s.
    const answer = await slowRequest(server.url, head('POST', '/api/v1/files?parent_id=root&path=trickle.bin', { ...auth(), 'content-type': 'application/octet-stream', 'content-length': '1000000' }), {
      chunk: Buffer.alloc(100, 2),
      everyMs: 200,
    });
    expectCut(answer, 6000);
    expect(answer.body).toMatch(/too slowly/);
    expect(await rootNames(admin)).not.toContain('trickle.bin');
    expect(await usage(admin)).toBe(usedBefore);
    await expect.poll(() => partialFiles(server.dataDir)).toEqual([]);
  });

  it('lets a slow but steady upload above the minimum rate through, however long it takes', async () => {
    // 1,000 bytes every 200 ms (5,000 bytes/s) for 4 s: longer than the idle limit and two windows.
    const chunks = 20;
    const answer = await slowRequest(
      server.url,
      head('POST', '/api/v1/files?parent_id=root&path=steady.bin', { ...auth(), 'content-type': 'application/octet-stream', 'content-length': String(chunks * 1000), connection: 'close' }),
      { chunk: Buffer.alloc(1000, 3), everyMs: 200, totalChunks: chunks },
    );
    expect(answer.status, answer.body).toBe(201);
    expect(answer.elapsedMs).toBeGreaterThan(3500);
    expect((JSON.parse(answer.body) as { size: number }).size).toBe(chunks * 1000);
  });

  it('cuts a stalled WebDAV PUT on /dav/ and on the WebDAV listener, storing nothing', async () => {
    const usedBefore = await usage(dav.api);
    for (const [base, path] of [
      [server.url, '/dav/stalled-dav.bin'],
      [server.davUrl!, '/stalled-dav2.bin'],
    ] as const) {
      const answer = await slowRequest(base, head('PUT', path, { authorization: dav.authorization, 'content-length': '100000' }), { first: Buffer.alloc(3000, 4) });
      expectCut(answer, 4000);
    }
    const names = await rootNames(dav.api);
    expect(names).not.toContain('stalled-dav.bin');
    expect(names).not.toContain('stalled-dav2.bin');
    expect(await usage(dav.api)).toBe(usedBefore);
    await expect.poll(() => partialFiles(server.dataDir)).toEqual([]);
  });

  it('cuts a stalled multipart upload, storing none of its files', async () => {
    const usedBefore = await usage(admin);
    const boundary = 'slowboundary';
    const part = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="mp-stalled.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`;
    const answer = await slowRequest(server.url, head('POST', '/api/v1/files/multipart?parent_id=root', { ...auth(), 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': '100000' }), {
      first: Buffer.concat([Buffer.from(part), Buffer.alloc(4000, 5)]),
    });
    expectCut(answer, 4000);
    expect(await rootNames(admin)).not.toContain('mp-stalled.bin');
    expect(await usage(admin)).toBe(usedBefore);
    await expect.poll(() => partialFiles(server.dataDir)).toEqual([]);
  });

  it('does not wait for ever for the request headers', async () => {
    const answer = await slowRequest(server.url, 'POST /api/v1/files HTTP/1.1\r\nhost: test\r\nx-partial: ');
    expect(answer.closed, 'the server waited for ever for the headers').toBe(true);
    expect(answer.status).toBe(408);
    expect(answer.elapsedMs).toBeLessThan(GIVE_UP_MS);
  });
});

describe('slow-client settings', () => {
  it('default to bounded headers and bodies, and refuse values that are not whole seconds or bytes', () => {
    expect(loadConfig({}).requestLimits).toEqual({ headersTimeoutMs: 60_000, bodyIdleTimeoutMs: 60_000, bodyMinBytesPerSecond: 500, bodyRateWindowMs: 60_000 });
    for (const variable of ['COFFER_HEADERS_TIMEOUT', 'COFFER_BODY_IDLE_TIMEOUT', 'COFFER_BODY_MIN_RATE', 'COFFER_BODY_RATE_WINDOW']) {
      expect(() => loadConfig({ [variable]: 'fast' }), variable).toThrow(new RegExp(variable));
    }
    expect(() => loadConfig({ COFFER_HEADERS_TIMEOUT: '0' })).toThrow(/COFFER_HEADERS_TIMEOUT/);
  });
});
