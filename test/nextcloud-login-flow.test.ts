import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * Nextcloud's login flows, spoken as its clients speak them. The requests of login flow v2 are
 * those of the Nextcloud desktop client (src/gui/creds/flow2auth.cpp):
 *  - Flow2Auth::fetchNewToken: `POST <server>/index.php/login/v2`, no credentials, a
 *    `Content-Length: 0` header and `User-Agent: Utility::friendlyUserAgentString()`
 *    ("<host> (Desktop Client - <OS>)"); it reads poll.token, poll.endpoint and login.
 *  - Flow2Auth::slotPollTimerTimeout: `POST <poll.endpoint>` with
 *    `Content-Type: application/x-www-form-urlencoded` and the body `token=<poll token>`; a 404
 *    means "not yet" (any other error is shown), a JSON with server, loginName and appPassword ends it.
 * The older flow is the one of Nextcloud's "Login Flow" page: a web view opens
 * `<server>/index.php/login/flow` with `OCS-APIREQUEST: true` and catches the final
 * `nc://login/server:<server>&user:<login>&password:<password>`.
 */

const DESKTOP_AGENT = 'workstation-7 (Desktop Client - Linux)';

interface Started {
  poll: { token: string; endpoint: string };
  login: string;
}

let server: TestServer;
let admin: Api;
let alice: Api;
let bob: Api;

beforeAll(async () => {
  server = await startTestServer();
  admin = await Api.admin(server.url);
  alice = (await admin.createUser('alice', 'alice-password-123')).api;
  bob = (await admin.createUser('bob', 'bob-password-123')).api;
});

afterAll(async () => {
  await server?.close();
});

/** Flow2Auth::fetchNewToken. */
async function startFlow(agent = DESKTOP_AGENT): Promise<Started> {
  const res = await fetch(`${server.url}/index.php/login/v2`, { method: 'POST', headers: { 'content-length': '0', 'user-agent': agent } });
  expect(res.status).toBe(200);
  return (await res.json()) as Started;
}

/** Flow2Auth::slotPollTimerTimeout. */
async function poll(endpoint: string, token: string): Promise<{ status: number; body: Record<string, string> | null }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': DESKTOP_AGENT },
    body: new URLSearchParams({ token }).toString(),
  });
  const text = await res.text();
  return { status: res.status, body: res.status === 200 ? (JSON.parse(text) as Record<string, string>) : null };
}

/** The token in the address the person opens, /login/v2/flow/<token>. */
function loginToken(started: Started): string {
  const url = new URL(started.login);
  const m = /^\/login\/v2\/flow\/([^/]+)$/.exec(url.pathname);
  if (!m) throw new Error(`unexpected login URL ${started.login}`);
  return m[1]!;
}

function propfindOwnRoot(username: string, password: string) {
  return fetch(`${server.url}/remote.php/dav/files/${username}/`, {
    method: 'PROPFIND',
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, depth: '0', 'user-agent': DESKTOP_AGENT },
  });
}

describe('login flow v2, as the Nextcloud desktop client runs it', () => {
  it('starts without credentials, waits for the grant, hands the app password over once, and the password works for WebDAV', async () => {
    const started = await startFlow();
    expect(started.poll.endpoint).toBe(`${server.url}/index.php/login/v2/poll`);
    expect(started.login.startsWith(`${server.url}/login/v2/flow/`)).toBe(true);
    expect(started.poll.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The login token in the browser's address is not the poll token the device keeps.
    expect(loginToken(started)).not.toBe(started.poll.token);

    // Before the grant: 404, which the client takes as "poll again".
    expect((await poll(started.poll.endpoint, started.poll.token)).status).toBe(404);

    // The person, signed in, sees which device asks.
    const shown = await alice.json<{ kind: string; client_name: string; client_ip: string; server: string; expires_at: string }>(`/login-flows/${loginToken(started)}`);
    expect(shown.status).toBe(200);
    expect(shown.body.kind).toBe('poll');
    expect(shown.body.client_ip).toBe('127.0.0.1');
    expect(shown.body.client_name).toBe(DESKTOP_AGENT);
    expect(shown.body.server).toBe(server.url);
    const minutesLeft = (Date.parse(shown.body.expires_at) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(15);
    expect(minutesLeft).toBeLessThanOrEqual(20);

    const granted = await alice.json<{ app_password: { id: string; name: string }; redirect_url: string | null }>(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' });
    expect(granted.status).toBe(200);
    expect(granted.body.app_password.name).toBe(DESKTOP_AGENT);
    expect(granted.body.redirect_url).toBeNull();
    expect(JSON.stringify(granted.body)).not.toMatch(/password":"[^"]{20,}/);

    const collected = await poll(started.poll.endpoint, started.poll.token);
    expect(collected.status).toBe(200);
    expect(collected.body).toEqual({ server: server.url, loginName: 'alice', appPassword: expect.stringMatching(/^[A-Za-z0-9-]{29}$/) as unknown });
    // Once only.
    expect((await poll(started.poll.endpoint, started.poll.token)).status).toBe(404);

    const password = collected.body!.appPassword!;
    const propfind = await propfindOwnRoot('alice', password);
    expect(propfind.status).toBe(207);

    // Named after the device among the person's app passwords, and the device among the devices.
    const passwords = await alice.json<{ items: { id: string; name: string }[] }>('/auth/app-passwords');
    expect(passwords.body.items).toContainEqual(expect.objectContaining({ id: granted.body.app_password.id, name: DESKTOP_AGENT }));
    const sessions = await alice.json<{ items: { id: string; device: string; app_password_id: string }[] }>('/account/sessions');
    const device = sessions.body.items.find((s) => s.app_password_id === granted.body.app_password.id);
    expect(device?.device).toBe(DESKTOP_AGENT);

    // Revoked from the Devices list: the device is out at once.
    expect((await alice.fetch(`/account/sessions/${device!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await propfindOwnRoot('alice', password)).status).toBe(401);
  });

  it('grants a flow once: a second grant, by anyone, and a refusal after it find nothing', async () => {
    const started = await startFlow();
    const token = loginToken(started);
    expect((await alice.fetch(`/login-flows/${token}/grant`, { method: 'POST' })).status).toBe(200);
    const again = await bob.json<{ detail: string }>(`/login-flows/${token}/grant`, { method: 'POST' });
    expect(again.status).toBe(404);
    expect(again.body.detail).toMatch(/already answered, or has expired/);
    expect((await alice.fetch(`/login-flows/${token}/refuse`, { method: 'POST' })).status).toBe(404);
    expect((await alice.fetch(`/login-flows/${token}`)).status).toBe(404);
    const collected = await poll(started.poll.endpoint, started.poll.token);
    expect(collected.body?.loginName).toBe('alice');
  });

  it('lets the granting person in, as themselves only: the password is theirs and reaches only their files', async () => {
    const started = await startFlow();
    const granted = await bob.json<{ app_password: { id: string } }>(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' });
    expect(granted.status).toBe(200);
    const collected = await poll(started.poll.endpoint, started.poll.token);
    expect(collected.body?.loginName).toBe('bob');
    const password = collected.body!.appPassword!;
    expect((await propfindOwnRoot('bob', password)).status).toBe(207);
    // Not alice's, whether named as alice or reaching into her files as bob.
    expect((await propfindOwnRoot('alice', password)).status).toBe(401);
    const intoAlice = await fetch(`${server.url}/remote.php/dav/files/alice/`, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`bob:${password}`).toString('base64')}`, depth: '0' },
    });
    expect(intoAlice.status).toBe(403);
    const ids = async (api: Api) => (await api.json<{ items: { id: string }[] }>('/auth/app-passwords')).body.items.map((p) => p.id);
    expect(await ids(bob)).toContain(granted.body.app_password.id);
    expect(await ids(alice)).not.toContain(granted.body.app_password.id);
  });

  it('ends a refused flow: the device polls 404 and the grant is gone', async () => {
    const started = await startFlow();
    const token = loginToken(started);
    expect((await alice.fetch(`/login-flows/${token}/refuse`, { method: 'POST' })).status).toBe(204);
    expect((await poll(started.poll.endpoint, started.poll.token)).status).toBe(404);
    expect((await alice.fetch(`/login-flows/${token}/grant`, { method: 'POST' })).status).toBe(404);
    const before = await alice.json<{ items: unknown[] }>('/auth/app-passwords');
    expect((await alice.fetch(`/login-flows/${token}/grant`, { method: 'POST' })).status).toBe(404);
    const after = await alice.json<{ items: unknown[] }>('/auth/app-passwords');
    expect(after.body.items.length).toBe(before.body.items.length);
    const audit = await admin.json<{ items: { action: string; actor_name: string; detail: { client: string } }[] }>('/admin/audit?action=login-flow.refuse');
    expect(audit.body.items[0]).toMatchObject({ actor_name: 'alice', detail: { client: DESKTOP_AGENT } });
  });

  it('keeps the tokens apart: the login token cannot poll, the poll token cannot grant', async () => {
    const started = await startFlow();
    expect((await alice.fetch(`/login-flows/${started.poll.token}/grant`, { method: 'POST' })).status).toBe(404);
    expect((await alice.fetch(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' })).status).toBe(200);
    expect((await poll(started.poll.endpoint, loginToken(started))).status).toBe(404);
    expect((await poll(started.poll.endpoint, started.poll.token)).status).toBe(200);
  });

  it('hands the password to exactly one of several polls arriving at once', async () => {
    const started = await startFlow();
    expect((await alice.fetch(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 6 }, () => poll(started.poll.endpoint, started.poll.token)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404, 404, 404, 404]);
  });

  it('stores the tokens and the password to come hashed or sealed, never as they are', async () => {
    const started = await startFlow();
    const rows = await server.core.db.selectFrom('login_flows').selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(started.poll.token);
    expect(dump).not.toContain(loginToken(started));
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(rows.some((r) => r.poll_token_hash === sha(started.poll.token) && r.login_token_hash === sha(loginToken(started)))).toBe(true);
    expect((await alice.fetch(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' })).status).toBe(200);
    const granted = await server.core.db.selectFrom('login_flows').selectAll().where('poll_token_hash', '=', sha(started.poll.token)).executeTakeFirstOrThrow();
    const collected = await poll(started.poll.endpoint, started.poll.token);
    expect(JSON.stringify(granted)).not.toContain(collected.body!.appPassword!);
    // Collected: nothing of it is left.
    expect(await server.core.db.selectFrom('login_flows').select('id').where('id', '=', granted.id).executeTakeFirst()).toBeUndefined();
  });

  it('expires a flow: after its 20 minutes it cannot be shown, granted or polled', async () => {
    const started = await startFlow();
    const sha = createHash('sha256').update(started.poll.token).digest('hex');
    // Twenty minutes pass (the deadline is moved, not waited for).
    await server.core.db.updateTable('login_flows').set({ expires_at: new Date(Date.now() - 1000) }).where('poll_token_hash', '=', sha).execute();
    const shown = await alice.json<{ detail: string }>(`/login-flows/${loginToken(started)}`);
    expect(shown.status).toBe(404);
    expect(shown.body.detail).toMatch(/start the sign-in again on your device/);
    expect((await alice.fetch(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' })).status).toBe(404);
    expect((await poll(started.poll.endpoint, started.poll.token)).status).toBe(404);
  });

  it('revokes a granted password nobody collected once its flow expires', async () => {
    const started = await startFlow('forgotten-laptop (Desktop Client - Linux)');
    const granted = await alice.json<{ app_password: { id: string } }>(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' });
    expect(granted.status).toBe(200);
    const listed = async () => (await alice.json<{ items: { id: string }[] }>('/auth/app-passwords')).body.items.some((p) => p.id === granted.body.app_password.id);
    expect(await listed()).toBe(true);
    const sha = createHash('sha256').update(started.poll.token).digest('hex');
    await server.core.db.updateTable('login_flows').set({ expires_at: new Date(Date.now() - 1000) }).where('poll_token_hash', '=', sha).execute();
    // Expired flows are swept when the next flow starts.
    await startFlow();
    expect(await listed()).toBe(false);
    expect((await poll(started.poll.endpoint, started.poll.token)).status).toBe(404);
    const audit = await admin.json<{ items: { detail: { id: string; reason: string } }[] }>('/admin/audit?action=app-password.revoke');
    expect(audit.body.items).toContainEqual(expect.objectContaining({ detail: expect.objectContaining({ id: granted.body.app_password.id, reason: 'login-flow-not-collected' }) as unknown }));
  });

  it('lets only a person signed in grant: no credentials get 401, an app password or another device gets 403', async () => {
    const started = await startFlow();
    const token = loginToken(started);
    const anonymous = await fetch(`${server.url}/api/v1/login-flows/${token}/grant`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const dav = await DavUser.create(server.url, 'carol');
    const withAppPassword = await fetch(`${server.url}/api/v1/login-flows/${token}/grant`, { method: 'POST', headers: { authorization: dav.authorization } });
    expect(withAppPassword.status).toBe(403);
    // Still waiting for a person.
    expect((await alice.fetch(`/login-flows/${token}`)).status).toBe(200);
  });

  it('audits the grant (as the creation of an app password) and the collection, with the device and its address', async () => {
    const started = await startFlow();
    const granted = await alice.json<{ app_password: { id: string } }>(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' });
    await poll(started.poll.endpoint, started.poll.token);
    const created = await admin.json<{ items: { actor_name: string; detail: Record<string, unknown> }[] }>('/admin/audit?action=app-password.create');
    expect(created.body.items).toContainEqual(
      expect.objectContaining({ actor_name: 'alice', detail: expect.objectContaining({ id: granted.body.app_password.id, via: 'login-flow', client: DESKTOP_AGENT }) as unknown }),
    );
    const collected = await admin.json<{ items: { actor_name: string; user_agent: string; detail: Record<string, unknown> }[] }>('/admin/audit?action=login-flow.collect');
    expect(collected.body.items).toContainEqual(expect.objectContaining({ actor_name: 'alice', user_agent: DESKTOP_AGENT, detail: expect.objectContaining({ app_password: granted.body.app_password.id }) as unknown }));
  });

  it("sends a browser at Nextcloud's own page address to Coffer's, keeping the query", async () => {
    const res = await fetch(`${server.url}/index.php/login/v2/flow/abc123?user=alice`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login/v2/flow/abc123?user=alice');
  });

  it('answers a poll without a token with 400 and a way forward', async () => {
    const res = await fetch(`${server.url}/index.php/login/v2/poll`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/token=/);
  });
});

describe('an app removing its account revokes its own app password', () => {
  it('answers DELETE /ocs/v2.php/core/apppassword as the desktop client sends it (Account::deleteAppToken: no OCS-APIRequest header)', async () => {
    const started = await startFlow();
    const granted = await alice.json<{ app_password: { id: string } }>(`/login-flows/${loginToken(started)}/grant`, { method: 'POST' });
    const password = (await poll(started.poll.endpoint, started.poll.token)).body!.appPassword!;
    expect((await propfindOwnRoot('alice', password)).status).toBe(207);

    // DeleteJob through the client's AccessManager: its User-Agent and Accept: */*, nothing else.
    const res = await fetch(`${server.url}/ocs/v2.php/core/apppassword`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`, 'user-agent': DESKTOP_AGENT, accept: '*/*' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<statuscode>200</statuscode>');

    expect((await propfindOwnRoot('alice', password)).status).toBe(401);
    const listed = await alice.json<{ items: { id: string }[] }>('/auth/app-passwords');
    expect(listed.body.items.map((p) => p.id)).not.toContain(granted.body.app_password.id);
    const audit = await admin.json<{ items: { actor_name: string; detail: { id: string } }[] }>('/admin/audit?action=app-password.revoke');
    expect(audit.body.items).toContainEqual(expect.objectContaining({ actor_name: 'alice', detail: expect.objectContaining({ id: granted.body.app_password.id }) as unknown }));
  });

  it('refuses it to a web session (it has no app password to delete) and to no credentials', async () => {
    const withToken = await fetch(`${server.url}/ocs/v2.php/core/apppassword?format=json`, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}` } });
    expect(withToken.status).toBe(403);
    expect(((await withToken.json()) as { ocs: { meta: { message: string } } }).ocs.meta.message).toMatch(/Only an app password can delete itself/);
    const anonymous = await fetch(`${server.url}/ocs/v2.php/core/apppassword`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
  });
});

describe('the older login flow (web view, nc:// redirect)', () => {
  it('leads the web view to the grant page, and the grant hands the app its credentials in nc://login/…', async () => {
    const agent = 'Mozilla/5.0 (iOS) Nextcloud-iOS/4.9.0';
    const res = await fetch(`${server.url}/index.php/login/flow`, { headers: { 'ocs-apirequest': 'true', 'user-agent': agent }, redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    const m = /^\/login\/flow\/([A-Za-z0-9_-]+)$/.exec(location);
    expect(m).not.toBeNull();
    const token = m![1]!;
    const shown = await alice.json<{ kind: string; client_name: string }>(`/login-flows/${token}`);
    expect(shown.body).toMatchObject({ kind: 'redirect', client_name: agent });
    const granted = await alice.json<{ redirect_url: string }>(`/login-flows/${token}/grant`, { method: 'POST' });
    expect(granted.status).toBe(200);
    const redirect = /^nc:\/\/login\/server:(.+)&user:(.+)&password:(.+)$/.exec(granted.body.redirect_url);
    expect(redirect?.[1]).toBe(server.url);
    expect(decodeURIComponent(redirect![2]!)).toBe('alice');
    expect((await propfindOwnRoot('alice', decodeURIComponent(redirect![3]!))).status).toBe(207);
    expect((await alice.fetch(`/login-flows/${token}/grant`, { method: 'POST' })).status).toBe(404);
  });

  it('is refused to a browser that does not say it is a Nextcloud app', async () => {
    const res = await fetch(`${server.url}/index.php/login/flow`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/OCS-APIREQUEST/);
  });
});

describe.skipIf(!usingPostgres())('login flow v2 across two servers sharing one database', () => {
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

  it('starts on one server, is granted on the other, and is collected once from either', async () => {
    const admin1 = await Api.admin(s1.url);
    await admin1.createUser('dora', 'dora-password-123');
    const dora2 = await Api.login(s2.url, 'dora', 'dora-password-123');
    const res = await fetch(`${s1.url}/index.php/login/v2`, { method: 'POST', headers: { 'content-length': '0', 'user-agent': DESKTOP_AGENT } });
    const started = (await res.json()) as Started;
    const token = /\/login\/v2\/flow\/([^/?]+)/.exec(started.login)![1]!;
    const pollOn = (base: string) =>
      fetch(`${base}/index.php/login/v2/poll`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(started.poll.token)}` });

    expect((await pollOn(s2.url)).status).toBe(404);
    expect((await dora2.fetch(`/login-flows/${token}`)).status).toBe(200);
    expect((await dora2.fetch(`/login-flows/${token}/grant`, { method: 'POST' })).status).toBe(200);
    const [a, b] = await Promise.all([pollOn(s1.url), pollOn(s2.url)]);
    expect([a.status, b.status].sort()).toEqual([200, 404]);
    const credentials = (await (a.status === 200 ? a : b).json()) as { server: string; loginName: string; appPassword: string };
    // The server the device started with is the one it is told to use.
    expect(credentials.server).toBe(s1.url);
    const propfind = await fetch(`${s2.url}/remote.php/dav/files/dora/`, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`dora:${credentials.appPassword}`).toString('base64')}`, depth: '0' },
    });
    expect(propfind.status).toBe(207);
  });
});

describe('rate limits', () => {
  it('slows down one address starting flow after flow, with Retry-After', async () => {
    let last: Response | undefined;
    // 30 a minute are allowed; enough attempts to pass that even if a window closes on the way.
    for (let i = 0; i < 70; i++) {
      last = await fetch(`${server.url}/index.php/login/v2`, { method: 'POST', headers: { 'content-length': '0' } });
      if (last.status === 429) break;
      expect(last.status).toBe(200);
    }
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
