import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface AuditEvent {
  id: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  ip: string | null;
  user_agent: string | null;
  action: string;
  node_id: string | null;
  path: string | null;
  bytes: number | null;
  result: string;
  detail: Record<string, unknown> | null;
}

interface AuditPage {
  items: AuditEvent[];
  total: number;
}

const UA = 'AuditTest/1.0 (+vitest)';

/** A REST client that always sends our User-Agent, so the trail can be checked for it. */
class UaApi extends Api {
  override fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', UA);
    return super.fetch(path, { ...init, headers });
  }
}

async function loginWithUa(base: string, username: string, password: string) {
  return fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': UA },
    body: JSON.stringify({ username, password }),
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit trail', () => {
  let server: TestServer;
  let admin: Api;
  let user: UaApi;
  let userId: string;
  const ids: Record<string, string> = {};

  const audit = async (query: string) => {
    const r = await admin.json<AuditPage>(`/admin/audit?${query}`);
    expect(r.status).toBe(200);
    return r.body;
  };
  const eventsOf = async (action: string) => (await audit(`user_id=${userId}&action=${action}&limit=1000`)).items;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_LOGIN_RATE_PER_IP: '100000' });
    admin = await Api.admin(server.url);
    const created = await admin.json<{ id: string }>('/admin/users', { method: 'POST', json: { username: 'auditee', password: 'auditee-password' } });
    expect(created.status).toBe(201);
    userId = created.body.id;

    // Failed then successful sign-in.
    expect((await loginWithUa(server.url, 'auditee', 'wrong-password')).status).toBe(401);
    const ok = await loginWithUa(server.url, 'auditee', 'auditee-password');
    expect(ok.status).toBe(200);
    user = new UaApi(server.url, ((await ok.json()) as { access_token: string }).access_token);

    // mkdir, upload, overwrite, download.
    const docs = await user.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'docs' } });
    expect(docs.status).toBe(201);
    ids.docs = docs.body.id;
    const up = await user.upload('docs/report.txt', 'first draft', { type: 'text/plain' });
    expect(up.status).toBe(201);
    ids.report = up.body.id;
    const over = await user.upload('docs/report.txt', 'second draft!', { type: 'text/plain', overwrite: true });
    expect(over.status).toBe(200);
    const dl = await user.fetch(`/files/${ids.report}/content`);
    expect(await dl.text()).toBe('second draft!');

    // Move, copy, delete, restore, delete again and purge.
    const archive = await user.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'archive' } });
    ids.archive = archive.body.id;
    const moved = await user.json<NodeBody>(`/files/${ids.report}`, { method: 'PATCH', json: { parent_id: ids.archive } });
    expect(moved.status).toBe(200);
    const copy = await user.json<NodeBody>(`/files/${ids.report}/copy`, { method: 'POST', json: { parent_id: ids.docs, name: 'report copy.txt' } });
    expect(copy.status).toBe(201);
    ids.copy = copy.body.id;
    expect((await user.fetch(`/files/${ids.copy}`, { method: 'DELETE' })).status).toBe(204);
    expect((await user.json(`/trash/${ids.copy}/restore`, { method: 'POST' })).status).toBe(200);
    expect((await user.fetch(`/files/${ids.copy}`, { method: 'DELETE' })).status).toBe(204);
    expect((await user.fetch(`/trash/${ids.copy}`, { method: 'DELETE' })).status).toBe(204);

    // App password created and revoked; admin changes the user.
    const ap = await user.json<{ id: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'audited device' } });
    expect(ap.status).toBe(201);
    ids.appPassword = ap.body.id;
    expect((await user.fetch(`/auth/app-passwords/${ids.appPassword}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin.json(`/admin/users/${userId}`, { method: 'PATCH', json: { quota_bytes: 1_000_000 } })).status).toBe(200);
  });
  afterAll(async () => server?.close());

  const expectByUser = (e: AuditEvent | undefined) => {
    expect(e).toBeDefined();
    expect(e!.actor_id).toBe(userId);
    expect(e!.actor_name).toBe('auditee');
    expect(e!.ip).toBe('127.0.0.1');
    expect(e!.user_agent).toBe(UA);
    expect(e!.result).toBe('success');
    expect(Math.abs(Date.parse(e!.at) - Date.now())).toBeLessThan(5 * 60_000);
  };

  it('records sign-ins, failed ones included, with address and user agent', async () => {
    const logins = await eventsOf('auth.login');
    expect(logins).toHaveLength(2);
    const [success, failure] = logins; // newest first
    expectByUser(success);
    expect(failure!.result).toBe('failure');
    expect(failure!.actor_id).toBe(userId);
    expect(failure!.ip).toBe('127.0.0.1');
    expect(failure!.user_agent).toBe(UA);
    expect(failure!.id).toBeLessThan(success!.id);
  });

  it('records uploads, overwrites and folder creation with node, path and bytes', async () => {
    const folders = await eventsOf('folder.create');
    expect(folders.map((e) => e.path).sort()).toEqual(['/archive', '/docs']);
    const docs = folders.find((e) => e.path === '/docs');
    expectByUser(docs);
    expect(docs!.node_id).toBe(ids.docs);

    const [upload] = await eventsOf('file.upload');
    expectByUser(upload);
    expect(upload).toMatchObject({ node_id: ids.report, path: '/docs/report.txt', bytes: 11 });
    const [overwrite] = await eventsOf('file.overwrite');
    expectByUser(overwrite);
    expect(overwrite).toMatchObject({ node_id: ids.report, path: '/docs/report.txt', bytes: 13 });
  });

  it('records downloads with the bytes sent', async () => {
    // The download is recorded once its bytes have been sent, which may be just after the client has them.
    const download = await until('the download event', async () => (await eventsOf('file.download'))[0]);
    expectByUser(download);
    expect(download).toMatchObject({ node_id: ids.report, path: '/docs/report.txt', bytes: 13 });
  });

  it('records moves, copies, deletes, restores and purges', async () => {
    const [move] = await eventsOf('node.move');
    expectByUser(move);
    expect(move).toMatchObject({ node_id: ids.report, path: '/archive/report.txt' });
    expect(move!.detail).toMatchObject({ from: '/docs/report.txt' });

    const [copy] = await eventsOf('node.copy');
    expectByUser(copy);
    expect(copy).toMatchObject({ node_id: ids.copy, path: '/docs/report copy.txt', bytes: 13 });

    const deletes = await eventsOf('node.delete');
    expect(deletes).toHaveLength(2);
    for (const d of deletes) {
      expectByUser(d);
      expect(d).toMatchObject({ node_id: ids.copy, path: '/docs/report copy.txt', bytes: 13 });
    }
    const [restore] = await eventsOf('node.restore');
    expectByUser(restore);
    expect(restore).toMatchObject({ node_id: ids.copy, path: '/docs/report copy.txt' });

    const [purge] = await eventsOf('node.purge');
    expectByUser(purge);
    expect(purge).toMatchObject({ node_id: ids.copy, path: '/docs/report copy.txt', bytes: 13 });
  });

  it('records app-password and admin actions', async () => {
    const [created] = await eventsOf('app-password.create');
    expectByUser(created);
    expect(created!.detail).toMatchObject({ id: ids.appPassword, name: 'audited device' });
    const [revoked] = await eventsOf('app-password.revoke');
    expectByUser(revoked);
    expect(revoked!.detail).toMatchObject({ id: ids.appPassword });
    // No secret ends up in the trail.
    const everything = JSON.stringify(await audit('limit=10000'));
    expect(everything).not.toContain('auditee-password');
    expect(everything).not.toContain('wrong-password');

    const adminId = (await admin.json<{ user: { id: string } }>('/account')).body.user.id;
    const creates = (await audit('action=admin.user.create')).items.filter((e) => (e.detail as { userId?: string }).userId === userId);
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ actor_id: adminId, actor_name: 'admin', ip: '127.0.0.1', result: 'success' });
    const updates = (await audit(`action=admin.user.update&user_id=${adminId}`)).items;
    expect(updates.some((e) => (e.detail as { userId?: string; quotaBytes?: number }).userId === userId && (e.detail as { quotaBytes?: number }).quotaBytes === 1_000_000)).toBe(true);
  });

  it('lists the whole sequence for the user, newest first', async () => {
    const { items, total } = await audit(`user_id=${userId}&limit=1000`);
    expect(total).toBe(items.length);
    const actions = items.map((e) => e.action).reverse();
    const expected = [
      'auth.login',
      'auth.login',
      'folder.create',
      'file.upload',
      'file.overwrite',
      'file.download',
      'folder.create',
      'node.move',
      'node.copy',
      'node.delete',
      'node.restore',
      'node.delete',
      'node.purge',
      'app-password.create',
      'app-password.revoke',
    ];
    expect(actions).toEqual(expected);
    for (let i = 1; i < items.length; i++) expect(items[i - 1]!.id).toBeGreaterThan(items[i]!.id);
  });

  it('filters by action, path prefix and time range, and pages with a total', async () => {
    const byPath = await audit(`path_prefix=${encodeURIComponent('/docs/')}&limit=1000`);
    expect(byPath.total).toBeGreaterThan(0);
    expect(byPath.items.every((e) => e.path!.startsWith('/docs/'))).toBe(true);
    expect(new Set(byPath.items.map((e) => e.action))).toEqual(
      new Set(['file.upload', 'file.overwrite', 'file.download', 'node.copy', 'node.delete', 'node.restore', 'node.purge']),
    );
    // The prefix is literal: "_" and "%" are not wildcards.
    expect((await audit(`path_prefix=${encodeURIComponent('/doc_')}`)).total).toBe(0);
    expect((await audit(`path_prefix=${encodeURIComponent('%')}`)).total).toBe(0);

    const uploads = await audit('action=file.upload');
    expect(uploads.items.map((e) => e.action)).toEqual(['file.upload']);

    // Time range: [from, to).
    const all = (await audit(`user_id=${userId}&limit=1000`)).items;
    const overwriteAt = all.find((e) => e.action === 'file.overwrite')!.at;
    const since = await audit(`user_id=${userId}&from=${encodeURIComponent(overwriteAt)}&limit=1000`);
    expect(since.items.every((e) => Date.parse(e.at) >= Date.parse(overwriteAt))).toBe(true);
    expect(since.items.some((e) => e.action === 'file.overwrite')).toBe(true);
    expect(since.items.some((e) => e.action === 'auth.login')).toBe(false);
    const before = await audit(`user_id=${userId}&to=${encodeURIComponent(overwriteAt)}&limit=1000`);
    expect(before.items.every((e) => Date.parse(e.at) < Date.parse(overwriteAt))).toBe(true);
    expect(before.items.some((e) => e.action === 'auth.login')).toBe(true);
    expect(before.items.some((e) => e.action === 'file.overwrite')).toBe(false);
    expect(since.total + before.total).toBe(all.length);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await audit(`from=${encodeURIComponent(future)}`)).total).toBe(0);

    // Pages do not overlap and add up to the whole.
    const pages: AuditEvent[] = [];
    for (let offset = 0; offset < all.length; offset += 4) {
      const page = await audit(`user_id=${userId}&limit=4&offset=${offset}`);
      expect(page.total).toBe(all.length);
      expect(page.items.length).toBeLessThanOrEqual(4);
      pages.push(...page.items);
    }
    expect(pages.map((e) => e.id)).toEqual(all.map((e) => e.id));

    const bad = await admin.json<{ status: number }>('/admin/audit?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  /** The damage tests put every row back afterwards, so each starts from an intact trail. */
  async function restoring(fn: () => Promise<void>): Promise<void> {
    const db = server.core.db;
    // Verifying seals whatever is pending, so the damage below hits sealed events only.
    expect((await server.core.audit.verify()).problems).toEqual([]);
    const events = await db.selectFrom('audit_events').selectAll().execute();
    const heads = await db.selectFrom('audit_heads').selectAll().execute();
    try {
      await fn();
    } finally {
      await db.deleteFrom('audit_events').execute();
      await db.insertInto('audit_events').values(events).execute();
      await db.deleteFrom('audit_heads').execute();
      await db.insertInto('audit_heads').values(heads).execute();
      expect((await server.core.audit.verify()).problems).toEqual([]);
    }
  }

  const spaceOf = async (username: string) =>
    (
      await server.core.db
        .selectFrom('spaces')
        .innerJoin('users', 'users.id', 'spaces.owner_user_id')
        .select('spaces.id')
        .where('users.username', '=', username)
        .executeTakeFirstOrThrow()
    ).id;

  const chainRows = (chain: string) => server.core.db.selectFrom('audit_events').selectAll().where('chain', '=', chain).orderBy('seq').execute();

  it('records each of many concurrent downloads once, with its bytes, and the chains still verify', async () => {
    const { id, api } = await admin.createUser('downloader', 'downloader-password-1');
    const files = await Promise.all([100, 2000, 30_000, 7, 512, 4096].map(async (size, i) => {
      const r = await api.upload(`f${i}.bin`, Buffer.alloc(size, i + 1));
      expect(r.status).toBe(201);
      return { id: r.body.id, size };
    }));
    // Three rounds of all six at once: events written on their own share statements now.
    const bodies = await Promise.all(files.flatMap((f) => [0, 1, 2].map(async () => (await api.fetch(`/files/${f.id}/content`)).arrayBuffer())));
    expect(bodies.map((b) => b.byteLength)).toEqual(files.flatMap((f) => [f.size, f.size, f.size]));
    const events = await until('18 download events', async () => {
      const items = (await audit(`user_id=${id}&action=file.download&limit=100`)).items;
      return items.length >= 18 ? items : undefined;
    });
    expect(events).toHaveLength(18);
    for (const f of files) {
      const mine = events.filter((e) => e.node_id === f.id);
      expect(mine).toHaveLength(3);
      expect(mine.every((e) => e.bytes === f.size && e.actor_name === 'downloader' && e.result === 'success')).toBe(true);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(18);
    expect((await server.core.audit.verify()).problems).toEqual([]);
  });

  it('keeps a chain per space, apart from the account chain, intact under concurrent writers in two spaces', async () => {
    await Promise.all([
      ...Array.from({ length: 16 }, (_, i) => user.upload(`burst/file-${i}.txt`, `burst ${i}`)),
      ...Array.from({ length: 16 }, (_, i) => admin.upload(`burst/admin-${i}.txt`, `admin burst ${i}`)),
      ...Array.from({ length: 4 }, () => loginWithUa(server.url, 'auditee', 'wrong-password')),
    ]);
    const result = await server.core.audit.verify();
    expect(result.problems).toEqual([]);
    expect(result.checked).toBe((await audit('limit=1')).total);
    expect((await eventsOf('file.upload')).filter((e) => e.path?.startsWith('/burst/'))).toHaveLength(16);

    // Each user's file events are in their own space's chain, sign-ins in the account chain, and
    // each chain links only to its own events: the two spaces never shared a chain (or its lock).
    const [userSpace, adminSpace] = [await spaceOf('auditee'), await spaceOf('admin')];
    const userChain = await chainRows(userSpace);
    const adminChain = await chainRows(adminSpace);
    expect(userChain.filter((e) => e.path?.startsWith('/burst/'))).toHaveLength(16);
    expect(adminChain.filter((e) => e.path?.startsWith('/burst/'))).toHaveLength(16);
    expect(userChain.every((e) => e.actor_name === 'auditee')).toBe(true);
    expect(adminChain.every((e) => e.actor_name === 'admin')).toBe(true);
    expect((await chainRows('account')).some((e) => e.action === 'auth.login-failed' || e.action === 'auth.login')).toBe(true);
    for (const chain of [userChain, adminChain]) {
      chain.forEach((e, i) => expect(e.prev_hash).toBe(i === 0 ? '0'.repeat(64) : chain[i - 1]!.hash));
    }
    const heads = await server.core.db.selectFrom('audit_heads').selectAll().where('chain', 'in', [userSpace, adminSpace]).execute();
    expect(heads.map((h) => [h.chain, Number(h.event_count), h.hash]).sort()).toEqual(
      [
        [userSpace, userChain.length, userChain.at(-1)!.hash],
        [adminSpace, adminChain.length, adminChain.at(-1)!.hash],
      ].sort(),
    );
  });

  it('commits an event with its change, pending, and seals it into its chain moments later without a verify', async () => {
    const db = server.core.db;
    const space = await spaceOf('auditee');
    const before = await db.selectFrom('audit_heads').select('event_count').where('chain', '=', space).executeTakeFirstOrThrow();
    const created = await user.upload('sealing/one.txt', 'sealed soon');
    expect(created.status).toBe(201);
    // Written in the upload's own transaction: there as soon as the response is.
    const row = await db.selectFrom('audit_events').selectAll().where('node_id', '=', created.body.id).where('action', '=', 'file.upload').executeTakeFirstOrThrow();
    expect(row.chain).toBe(space);
    const sealed = await until('the upload event to be sealed', async () => {
      const r = await db.selectFrom('audit_events').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      return r.seq === null ? undefined : r;
    });
    expect(sealed.hash).toMatch(/^[0-9a-f]{64}$/);
    const head = await db.selectFrom('audit_heads').selectAll().where('chain', '=', space).executeTakeFirstOrThrow();
    expect(Number(head.event_count)).toBeGreaterThan(Number(before.event_count));
    const previous = await db.selectFrom('audit_events').select('hash').where('chain', '=', space).where('seq', '=', Number(sealed.seq) - 1).executeTakeFirstOrThrow();
    expect(sealed.prev_hash).toBe(previous.hash);
    expect((await server.core.audit.verify()).problems).toEqual([]);
  });

  it('seals what a stopped server left pending (its sweep), and counts pending events in a verify', async () => {
    const db = server.core.db;
    const space = await spaceOf('auditee');
    // As a server that committed and stopped before sealing leaves it.
    const { id } = await db
      .insertInto('audit_events')
      .values({ at: new Date(), actor_id: userId, actor_name: 'auditee', ip: null, user_agent: null, action: 'file.upload', node_id: null, path: '/left-pending.txt', bytes: 1, result: 'success', detail: null, chain: space })
      .returning('id')
      .executeTakeFirstOrThrow();
    const sealed = await until('the sweep to seal the event', async () => {
      const r = await db.selectFrom('audit_events').select(['seq', 'hash']).where('id', '=', id).executeTakeFirstOrThrow();
      return r.seq === null ? undefined : r;
    }, 8000);
    expect(sealed.hash).toMatch(/^[0-9a-f]{64}$/);
    const report = await server.core.audit.verify();
    expect(report.problems).toEqual([]);
    expect(report.pending).toBe(0);
  });

  it('seals an event that commits after later ones were sealed (its id taken first), and the chain verifies', async () => {
    const db = server.core.db;
    const space = await spaceOf('auditee');
    expect((await user.upload('sealing/first.txt', 'one')).status).toBe(201);
    const newest = await until('the upload to be sealed', async () => {
      const r = await db.selectFrom('audit_events').select(['id', 'seq']).where('chain', '=', space).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      return r.seq === null ? undefined : r;
    });
    // A writer that took its id before that upload and committed after it was sealed.
    const straggler = await db
      .insertInto('audit_events')
      .values({ id: -Number(newest.id), at: new Date(), actor_id: userId, actor_name: 'auditee', ip: null, user_agent: null, action: 'file.upload', node_id: null, path: '/late.txt', bytes: 1, result: 'success', detail: null, chain: space })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The next write's pass seals what came after the last sealed event, and the sweep the straggler.
    const next = await user.upload('sealing/second.txt', 'two');
    expect(next.status).toBe(201);
    const sealed = await until('both events to be sealed', async () => {
      const rows = await db.selectFrom('audit_events').select(['id', 'seq']).where('chain', '=', space).where('seq', 'is', null).execute();
      return rows.length === 0 ? true : undefined;
    }, 8000);
    expect(sealed).toBe(true);
    const late = await db.selectFrom('audit_events').select(['seq', 'hash']).where('id', '=', straggler.id).executeTakeFirstOrThrow();
    expect(Number(late.seq)).toBeGreaterThan(Number(newest.seq));
    const report = await server.core.audit.verify();
    expect(report.problems).toEqual([]);
    expect(report.pending).toBe(0);
  });

  it('detects a row altered in the database, naming its chain and id', async () => {
    const db = server.core.db;
    const target = (await eventsOf('file.overwrite'))[0]!;
    await restoring(async () => {
      await db.updateTable('audit_events').set({ bytes: 1 }).where('id', '=', target.id).execute();
      const { problems } = await server.core.audit.verify();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ chain: await spaceOf('auditee'), kind: 'altered', eventId: target.id });
      expect(problems[0]!.message).toContain(`auditee's personal space`);
      expect(problems[0]!.message).toContain(`event ${target.id} was altered or rewritten`);
    });
  });

  it('detects a rewrite whose later hashes were recomputed with plain SHA-256, as an attacker without the key would', async () => {
    const db = server.core.db;
    const target = (await eventsOf('file.overwrite'))[0]!;
    const space = await spaceOf('auditee');
    await restoring(async () => {
      const { hashAuditRow } = await import('../src/repositories/audit.repository.js');
      await db.updateTable('audit_events').set({ bytes: 1 }).where('id', '=', target.id).execute();
      let prev: string | null = null;
      for (const row of await chainRows(space)) {
        if (Number(row.id) < target.id) continue;
        const { id, hash: _old, chain: _chain, ...fields } = row;
        const hash = hashAuditRow({ ...fields, prev_hash: prev ?? fields.prev_hash! });
        await db.updateTable('audit_events').set({ prev_hash: prev ?? fields.prev_hash, hash }).where('id', '=', id).execute();
        prev = hash;
      }
      // The head moved along too; only its MAC cannot follow without the key.
      await db.updateTable('audit_heads').set({ hash: prev! }).where('chain', '=', space).execute();
      const { problems } = await server.core.audit.verify();
      expect(problems).toEqual([expect.objectContaining({ chain: space, kind: 'altered', eventId: target.id })]);
    });
  });

  it('detects a row deleted from the middle, naming the next event of that chain only', async () => {
    const db = server.core.db;
    const space = await spaceOf('auditee');
    const rows = await chainRows(space);
    const victim = rows[Math.floor(rows.length / 2)]!;
    const next = rows[Math.floor(rows.length / 2) + 1]!;
    await restoring(async () => {
      await db.deleteFrom('audit_events').where('id', '=', victim.id).execute();
      const { problems } = await server.core.audit.verify();
      // The admin's space and the account chain are untouched and reported intact.
      expect(problems).toEqual([expect.objectContaining({ chain: space, kind: 'broken-link', eventId: Number(next.id) })]);
      expect(problems[0]!.message).toMatch(/does not follow the event before it/);
    });
  });

  it('detects the newest events deleted, with what the head expected and what is left', async () => {
    const db = server.core.db;
    const space = await spaceOf('auditee');
    const rows = await chainRows(space);
    const keep = rows.slice(0, -3);
    await restoring(async () => {
      await db.deleteFrom('audit_events').where('id', 'in', rows.slice(-3).map((r) => r.id)).execute();
      const { problems } = await server.core.audit.verify();
      expect(problems).toEqual([
        expect.objectContaining({
          chain: space,
          kind: 'truncated',
          expected: { count: rows.length, hash: rows.at(-1)!.hash },
          found: { count: keep.length, hash: keep.at(-1)!.hash },
        }),
      ]);
      expect(problems[0]!.message).toContain(`records ${rows.length} events ending in hash ${rows.at(-1)!.hash!.slice(0, 16)}`);
      expect(problems[0]!.message).toContain(`holds ${keep.length}`);

      // Rewriting the head to match the cut table does not help: its MAC needs the key.
      await db.updateTable('audit_heads').set({ event_count: keep.length, hash: keep.at(-1)!.hash! }).where('chain', '=', space).execute();
      expect((await server.core.audit.verify()).problems).toEqual([expect.objectContaining({ chain: space, kind: 'head-altered' })]);

      // Nor does deleting the head.
      await db.deleteFrom('audit_heads').where('chain', '=', space).execute();
      expect((await server.core.audit.verify()).problems).toEqual([expect.objectContaining({ chain: space, kind: 'head-missing' })]);
    });
  });

  it('detects a whole chain emptied while its head remains', async () => {
    const db = server.core.db;
    await restoring(async () => {
      await db.deleteFrom('audit_events').where('chain', '=', 'account').execute();
      const { problems } = await server.core.audit.verify();
      expect(problems).toEqual([expect.objectContaining({ chain: 'account', kind: 'truncated', found: { count: 0, hash: '0'.repeat(64) } })]);
      expect(problems[0]!.message).toMatch(/^The account and admin chain is truncated/);
    });
  });

  it('seals the unkeyed events from before the upgrade at start, so they cannot be cut or rewritten after it', async () => {
    const db = server.core.db;
    const { hashAuditRow } = await import('../src/repositories/audit.repository.js');
    await restoring(async () => {
      // Three events as the old code wrote them: one global chain of plain SHA-256 hashes.
      let prev = '0'.repeat(64);
      const legacy = [];
      for (const action of ['auth.login', 'file.upload', 'node.delete']) {
        const fields = {
          at: new Date(Date.UTC(2024, 0, 1)),
          actor_id: null,
          actor_name: 'old',
          ip: null,
          user_agent: null,
          action,
          node_id: null,
          path: `/old/${action}`,
          bytes: null,
          result: 'success',
          detail: null,
          prev_hash: prev,
        };
        prev = hashAuditRow(fields);
        // seq as migration 0007 numbers the rows it finds.
        legacy.push({ ...fields, hash: prev, chain: 'legacy', seq: legacy.length + 1 });
      }
      await db.insertInto('audit_events').values(legacy).execute();
      expect((await server.core.audit.verify()).problems).toEqual([expect.objectContaining({ chain: 'legacy', kind: 'head-missing' })]);
      expect(await server.core.audit.sealLegacy()).toBe(true);
      expect(await server.core.audit.sealLegacy()).toBe(false);
      expect((await server.core.audit.verify()).problems).toEqual([]);

      const newest = await db.selectFrom('audit_events').select('id').where('chain', '=', 'legacy').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      await db.deleteFrom('audit_events').where('id', '=', newest.id).execute();
      const { problems } = await server.core.audit.verify();
      expect(problems).toEqual([expect.objectContaining({ chain: 'legacy', kind: 'truncated', expected: { count: 3, hash: prev } })]);
      expect(problems[0]!.message).toMatch(/^The chain of events from before the upgrade is truncated/);
    });
  });

  it('keeps its key out of the database: in the blob store, or from COFFER_AUDIT_KEY (at least 32 characters)', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const key = fs.readFileSync(path.join(server.dataDir, 'blobs', 'reserved', 'audit-key'), 'utf8');
    expect(key.length).toBeGreaterThanOrEqual(32);
    const settings = await server.core.db.selectFrom('settings').select(['key', 'value']).execute();
    expect(settings.some((r) => r.value.includes(key))).toBe(false);
    const { loadConfig } = await import('../src/config/config.js');
    expect(() => loadConfig({ COFFER_AUDIT_KEY: 'too short' })).toThrow(/COFFER_AUDIT_KEY must be at least 32 characters/);
  });
});
