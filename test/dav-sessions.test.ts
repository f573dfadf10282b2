import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { errorMessage, multistatus } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// COFFER_MAX_PROTOCOL_SESSIONS: at most N devices (app password + client) per user over WebDAV,
// and GET/DELETE /api/v1/account/sessions to see and sign out devices.

interface SessionItem {
  id: string;
  device: string;
  app_password_id: string | null;
  app_password_name: string | null;
  active: boolean;
}

function propfindAs(u: DavUser, userAgent: string | null, auth?: string): Promise<DavResult> {
  const headers: Record<string, string> = { depth: '0' };
  if (userAgent !== null) headers['user-agent'] = userAgent;
  if (auth) headers.authorization = auth;
  return u.request('PROPFIND', '/', { headers });
}

async function expectAdmitted(res: DavResult, what: string) {
  expect(res.status, `${what}: ${res.body}`).toBe(207);
  expect(multistatus(res.body).map((r) => r.href)).toEqual(['/dav/']);
}

function expectTooMany(res: DavResult, what: string) {
  expect(res.status, what).toBe(403);
  expect(res.body).not.toMatch(/multistatus/);
  const message = errorMessage(res.body);
  expect(message).toMatch(/5 devices/);
  expect(message).toMatch(/sign one out/i);
}

describe('WebDAV protocol sessions (default limit 5)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('the sixth distinct client of one app password is refused with a clear 403; known ones go on', async () => {
    const u = await DavUser.create(server.url, 'devices');
    for (let i = 1; i <= 5; i++) await expectAdmitted(await propfindAs(u, `client-${i}/1.0`), `client ${i}`);
    expectTooMany(await propfindAs(u, 'client-6/1.0'), 'client 6');
    // The refusal happens before anything is done: a PUT from it stores nothing.
    const put = await u.request('PUT', '/from-sixth.txt', { headers: { 'user-agent': 'client-6/1.0' }, body: 'x' });
    expect(put.status).toBe(403);
    expect((await u.request('GET', '/from-sixth.txt', { headers: { 'user-agent': 'client-1/1.0' } })).status).toBe(404);
    // No User-Agent at all is one more device.
    expectTooMany(await propfindAs(u, null), 'no user agent');
    // The same devices again are fine, any number of times.
    for (let i = 1; i <= 5; i++) await expectAdmitted(await propfindAs(u, `client-${i}/1.0`), `client ${i} again`);
    // OPTIONS needs no session (Windows probes unauthenticated).
    const options = await u.request('OPTIONS', '/', { auth: false, headers: { 'user-agent': 'client-7/1.0' } });
    expect(options.status).toBe(200);
    // Another user's devices are counted apart.
    const other = await DavUser.create(server.url, 'otherdevices');
    await expectAdmitted(await propfindAs(other, 'client-6/1.0'), 'another user');
  });

  it('the sixth app password (same client) is refused too', async () => {
    const u = await DavUser.create(server.url, 'keys');
    const basics = [u.authorization];
    for (let i = 2; i <= 6; i++) {
      const res = await u.api.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: `device ${i}` } });
      expect(res.status).toBe(201);
      basics.push(`Basic ${Buffer.from(`keys:${res.body.password}`).toString('base64')}`);
    }
    for (let i = 0; i < 5; i++) await expectAdmitted(await propfindAs(u, 'SameClient/1.0', basics[i]), `password ${i + 1}`);
    expectTooMany(await propfindAs(u, 'SameClient/1.0', basics[5]), 'password 6');
    await expectAdmitted(await propfindAs(u, 'SameClient/1.0', basics[0]), 'password 1 again');
  });

  it('the last free slot taken by a client opening several connections at once admits all of them', async () => {
    const u = await DavUser.create(server.url, 'parallel');
    for (let i = 1; i <= 4; i++) await expectAdmitted(await propfindAs(u, `client-${i}/1.0`), `client ${i}`);
    // A sync client's first requests arrive together on 8 connections, before its session exists.
    const first = await Promise.all(Array.from({ length: 8 }, () => propfindAs(u, 'parallel-sync/2.0')));
    for (const [i, res] of first.entries()) await expectAdmitted(res, `connection ${i + 1}`);
    const list = await u.api.json<{ items: SessionItem[] }>('/account/sessions');
    expect(list.body.items.filter((s) => s.device === 'parallel-sync/2.0')).toHaveLength(1);
    // The slot is taken: two new clients racing for nothing both get the 403.
    for (const res of await Promise.all([propfindAs(u, 'late-a'), propfindAs(u, 'late-b')])) expectTooMany(res, 'late client');
  });

  it('a failed sign-in opens no session', async () => {
    const u = await DavUser.create(server.url, 'failing');
    const wrong = `Basic ${Buffer.from('failing:not-the-password').toString('base64')}`;
    for (let i = 0; i < 8; i++) expect((await propfindAs(u, `bad-${i}`, wrong)).status).toBe(401);
    for (let i = 1; i <= 5; i++) await expectAdmitted(await propfindAs(u, `good-${i}`), `good ${i}`);
  });

  it('GET /account/sessions lists the devices; DELETE signs one out, revoking its app password, and frees its slot', async () => {
    const u = await DavUser.create(server.url, 'signout');
    // Each phone has its own app password, as the web app suggests (one per device).
    const basics = new Map<string, string>([['phone-1', u.authorization]]);
    const makePassword = async (device: string) => {
      const res = await u.api.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: `for ${device}` } });
      expect(res.status).toBe(201);
      basics.set(device, `Basic ${Buffer.from(`signout:${res.body.password}`).toString('base64')}`);
    };
    for (const device of ['phone-2', 'phone-3', 'phone-4', 'phone-5', 'laptop']) await makePassword(device);
    const as = (device: string, credentialsOf = device) => propfindAs(u, device, basics.get(credentialsOf));
    for (let i = 1; i <= 5; i++) await expectAdmitted(await as(`phone-${i}`), `phone ${i}`);
    expectTooMany(await as('laptop'), 'laptop');

    const list = await u.api.json<{ items: SessionItem[]; limit: number }>('/account/sessions');
    expect(list.status).toBe(200);
    expect(list.body.limit).toBe(5);
    expect(list.body.items.map((s) => s.device).sort()).toEqual(['phone-1', 'phone-2', 'phone-3', 'phone-4', 'phone-5']);
    expect(list.body.items.every((s) => s.active)).toBe(true);
    expect(list.body.items.find((s) => s.device === 'phone-1')!.app_password_name).toBe('dav signout');
    expect(list.body.items.find((s) => s.device === 'phone-2')!.app_password_name).toBe('for phone-2');

    // Another user cannot end this user's session.
    const stranger = await DavUser.create(server.url, 'stranger');
    const target = list.body.items.find((s) => s.device === 'phone-2')!;
    expect((await stranger.api.fetch(`/account/sessions/${target.id}`, { method: 'DELETE' })).status).toBe(404);
    await expectAdmitted(await as('phone-2'), 'phone 2 before sign-out');

    expect((await u.api.fetch(`/account/sessions/${target.id}`, { method: 'DELETE' })).status).toBe(204);
    const signedOut = await as('phone-2');
    expect(signedOut.status).toBe(401);
    expect(signedOut.headers['www-authenticate']).toMatch(/^Basic /);
    expect(errorMessage(signedOut.body)).toMatch(/revoked/);
    // Every method, and from any client: what signed the phone in is revoked.
    expect((await u.request('PUT', '/x.txt', { headers: { 'user-agent': 'phone-2', authorization: basics.get('phone-2')! }, body: 'x' })).status).toBe(401);
    expect((await as('another-client', 'phone-2')).status).toBe(401);
    expect((await u.request('GET', '/x.txt', { headers: { 'user-agent': 'phone-1' } })).status).toBe(404);
    expect((await u.api.json<{ items: { name: string }[] }>('/auth/app-passwords')).body.items.map((p) => p.name)).not.toContain('for phone-2');
    // The others stay signed in, and the freed slot lets the waiting device in.
    await expectAdmitted(await as('phone-1'), 'phone 1 after');
    await expectAdmitted(await as('laptop'), 'laptop after');
    expectTooMany(await as('tablet', 'phone-1'), 'tablet');
    expect((await as('phone-2')).status).toBe(401);

    const after = await u.api.json<{ items: SessionItem[] }>('/account/sessions');
    expect(after.body.items.map((s) => s.device).sort()).toEqual(['laptop', 'phone-1', 'phone-3', 'phone-4', 'phone-5']);
    // Ending it twice is a 404.
    expect((await u.api.fetch(`/account/sessions/${target.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});
