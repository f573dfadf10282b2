import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeLimitError } from '../src/db/time-limits.js';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

// Deep paths: a folder chain costs linear work in its depth, depth has a limit every door obeys
// (REST raw and multipart uploads, folders, move, copy, trash restore, WebDAV), and on
// PostgreSQL no request can hold a space lock or a statement for long.

/** The default COFFER_MAX_PATH_DEPTH. */
const LIMIT = 100;

/** "p/1/2/…/n": a path of `n` segments under a top folder `top` (which counts as the first). */
function chain(top: string, n: number): string {
  return [top, ...Array.from({ length: n - 1 }, (_, i) => String(i + 1))].join('/');
}

interface Problem {
  type: string;
  status: number;
  detail: string;
  limit?: number;
}

function expectTooDeep(res: { status: number; body: unknown; res: Response }) {
  expect(res.status).toBe(400);
  expect(res.res.headers.get('content-type')).toContain('application/problem+json');
  const body = res.body as Problem;
  expect(body.type).toContain('path-too-deep');
  expect(body.limit).toBe(LIMIT);
  expect(body.detail).toContain(`at most ${LIMIT} levels`);
}

describe('deep paths', () => {
  let server: TestServer;
  let api: Api;
  let dav: DavUser;

  beforeAll(async () => {
    server = await startTestServer();
    api = await Api.admin(server.url);
    dav = await DavUser.create(server.url, 'deepdav');
  });
  afterAll(async () => server?.close());

  const resolve = (path: string, as: Api = api) => as.json<NodeBody>(`/resolve?path=${encodeURIComponent(path)}`);

  it('answers the 2,000-level attack with a quick 400, and /healthz answers during and after it', async () => {
    const attack = `${'a/'.repeat(2000)}f.txt`;
    expect(attack.length).toBeLessThanOrEqual(4096);
    let healthy = 0;
    let attacking = true;
    const probe = (async () => {
      while (attacking) {
        const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        if (res.status === 200) healthy++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const started = performance.now();
    const raw = await api.json<Problem>(`/files?${new URLSearchParams({ path: attack, parent_id: 'root' })}`, {
      method: 'POST',
      body: 'payload',
      headers: { 'content-type': 'application/octet-stream' },
      signal: AbortSignal.timeout(20_000),
    });
    const form = new FormData();
    form.append('file', new Blob(['payload']), attack);
    const multipartRes = await api.fetch('/files/multipart?parent_id=root', { method: 'POST', body: form, signal: AbortSignal.timeout(20_000) });
    const multipart = { status: multipartRes.status, body: (await multipartRes.json()) as unknown, res: multipartRes };
    const mkdir = await api.json('/folders', { method: 'POST', json: { path: attack, parents: true }, signal: AbortSignal.timeout(20_000) });
    const elapsed = performance.now() - started;
    attacking = false;
    await probe;

    expectTooDeep(raw);
    expect(raw.body.detail).toContain('2001 levels');
    expectTooDeep(multipart);
    expectTooDeep(mkdir);
    expect(elapsed).toBeLessThan(3_000);
    expect(healthy).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).status).toBe(200);
    // Nothing of the refused path was created.
    expect((await resolve('/a')).status).toBe(404);
  });

  it('creates a folder chain of exactly the limit with the right sizes and ETags on every ancestor', async () => {
    // The first half exists already, as a shallow upload would find it.
    const existing = await api.json<NodeBody>('/folders', { method: 'POST', json: { path: chain('lim', 50), parents: true } });
    expect(existing.status).toBe(201);
    const rootBefore = (await api.json<NodeBody>('/files/root')).body;
    const before = new Map<string, NodeBody>();
    for (let n = 1; n <= 50; n++) before.set(chain('lim', n), (await resolve(chain('lim', n))).body);

    const content = 'x'.repeat(1234);
    const filePath = `${chain('lim', LIMIT - 1)}/f.txt`;
    const up = await api.upload(filePath, content);
    expect(up.status).toBe(201);
    expect(up.body.path).toBe(`/${filePath}`);

    const rootAfter = (await api.json<NodeBody>('/files/root')).body;
    expect(rootAfter.size).toBe(rootBefore.size + content.length);
    expect(rootAfter.etag).not.toBe(rootBefore.etag);
    const etags = new Set<string>();
    for (let n = 1; n < LIMIT; n++) {
      const folder = (await resolve(chain('lim', n))).body;
      expect(folder.kind, chain('lim', n)).toBe('folder');
      // Every folder of the chain holds just this file, however it came to exist.
      expect(folder.size, `size at level ${n}`).toBe(content.length);
      const old = before.get(chain('lim', n));
      if (old) expect(folder.etag, `etag at level ${n}`).not.toBe(old.etag);
      etags.add(folder.etag);
    }
    expect(etags.size).toBe(LIMIT - 1);

    // A shallow upload into the chain changes the size and ETag of every folder above it too.
    const mid = (await resolve(chain('lim', 40))).body;
    const top = (await resolve('lim')).body;
    expect((await api.upload(`${chain('lim', 40)}/g.txt`, 'yy')).status).toBe(201);
    expect((await resolve(chain('lim', 40))).body).toMatchObject({ size: mid.size + 2 });
    expect((await resolve(chain('lim', 40))).body.etag).not.toBe(mid.etag);
    expect((await resolve('lim')).body).toMatchObject({ size: top.size + 2 });
    expect((await resolve('lim')).body.etag).not.toBe(top.etag);
  });

  it('refuses one level more than the limit through uploads and folders, and mkdir -p of exactly the limit works', async () => {
    expectTooDeep(await api.upload(`${chain('over', LIMIT)}/f.txt`, 'x'));
    expectTooDeep(await api.json('/folders', { method: 'POST', json: { path: chain('over', LIMIT + 1), parents: true } }));
    expect((await resolve('/over')).status).toBe(404);

    const mk = await api.json<NodeBody>('/folders', { method: 'POST', json: { path: chain('over', LIMIT), parents: true } });
    expect(mk.status).toBe(201);
    expect(mk.body.path).toBe(`/${chain('over', LIMIT)}`);
    // Nothing more fits inside the deepest folder: a file, a folder, relative to it or not.
    expectTooDeep(await api.upload('f.txt', 'x', { parent: mk.body.id }));
    expectTooDeep(await api.json('/folders', { method: 'POST', json: { parent_id: mk.body.id, path: 'x' } }));
  });

  it('refuses moves and copies of a subtree that would end up too deep, measuring the subtree', async () => {
    const deep = await api.json<NodeBody>('/folders', { method: 'POST', json: { path: chain('mv', 60), parents: true } });
    // A subtree 40 levels high: moved under level 60, the file at its bottom would land 61 + 40 = 101 deep.
    const sub = await api.upload(`${chain('sub', 40)}/leaf.txt`, 'z');
    expect(sub.status).toBe(201);
    const subTop = (await resolve('sub')).body;
    expectTooDeep(await api.json(`/files/${subTop.id}`, { method: 'PATCH', json: { parent_id: deep.body.id } }));
    expectTooDeep(await api.json(`/files/${subTop.id}/copy`, { method: 'POST', json: { parent_id: deep.body.id } }));
    expect((await resolve('sub')).status).toBe(200);

    // One level less fits exactly (the file lands at 100), moved and copied.
    const lower = (await resolve(chain('sub', 2))).body;
    const moved = await api.json<NodeBody>(`/files/${lower.id}`, { method: 'PATCH', json: { parent_id: deep.body.id } });
    expect(moved.status).toBe(200);
    const copied = await api.json<NodeBody>(`/files/${moved.body.id}/copy`, { method: 'POST', json: { parent_id: deep.body.id, name: 'copy' } });
    expect(copied.status).toBe(201);
    // Moving a deep subtree back up, or sideways, is never refused.
    expect((await api.json(`/files/${moved.body.id}`, { method: 'PATCH', json: { parent_id: subTop.id } })).status).toBe(200);
  });

  it('refuses to restore from the trash into a folder that has moved too deep since', async () => {
    expect((await api.json('/folders', { method: 'POST', json: { path: chain('rs-deep', 95), parents: true } })).status).toBe(201);
    const holder = await api.json<NodeBody>('/folders', { method: 'POST', json: { path: 'rs-holder', parents: true } });
    const up = await api.upload(`rs-holder/${chain('t', 10)}/f.txt`, 'r');
    expect(up.status).toBe(201);
    const t = (await resolve('rs-holder/t')).body;
    expect((await api.fetch(`/files/${t.id}`, { method: 'DELETE' })).status).toBe(204);
    // rs-holder, now empty, fits anywhere; what was inside it would not.
    const deepest = (await resolve(chain('rs-deep', 95))).body;
    expect((await api.json(`/files/${holder.body.id}`, { method: 'PATCH', json: { parent_id: deepest.id } })).status).toBe(200);
    expectTooDeep(await api.json(`/trash/${t.id}/restore`, { method: 'POST' }));
    // Moved back up, the restore goes through.
    expect((await api.json(`/files/${holder.body.id}`, { method: 'PATCH', json: { parent_id: 'root' } })).status).toBe(200);
    expect((await api.json(`/trash/${t.id}/restore`, { method: 'POST' })).status).toBe(200);
  });

  it('WebDAV: MKCOL and PUT past the limit and MOVE/COPY of a too-high subtree are refused with 403 and a message', async () => {
    const made = await dav.api.json<NodeBody>('/folders', { method: 'POST', json: { path: chain('d', LIMIT), parents: true } });
    expect(made.status).toBe(201);
    const deepest = `/${chain('d', LIMIT)}`;
    const mkcol = await dav.request('MKCOL', `${deepest}/x/`);
    expect(mkcol.status).toBe(403);
    expect(mkcol.body).toContain(`at most ${LIMIT} levels`);
    const put = await dav.request('PUT', `${deepest}/f.txt`, { body: 'x' });
    expect(put.status).toBe(403);
    expect(put.body).toContain(`at most ${LIMIT} levels`);
    // Exactly the limit: a file at level 100 is fine.
    expect((await dav.request('PUT', `/${chain('d', LIMIT - 1)}/f.txt`, { body: 'x' })).status).toBe(201);

    // A subtree 31 levels high moved or copied under level 70 would put its file at 71 + 31 = 102.
    expect((await dav.api.upload(`${chain('s', 31)}/f.txt`, 'x')).status).toBe(201);
    const destination = `${dav.url(`/${chain('d', 70)}`)}/s`;
    const move = await dav.request('MOVE', '/s', { headers: { destination } });
    expect(move.status).toBe(403);
    expect(move.body).toContain(`at most ${LIMIT} levels`);
    const copy = await dav.request('COPY', '/s', { headers: { destination } });
    expect(copy.status).toBe(403);
    expect((await dav.request('PROPFIND', '/s', { headers: { depth: '0' } })).status).toBe(207);
    expect((await dav.request('PROPFIND', `/${chain('d', 70)}/s`, { headers: { depth: '0' } })).status).toBe(404);
  });

  it('maps every PostgreSQL time limit to a 503 with Retry-After, and leaves other errors alone', () => {
    for (const code of ['57014', '55P03', '25P03']) {
      const mapped = timeLimitError(Object.assign(new Error('canceling statement'), { code }));
      expect(mapped?.status, code).toBe(503);
      expect(mapped?.extra.retryAfter).toBeGreaterThan(0);
    }
    expect(timeLimitError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeUndefined();
    expect(timeLimitError(new Error('anything'))).toBeUndefined();
  });
});

describe.runIf(usingPostgres())('PostgreSQL time limits', () => {
  it('sets statement, lock and idle-transaction timeouts on the pool connections (defaults)', async () => {
    const server = await startTestServer();
    try {
      const show = async (name: string) => (await sql<Record<string, string>>`${sql.raw(`show ${name}`)}`.execute(server.core.db)).rows[0]![name];
      expect(await show('statement_timeout')).toBe('30s');
      expect(await show('lock_timeout')).toBe('10s');
      expect(await show('idle_in_transaction_session_timeout')).toBe('1min');
      expect(await show('jit')).toBe('off');
      expect((await sql<{ source: string }>`select source from pg_settings where name = 'jit'`.execute(server.core.db)).rows[0]!.source).toBe('client');
    } finally {
      await server.close();
    }
    // COFFER_DB_JIT=true leaves the server's own setting (behind PgBouncer, say).
    const leaving = await startTestServer({ COFFER_DB_JIT: 'true' });
    try {
      const where = async (db: typeof leaving.core.db) => (await sql<{ source: string }>`select source from pg_settings where name = 'jit'`.execute(db)).rows[0]!.source;
      expect(await where(leaving.core.db)).not.toBe('client');
    } finally {
      await leaving.close();
    }
  });

  /**
   * Holds the admin's space lock from another connection, as a stuck request would, and runs
   * `fn` meanwhile; releases it afterwards whatever happens.
   */
  async function whileSpaceLocked(server: TestServer, fn: () => Promise<void>): Promise<void> {
    const holder = new pg.Client({ connectionString: server.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`select 1 from spaces s join users u on u.id = s.owner_user_id where u.username = 'admin' and s.kind = 'personal' for update of s`);
      await fn();
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
  }

  it('keeps Retry-After on a WebDAV 503 raised while a new device signs in', async () => {
    const server = await startTestServer({ COFFER_DB_LOCK_TIMEOUT: '300', COFFER_DB_STATEMENT_TIMEOUT: '0' });
    const holder = new pg.Client({ connectionString: server.env.DATABASE_URL });
    try {
      const api = await Api.admin(server.url);
      const me = await api.json<{ user: { id: string } }>('/account');
      const app = await api.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'dav' } });
      const dav = new DavUser(server.url, 'admin', app.body.password, api);
      await holder.connect();
      await holder.query('begin');
      // The lock a server takes while it counts and registers one user's devices.
      await holder.query('select pg_advisory_xact_lock(hashtext($1))', [`protocol-sessions:${me.body.user.id}`]);
      const res = await dav.request('PROPFIND', '/', { headers: { depth: '0', 'user-agent': 'a-new-device/1.0' } });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      await holder.query('rollback');
      expect((await dav.request('PROPFIND', '/', { headers: { depth: '0', 'user-agent': 'a-new-device/1.0' } })).status).toBe(207);
    } finally {
      await holder.end().catch(() => undefined);
      await server.close();
    }
  });

  for (const [setting, env] of [
    ['lock_timeout', { COFFER_DB_LOCK_TIMEOUT: '300', COFFER_DB_STATEMENT_TIMEOUT: '0' }],
    ['statement_timeout', { COFFER_DB_LOCK_TIMEOUT: '0', COFFER_DB_STATEMENT_TIMEOUT: '300' }],
  ] as const) {
    it(`answers 503 with Retry-After when ${setting} stops a request waiting for a busy space (REST and WebDAV)`, async () => {
      const server = await startTestServer(env);
      try {
        const api = await Api.admin(server.url);
        const app = await api.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'dav' } });
        const dav = new DavUser(server.url, 'admin', app.body.password, api);
        await whileSpaceLocked(server, async () => {
          const started = performance.now();
          const res = await api.json<Problem>('/folders', { method: 'POST', json: { path: 'waits' }, signal: AbortSignal.timeout(10_000) });
          expect(res.status).toBe(503);
          expect(res.res.headers.get('content-type')).toContain('application/problem+json');
          expect(res.res.headers.get('retry-after')).toBe('5');
          expect(res.body.detail).toContain('Try again');
          expect(performance.now() - started).toBeLessThan(5_000);
          const mkcol = await dav.request('MKCOL', '/waits-too/');
          expect(mkcol.status).toBe(503);
          expect(mkcol.headers['retry-after']).toBe('5');
        });
        // Once the space is free again the same request goes through.
        expect((await api.json('/folders', { method: 'POST', json: { path: 'waits' } })).status).toBe(201);
      } finally {
        await server.close();
      }
    });
  }
});
