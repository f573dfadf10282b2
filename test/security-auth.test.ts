import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { DavUser, type DavResult } from './helpers/dav.js';
import { errorMessage } from './helpers/dav-xml.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

// Issue 9, the sign-in cluster: signing a device out revokes its app password on every server at
// once (3); app passwords reach files and sync only (5); failed sign-ins throttle the guesser,
// not the owner (6); suspension revokes for good, reactivation revives nothing (8c).

interface Problem {
  status: number;
  detail: string;
  [k: string]: unknown;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A REST request with the given Authorization (and User-Agent), parsed. */
async function rest(base: string, path: string, authorization: string, init: { method?: string; json?: unknown; body?: string; userAgent?: string } = {}) {
  const headers: Record<string, string> = { authorization };
  if (init.userAgent) headers['user-agent'] = init.userAgent;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  else if (init.body !== undefined) headers['content-type'] = 'text/plain';
  const res = await fetch(`${base}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a file's content): keep the text.
  }
  return { status: res.status, res, body: body as Record<string, unknown> & Problem, text };
}

function propfind(u: DavUser, userAgent: string): Promise<DavResult> {
  return u.request('PROPFIND', '/', { headers: { depth: '0', 'user-agent': userAgent } });
}

interface SessionItem {
  id: string;
  device: string;
}

async function sessionOf(u: DavUser, device: string): Promise<SessionItem> {
  const list = await u.api.json<{ items: SessionItem[] }>('/account/sessions');
  expect(list.status).toBe(200);
  const found = list.body.items.find((s) => s.device === device);
  expect(found, `a session for ${device}`).toBeDefined();
  return found!;
}

describe('signing a device out revokes its app password (issue 9, item 3)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('the same app password is refused from any other client, over WebDAV and REST', async () => {
    const u = await DavUser.create(server.url, 'leaver');
    expect((await propfind(u, 'phone/1.0')).status).toBe(207);
    expect((await propfind(u, 'laptop/1.0')).status).toBe(207);
    expect((await rest(server.url, '/account', u.authorization, { userAgent: 'curl/8' })).status).toBe(200);
    const other = await u.api.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'kept' } });
    const kept = basic('leaver', other.body.password);
    expect((await u.request('PROPFIND', '/', { headers: { depth: '0', 'user-agent': 'desktop/1.0', authorization: kept } })).status).toBe(207);

    const phone = await sessionOf(u, 'phone/1.0');
    expect((await u.api.fetch(`/account/sessions/${phone.id}`, { method: 'DELETE' })).status).toBe(204);

    // What signed the phone in is over, whatever client presents it next.
    const dav = await propfind(u, 'another-client/2.0');
    expect(dav.status).toBe(401);
    expect(dav.headers['www-authenticate']).toMatch(/^Basic /);
    expect(errorMessage(dav.body)).toMatch(/revoked/);
    expect((await propfind(u, 'laptop/1.0')).status).toBe(401);
    expect((await u.request('PUT', '/after.txt', { headers: { 'user-agent': 'phone/1.0' }, body: 'x' })).status).toBe(401);
    const api = await rest(server.url, '/account', u.authorization, { userAgent: 'curl/8' });
    expect(api.status).toBe(401);
    expect(api.body.detail).toMatch(/revoked/);
    expect((await rest(server.url, '/files?path=after.txt&parent_id=root', u.authorization, { method: 'POST', body: 'x' })).status).toBe(401);
    // It is gone from the account's app passwords, and its devices from the list.
    const passwords = await u.api.json<{ items: { name: string }[] }>('/auth/app-passwords');
    expect(passwords.body.items.map((p) => p.name)).toEqual(['kept']);
    const devices = await u.api.json<{ items: SessionItem[] }>('/account/sessions');
    expect(devices.body.items.map((s) => s.device)).toEqual(['desktop/1.0']);
    // Another app password of the account is not touched.
    expect((await u.request('PROPFIND', '/', { headers: { depth: '0', 'user-agent': 'desktop/1.0', authorization: kept } })).status).toBe(207);
  });
});

describe.skipIf(!usingPostgres())('revocation on one server is refused by another on its next request (issue 9, item 3)', () => {
  let s1: TestServer;
  let s2: TestServer;

  beforeAll(async () => {
    s1 = await startTestServer({}, { keepData: true });
    s2 = await startTestServer({ DATABASE_URL: s1.env.DATABASE_URL!, COFFER_DATA_DIR: s1.env.COFFER_DATA_DIR! }, { keepData: true });
  });
  afterAll(async () => {
    await s2?.close();
    await s1?.close();
    await s1?.removeData();
  });

  it('device sign-out, app password revocation and suspension on server 1 are refused by server 2 at once', async () => {
    const one = await DavUser.create(s1.url, 'roamer');
    const two = new DavUser(s2.url, one.username, one.appPassword, one.api);
    // Server 2 has just admitted the password (a cache there would remember it).
    expect((await propfind(two, 'tablet/1.0')).status).toBe(207);
    expect((await rest(s2.url, '/account', one.authorization)).status).toBe(200);
    const tablet = await sessionOf(one, 'tablet/1.0');
    expect((await one.api.fetch(`/account/sessions/${tablet.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await propfind(two, 'tablet/1.0')).status).toBe(401);
    expect((await propfind(two, 'other/1.0')).status).toBe(401);
    expect((await rest(s2.url, '/account', one.authorization)).status).toBe(401);

    // Revoking an app password by id.
    const made = await one.api.json<{ id: string; password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'script' } });
    const script = basic('roamer', made.body.password);
    expect((await rest(s2.url, '/account', script)).status).toBe(200);
    expect((await one.api.fetch(`/auth/app-passwords/${made.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await rest(s2.url, '/account', script)).status).toBe(401);

    // Suspending the account.
    const fresh = await one.api.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'fresh' } });
    const freshAuth = basic('roamer', fresh.body.password);
    expect((await two.request('PROPFIND', '/', { headers: { depth: '0', authorization: freshAuth } })).status).toBe(207);
    const admin = await Api.admin(s1.url);
    const id = (await one.api.json<{ user: { id: string } }>('/account')).body.user.id;
    expect((await admin.json(`/admin/users/${id}/suspend`, { method: 'POST' })).status).toBe(200);
    expect((await two.request('PROPFIND', '/', { headers: { depth: '0', authorization: freshAuth } })).status).toBe(401);
    expect((await rest(s2.url, '/account', freshAuth)).status).toBe(401);
  });
});

describe('app passwords reach files and sync only (issue 9, item 5)', () => {
  let server: TestServer;
  let admin: Api;
  let adminAppPassword: string;
  let frank: DavUser;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    const made = await admin.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'admin script' } });
    expect(made.status).toBe(201);
    adminAppPassword = basic('admin', made.body.password);
    frank = await DavUser.create(server.url, 'frank');
  });
  afterAll(async () => server?.close());

  function expectInteractiveOnly(r: { status: number; res: Response; body: Problem }, what: string) {
    expect(r.status, what).toBe(403);
    expect(r.res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
    expect(r.body.detail, what).toMatch(/app password cannot do this/i);
    expect(r.body.detail, what).toMatch(/sign in with your account password/i);
  }

  it('cannot manage credentials or account security', async () => {
    const auth = frank.authorization;
    const base = server.url;
    const mine = await frank.api.json<{ items: { id: string }[] }>('/auth/app-passwords');
    const ownId = mine.body.items[0]!.id;
    expect((await propfind(frank, 'sync/1.0')).status).toBe(207);
    const session = await sessionOf(frank, 'sync/1.0');

    expectInteractiveOnly(await rest(base, '/auth/app-passwords', auth, { method: 'POST', json: { name: 'escalated' } }), 'create an app password');
    expectInteractiveOnly(await rest(base, '/auth/app-passwords', auth), 'list app passwords');
    expectInteractiveOnly(await rest(base, `/auth/app-passwords/${ownId}`, auth, { method: 'DELETE' }), 'revoke an app password');
    expectInteractiveOnly(
      await rest(base, '/account/password', auth, { method: 'POST', json: { current_password: 'frank-password-123', new_password: 'taken-over-123' } }),
      'change the password',
    );
    expectInteractiveOnly(await rest(base, '/account', auth, { method: 'PATCH', json: { email: 'attacker@example.org' } }), 'change the email');
    expectInteractiveOnly(await rest(base, '/account/sessions', auth), 'list devices');
    expectInteractiveOnly(await rest(base, `/account/sessions/${session.id}`, auth, { method: 'DELETE' }), 'sign a device out');
    expectInteractiveOnly(await rest(base, '/auth/logout-all', auth, { method: 'POST' }), 'sign out everywhere');

    // Nothing was changed: one app password, same email, the password still signs in.
    expect((await frank.api.json<{ items: unknown[] }>('/auth/app-passwords')).body.items).toHaveLength(1);
    expect((await frank.api.json<{ user: { email: string | null } }>('/account')).body.user.email).toBeNull();
    expect((await Api.login(base, 'frank', 'frank-password-123')).token).toBeTruthy();
    // The same calls with an interactive sign-in work.
    expect((await frank.api.json('/auth/app-passwords', { method: 'POST', json: { name: 'second' } })).status).toBe(201);
    expect((await frank.api.json('/account/sessions')).status).toBe(200);
  });

  it("an admin's app password cannot administer: create users, reset passwords, change roles, read the audit log", async () => {
    const base = server.url;
    const auth = adminAppPassword;
    const victim = await admin.createUser('grace', 'grace-password-1');
    expectInteractiveOnly(await rest(base, '/admin/users', auth, { method: 'POST', json: { username: 'intruder', password: 'intruder-password', role: 'admin' } }), 'create a user');
    expectInteractiveOnly(await rest(base, `/admin/users/${victim.id}`, auth, { method: 'PATCH', json: { password: 'reset-by-script' } }), 'reset a password');
    expectInteractiveOnly(await rest(base, `/admin/users/${victim.id}`, auth, { method: 'PATCH', json: { role: 'admin' } }), 'change a role');
    expectInteractiveOnly(await rest(base, `/admin/users/${victim.id}/suspend`, auth, { method: 'POST' }), 'suspend');
    expectInteractiveOnly(await rest(base, '/admin/users', auth), 'list users');
    expectInteractiveOnly(await rest(base, '/admin/audit', auth), 'query the audit log');
    expectInteractiveOnly(await rest(base, '/admin/audit/export', auth), 'export the audit log');
    expectInteractiveOnly(await rest(base, '/admin/storage', auth), 'storage overview');

    // Nothing happened.
    expect((await admin.json<{ total: number }>('/admin/users?search=intruder')).body.total).toBe(0);
    const grace = await admin.json<{ role: string; status: string }>(`/admin/users/${victim.id}`);
    expect(grace.body).toMatchObject({ role: 'user', status: 'active' });
    expect((await Api.login(base, 'grace', 'grace-password-1')).token).toBeTruthy();
    // The admin's interactive sign-in still administers.
    expect((await admin.json(`/admin/users/${victim.id}`, { method: 'PATCH', json: { role: 'admin' } })).status).toBe(200);
    expect((await admin.fetch('/admin/audit/export')).status).toBe(200);
  });

  it('still uploads, lists and downloads over REST and WebDAV, and reads its own account', async () => {
    const base = server.url;
    for (const [who, auth] of [
      ['frank', frank.authorization],
      ['admin', adminAppPassword],
    ] as const) {
      const up = await rest(base, `/files?path=${who}-sync.txt&parent_id=root`, auth, { method: 'POST', body: `from ${who}` });
      expect(up.status, who).toBe(201);
      const id = up.body.id as string;
      const listing = await rest(base, '/folders/root/children', auth);
      expect(listing.status, who).toBe(200);
      expect(JSON.stringify(listing.body)).toContain(`${who}-sync.txt`);
      const content = await rest(base, `/files/${id}/content`, auth);
      expect(content.status, who).toBe(200);
      expect(content.text).toBe(`from ${who}`);
      expect((await rest(base, `/files/${id}/content`, auth, { method: 'HEAD' })).status, who).toBe(200);
      expect((await rest(base, `/resolve?path=/${who}-sync.txt`, auth)).status, who).toBe(200);
      expect((await rest(base, `/files/${id}`, auth, { method: 'DELETE' })).status, who).toBeLessThan(300);
      expect((await rest(base, '/trash', auth)).status, who).toBe(200);
      expect((await rest(base, '/account', auth)).status, who).toBe(200);
      expect((await rest(base, '/account/quota', auth)).status, who).toBe(200);
    }
    expect((await frank.request('PUT', '/dav-file.txt', { body: 'over dav' })).status).toBe(201);
    expect((await frank.request('PROPFIND', '/', { headers: { depth: '1' } })).status).toBe(207);
    expect((await frank.request('GET', '/dav-file.txt')).body).toBe('over dav');
  });
});

describe('failed sign-ins throttle the guesser, not the owner (issue 9, item 6)', () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer({
      // Lets the test speak from several client addresses through X-Forwarded-For.
      COFFER_TRUST_PROXY: 'true',
      COFFER_LOGIN_RATE_PER_IP: '1000',
      COFFER_LOGIN_FAILURES_PER_IP: '12',
    });
    base = server.url;
    const admin = await Api.admin(base);
    for (const name of ['owner', 'target', 'sprayed', 'bursty']) await admin.createUser(name, `${name}-password-1`);
  });
  afterAll(async () => server?.close());

  async function login(username: string, password: string, ip: string) {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ username, password }),
    });
    const body = (await res.json()) as Problem;
    return { status: res.status, body, retryAfter: Number(res.headers.get('retry-after') ?? NaN), type: res.headers.get('content-type') };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('20 wrong passwords from one address: the owner still signs in from another, the guesser waits longer each time', async () => {
    const A = '198.51.100.1';
    let attempts = 0;
    const wrong = async () => {
      attempts++;
      return login('owner', `guess-${attempts}`, A);
    };
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(401);
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const refused = await wrong();
      expect(refused.status).toBe(429);
      expect(refused.type).toMatch(/^application\/problem\+json/);
      expect(refused.body.detail).toMatch(/address/);
      waits.push(refused.retryAfter);
      if (round < 2) {
        await sleep(refused.retryAfter * 1000 + 150);
        expect((await wrong()).status).toBe(401);
      }
    }
    expect(waits[0]).toBe(1);
    expect(waits[1]).toBeGreaterThan(waits[0]!);
    expect(waits[2]).toBeGreaterThan(waits[1]!);
    while (attempts < 20) expect((await wrong()).status).toBe(429);

    // The owner, from an address that has not been guessing, signs in.
    expect((await login('owner', 'owner-password-1', '203.0.113.7')).status).toBe(200);
    // The guessing address is not even checked, right password or not.
    expect((await login('owner', 'owner-password-1', A)).status).toBe(429);
  });

  it('a distributed guesser is slowed on each address, and the owner is not locked out', async () => {
    for (const ip of ['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14']) {
      for (let i = 0; i < 5; i++) expect((await login('target', `wrong-${ip}-${i}`, ip)).status).toBe(401);
      const refused = await login('target', 'wrong-again', ip);
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    }
    // Twenty failures on the account in all: its owner still signs in.
    expect((await login('target', 'target-password-1', '192.0.2.99')).status).toBe(200);
  });

  it('one address guessing across many accounts is slowed for all of them', async () => {
    const ip = '192.0.2.50';
    for (let i = 0; i < 12; i++) expect((await login(`nobody-${i}`, 'password-guess', ip)).status).toBe(401);
    const refused = await login('sprayed', 'sprayed-password-1', ip);
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/from your address/);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect((await login('sprayed', 'sprayed-password-1', '192.0.2.51')).status).toBe(200);
  });

  it('a burst of parallel guesses gets no more checks than the free failures', async () => {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => login('bursty', `burst-${i}`, '192.0.2.77')));
    const elapsed = Date.now() - started;
    const checked = results.filter((r) => r.status === 401).length;
    // After the five free failures the next check waits 1 s, the one after 2 s more: a burst slowed
    // down by a loaded machine may legitimately earn those, and no more.
    const earned = (elapsed >= 1000 ? 1 : 0) + (elapsed >= 3000 ? 1 : 0);
    expect(checked).toBeLessThanOrEqual(5 + earned);
    expect(results.filter((r) => r.status === 429).length).toBe(15 - checked);
  });

  it('a correct password forgives the address its earlier mistakes', async () => {
    const ip = '192.0.2.88';
    for (let i = 0; i < 4; i++) expect((await login('owner', `typo-${i}`, ip)).status).toBe(401);
    expect((await login('owner', 'owner-password-1', ip)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login('owner', `typo-again-${i}`, ip)).status).toBe(401);
    expect((await login('owner', 'owner-password-1', ip)).status).toBe(200);
  });
});

describe('suspension revokes for good; reactivation revives nothing (issue 9, item 8)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('after suspend and reactivate, old app passwords, devices and refresh tokens stay dead; new ones work', async () => {
    const u = await DavUser.create(server.url, 'sally');
    expect((await propfind(u, 'phone/1.0')).status).toBe(207);
    const signIn = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'sally', password: 'sally-password-123' }),
    });
    const { refresh_token: refreshToken } = (await signIn.json()) as { refresh_token: string };
    const admin = await Api.admin(server.url);
    const id = (await u.api.json<{ user: { id: string } }>('/account')).body.user.id;

    expect((await admin.json(`/admin/users/${id}/suspend`, { method: 'POST' })).status).toBe(200);
    expect((await propfind(u, 'phone/1.0')).status).toBe(401);
    expect((await admin.json(`/admin/users/${id}/reactivate`, { method: 'POST' })).status).toBe(200);

    const dav = await propfind(u, 'phone/1.0');
    expect(dav.status).toBe(401);
    expect(errorMessage(dav.body)).toMatch(/revoked/);
    expect((await rest(server.url, '/account', u.authorization)).status).toBe(401);
    const refreshed = await fetch(`${server.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    expect(refreshed.status).toBe(401);

    // The user signs in again: no app passwords, no devices; a new app password works.
    const again = await Api.login(server.url, 'sally', 'sally-password-123');
    expect((await again.json<{ items: unknown[] }>('/auth/app-passwords')).body.items).toEqual([]);
    expect((await again.json<{ items: unknown[] }>('/account/sessions')).body.items).toEqual([]);
    const made = await again.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'new phone' } });
    const renewed = new DavUser(server.url, 'sally', made.body.password, again);
    expect((await propfind(renewed, 'phone/1.0')).status).toBe(207);
  });
});
