import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from './helpers/server.js';

/** The cookies a response sets, by name, with their attributes as written. */
function setCookies(res: Response): Map<string, string> {
  const all = res.headers.getSetCookie();
  return new Map(all.map((c) => [c.slice(0, c.indexOf('=')), c]));
}

function cookieValue(header: string | undefined): string {
  if (!header) throw new Error('cookie not set');
  return header.slice(header.indexOf('=') + 1, header.indexOf(';'));
}

async function cookieLogin(base: string, username = 'admin', password = ADMIN_PASSWORD) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, session: 'cookie' }),
  });
  const cookies = setCookies(res);
  return {
    res,
    body: (await res.json()) as { access_token: string; refresh_token?: string; expires_in: number },
    refresh: cookieValue(cookies.get('coffer_refresh')),
    csrf: cookieValue(cookies.get('coffer_csrf')),
    cookies,
  };
}

/** The status of a request, its body read so the connection is free again. */
async function statusOf(url: string, init?: RequestInit): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}

function cookieHeader(refresh: string, csrf: string) {
  return `coffer_refresh=${refresh}; coffer_csrf=${csrf}`;
}

describe('web app support in the API', () => {
  let server: TestServer;
  let admin: Api;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
  });
  afterAll(async () => server?.close());

  describe('cookie sessions', () => {
    it('keeps the refresh token in an httpOnly SameSite cookie, never in the body', async () => {
      const login = await cookieLogin(server.url);
      expect(login.res.status).toBe(200);
      expect(login.body.access_token).toBeTruthy();
      expect(login.body.refresh_token).toBeUndefined();
      const refresh = login.cookies.get('coffer_refresh')!;
      expect(refresh).toMatch(/HttpOnly/i);
      expect(refresh).toMatch(/SameSite=Strict/i);
      expect(refresh).toMatch(/Path=\/api\/v1\/auth/);
      const csrf = login.cookies.get('coffer_csrf')!;
      expect(csrf).not.toMatch(/HttpOnly/i);
      expect(csrf).toMatch(/SameSite=Strict/i);
      // The access token works as a Bearer token.
      const me = await new Api(server.url, login.body.access_token).json<{ user: { username: string } }>('/account');
      expect(me.body.user.username).toBe('admin');
    });

    it('renews from the cookie only with the matching X-CSRF-Token, and rotates it', async () => {
      const login = await cookieLogin(server.url);
      const refresh = (headers: Record<string, string>) =>
        fetch(`${server.url}/api/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

      const noHeader = await refresh({ cookie: cookieHeader(login.refresh, login.csrf) });
      expect(noHeader.status).toBe(403);
      expect(((await noHeader.json()) as { detail: string }).detail).toMatch(/X-CSRF-Token/i);
      const wrongHeader = await refresh({ cookie: cookieHeader(login.refresh, login.csrf), 'x-csrf-token': `${login.csrf.slice(0, -2)}xx` });
      expect(wrongHeader.status).toBe(403);
      await wrongHeader.text();

      const ok = await refresh({ cookie: cookieHeader(login.refresh, login.csrf), 'x-csrf-token': login.csrf });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { access_token: string; refresh_token?: string };
      expect(body.access_token).toBeTruthy();
      expect(body.refresh_token).toBeUndefined();
      const rotated = cookieValue(setCookies(ok).get('coffer_refresh'));
      expect(rotated).not.toBe(login.refresh);
      // The CSRF value stays for the session, so other tabs keep working.
      expect(cookieValue(setCookies(ok).get('coffer_csrf'))).toBe(login.csrf);

      // The used cookie is spent: replaying it ends the whole sign-in, the rotated one included.
      const replay = await refresh({ cookie: cookieHeader(login.refresh, login.csrf), 'x-csrf-token': login.csrf });
      expect(replay.status).toBe(401);
      await replay.text();
      const after = await refresh({ cookie: cookieHeader(rotated, login.csrf), 'x-csrf-token': login.csrf });
      expect(after.status).toBe(401);
      await after.text();
    });

    it('without a session cookie, refresh is a 401 and says to sign in', async () => {
      const res = await fetch(`${server.url}/api/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(401);
      await res.text();
    });

    it('logout needs the CSRF header, ends the session and clears both cookies', async () => {
      const login = await cookieLogin(server.url);
      const forged = await fetch(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: cookieHeader(login.refresh, login.csrf) }, body: '{}' });
      expect(forged.status).toBe(403);
      await forged.text();
      const out = await fetch(`${server.url}/api/v1/auth/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookieHeader(login.refresh, login.csrf), 'x-csrf-token': login.csrf },
        body: '{}',
      });
      expect(out.status).toBe(204);
      await out.text();
      const cleared = setCookies(out);
      expect(cleared.get('coffer_refresh')).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
      expect(cleared.get('coffer_csrf')).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
      const me = await new Api(server.url, login.body.access_token).json('/account');
      expect(me.status).toBe(401);
    });
  });

  describe('file links', () => {
    it('reads exactly one file without the Authorization header, with Range, until the session signs out', async () => {
      const login = await cookieLogin(server.url);
      const web = new Api(server.url, login.body.access_token);
      const file = await web.upload('links/movie.bin', 'x'.repeat(1000));
      const other = await web.upload('links/other.bin', 'other');
      const link = await web.json<{ url: string; expires_at: string }>(`/files/${file.body.id}/links`, { method: 'POST', json: { inline: true } });
      expect(link.status).toBe(200);
      expect(new Date(link.body.expires_at).getTime()).toBeGreaterThan(Date.now() + 3600_000);

      const ranged = await fetch(`${server.url}${link.body.url}`, { headers: { range: 'bytes=10-19' } });
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe('x'.repeat(10));
      expect(ranged.headers.get('content-disposition')).toMatch(/^inline/);

      // Not another file, not another route, not as a Bearer token.
      const ticket = new URL(link.body.url, server.url).searchParams.get('ticket')!;
      expect(await statusOf(`${server.url}/api/v1/files/${other.body.id}/content?ticket=${ticket}`)).toBe(401);
      expect(await statusOf(`${server.url}/api/v1/files/${file.body.id}?ticket=${ticket}`)).toBe(401);
      expect((await new Api(server.url, ticket).json('/account')).status).toBe(401);
      expect(await statusOf(`${server.url}/api/v1/files/${file.body.id}/content?ticket=${ticket.slice(0, -3)}abc`)).toBe(401);

      await statusOf(`${server.url}/api/v1/auth/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookieHeader(login.refresh, login.csrf), 'x-csrf-token': login.csrf },
        body: '{}',
      });
      expect(await statusOf(`${server.url}${link.body.url}`)).toBe(401);
    });

    it('links one old version, refuses folders, unknown versions, app passwords and other users', async () => {
      const v1 = await admin.upload('links/doc.txt', 'first');
      await admin.upload('links/doc.txt', 'second', { overwrite: true });
      const versions = await admin.json<{ items: { id: string; current: boolean }[] }>(`/files/${v1.body.id}/versions`);
      const old = versions.body.items.find((v) => !v.current)!;
      const link = await admin.json<{ url: string }>(`/files/${v1.body.id}/links`, { method: 'POST', json: { version_id: old.id } });
      expect(link.status).toBe(200);
      const res = await fetch(`${server.url}${link.body.url}`);
      expect(await res.text()).toBe('first');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment/);

      const folder = await admin.json<{ id: string }>('/resolve?path=/links');
      expect((await admin.json(`/files/${folder.body.id}/links`, { method: 'POST', json: {} })).status).toBe(400);
      expect((await admin.json(`/files/${v1.body.id}/links`, { method: 'POST', json: { version_id: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);

      const created = await admin.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'script' } });
      const basic = `Basic ${Buffer.from(`admin:${created.body.password}`).toString('base64')}`;
      expect((await admin.json(`/files/${v1.body.id}/links`, { method: 'POST', json: {}, headers: { authorization: basic } })).status).toBe(403);

      const { api: mallory } = await admin.createUser('mallory-links', 'mallory-password-123');
      expect((await mallory.json(`/files/${v1.body.id}/links`, { method: 'POST', json: {} })).status).toBe(404);
    });

    it('sandboxes inline content that a browser would run as a page', async () => {
      const html = await admin.upload('links/page.html', '<script>alert(1)</script>', { type: 'text/html' });
      const link = await admin.json<{ url: string }>(`/files/${html.body.id}/links`, { method: 'POST', json: { inline: true } });
      const res = await fetch(`${server.url}${link.body.url}`);
      expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.text();
    });
  });

  describe('administration', () => {
    it('exports the filtered audit log as CSV with formulas defused', async () => {
      // A user agent is the caller's to choose: a spreadsheet must not run it.
      await admin.json(`/files?path=formula.txt`, { method: 'POST', body: 'csv', headers: { 'user-agent': '=SUM(1,2)', 'content-type': 'text/plain' } });
      const res = await admin.fetch('/admin/audit/export?action=file.upload');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="coffer-audit-\d{4}-\d{2}-\d{2}\.csv"/);
      const lines = (await res.text()).trim().split('\n');
      expect(lines[0]).toBe('id,at,user,user_id,action,result,path,bytes,ip,user_agent,detail');
      const rows = lines.slice(1);
      expect(rows.length).toBeGreaterThan(3);
      expect(rows.every((l) => l.includes(',file.upload,'))).toBe(true);
      const formula = rows.find((l) => l.includes('/formula.txt'));
      expect(formula).toContain(`"'=SUM(1,2)"`);
      // The same events as the JSON query, newest first.
      const json = await admin.json<{ items: { id: number }[]; total: number }>('/admin/audit?action=file.upload&limit=1000');
      expect(rows.length).toBe(json.body.total);
      expect(rows.map((l) => Number(l.split(',')[0]))).toEqual(json.body.items.map((e) => e.id));
    });

    it('is for administrators only', async () => {
      const { api: user } = await admin.createUser('plain-web', 'plain-password-123');
      expect((await user.json('/admin/audit/export')).status).toBe(403);
      expect((await user.json('/admin/storage')).status).toBe(403);
    });

    it('summarises storage across users', async () => {
      const { api: heavy } = await admin.createUser('heavy-web', 'heavy-password-123', 10_000_000);
      await heavy.upload('big.bin', 'h'.repeat(50_000));
      const gone = await heavy.upload('gone.bin', 'g'.repeat(7_000));
      await heavy.json(`/files/${gone.body.id}`, { method: 'DELETE' });
      const s = await admin.json<{ users: number; used: number; files: number; trash: number; versions: number; quota_total: number | null; top_users: { username: string; used: number }[] }>(
        '/admin/storage',
      );
      expect(s.status).toBe(200);
      const list = await admin.json<{ items: { used_bytes?: number }[]; total: number }>('/admin/users?limit=1000');
      expect(s.body.users).toBe(list.body.total);
      expect(s.body.used).toBe(list.body.items.reduce((a, u) => a + (u.used_bytes ?? 0), 0));
      expect(s.body.trash).toBeGreaterThanOrEqual(7_000);
      expect(s.body.files + s.body.trash + s.body.versions).toBe(s.body.used);
      // The admin is unlimited, so no total quota can be named.
      expect(s.body.quota_total).toBeNull();
      expect(s.body.top_users[0]!.username).toBe('heavy-web');
      expect(s.body.top_users[0]!.used).toBe(57_000);
    });
  });
});

describe('the web app at /', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('serves the app shell with its security headers', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<div id="root">');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a reload of a client route with the shell, but never an API or WebDAV miss', async () => {
    const route = await fetch(`${server.url}/files/2b4c`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="root">');
    const api = await fetch(`${server.url}/api/v1/nothing-here`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/problem\+json/);
    const script = await fetch(`${server.url}/files/2b4c`, { headers: { accept: 'application/json' } });
    expect(script.status).toBe(404);
    await Promise.all([api.text(), script.text()]);
  });

  it('caches hashed assets for good and the rest only with revalidation', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${server.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    await js.arrayBuffer();
    const manifest = await fetch(`${server.url}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(((await manifest.json()) as { icons: unknown[] }).icons.length).toBeGreaterThan(1);
    const sw = await fetch(`${server.url}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    await sw.text();
  });
});
