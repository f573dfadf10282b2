import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface UserBody {
  id: string;
  username: string;
  email: string | null;
  display_name: string;
  role: 'admin' | 'user';
  status: 'pending' | 'active' | 'suspended' | 'deleted';
  quota_bytes?: number | null;
  used_bytes?: number;
  created_at: string;
}

interface UserList {
  items: UserBody[];
  total: number;
}

function expectProblem(r: { status: number; res: Response; body: unknown }, status: number) {
  expect(r.status).toBe(status);
  expect(r.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = r.body as { status: number; title: string; detail: string };
  expect(p.status).toBe(status);
  expect(p.title).toBeTruthy();
  expect(p.detail).toBeTruthy();
}

async function loginStatus(base: string, username: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as { detail?: string; access_token?: string; refresh_token?: string } };
}

describe('admin API', () => {
  let server: TestServer;
  let admin: Api;
  let base: string;
  let adminId: string;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_LOGIN_RATE_PER_IP: '100000' });
    base = server.url;
    admin = await Api.admin(base);
    const me = await admin.json<{ user: UserBody }>('/account');
    adminId = me.body.user.id;
  });
  afterAll(async () => server?.close());

  it('refuses non-admins with 403 on every admin route, and strangers with 401', async () => {
    const { id, api: user } = await admin.createUser('plain-user', 'plain-password');
    const other = '00000000-0000-4000-8000-000000000000';
    const routes: [string, string, unknown?][] = [
      ['GET', '/admin/users'],
      ['POST', '/admin/users', { username: 'sneaky', password: 'sneaky-password' }],
      ['GET', `/admin/users/${id}`],
      ['GET', `/admin/users/${adminId}`],
      ['PATCH', `/admin/users/${id}`, { role: 'admin' }],
      ['PATCH', `/admin/users/${other}`, { quota_bytes: null }],
      ['POST', `/admin/users/${adminId}/suspend`],
      ['POST', `/admin/users/${id}/reactivate`],
      ['GET', '/admin/audit'],
      ['GET', `/admin/audit?user_id=${id}`],
    ];
    for (const [method, path, json] of routes) {
      const r = await user.json(path, { method, ...(json !== undefined ? { json } : {}) });
      expectProblem(r, 403);
      const anon = await fetch(`${base}/api/v1${path}`, {
        method,
        ...(json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) } : {}),
      });
      expect(anon.status).toBe(401);
    }
    // Nothing happened: the user is still a plain active user and no "sneaky" account exists.
    const after = await admin.json<UserBody>(`/admin/users/${id}`);
    expect(after.body.role).toBe('user');
    expect(after.body.status).toBe('active');
    expect((await admin.json<UserList>('/admin/users?search=sneaky')).body.total).toBe(0);
    expect((await admin.json<UserBody>(`/admin/users/${adminId}`)).body.status).toBe('active');
  });

  describe('create', () => {
    it('creates a user with role, email and quota; the user can sign in', async () => {
      const r = await admin.json<UserBody>('/admin/users', {
        method: 'POST',
        json: { username: 'carol', password: 'carol-password', email: 'carol@example.org', display_name: 'Carol C', quota_bytes: 5000 },
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ username: 'carol', email: 'carol@example.org', display_name: 'Carol C', role: 'user', status: 'active' });
      expect(r.body).not.toHaveProperty('password');
      expect(r.body).not.toHaveProperty('password_hash');
      const got = await admin.json<UserBody>(`/admin/users/${r.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body.quota_bytes).toBe(5000);
      expect(got.body.used_bytes).toBe(0);
      const carol = await Api.login(base, 'carol', 'carol-password');
      const quota = await carol.json<{ quota: number | null; used: number }>('/account/quota');
      expect(quota.body.quota).toBe(5000);
    });

    it('refuses a taken username or email (any case) with 409', async () => {
      await admin.createUser('dave', 'dave-password');
      const dupName = await admin.json('/admin/users', { method: 'POST', json: { username: 'DAVE', password: 'other-password' } });
      expectProblem(dupName, 409);
      expect((dupName.body as { detail: string }).detail).toMatch(/DAVE|taken/);
      const withMail = await admin.json('/admin/users', { method: 'POST', json: { username: 'erin', password: 'erin-password', email: 'erin@example.org' } });
      expect(withMail.status).toBe(201);
      const dupMail = await admin.json('/admin/users', { method: 'POST', json: { username: 'erin2', password: 'erin-password', email: 'ERIN@example.org' } });
      expectProblem(dupMail, 409);
      expect((await admin.json<UserList>('/admin/users?search=erin')).body.total).toBe(1);
    });

    it('refuses bad usernames, emails, passwords and quotas with 400', async () => {
      for (const username of ['a b', '-dash-first', 'x', 'slash/name', 'emoji😀', 'a'.repeat(65)]) {
        const r = await admin.json('/admin/users', { method: 'POST', json: { username, password: 'good-password' } });
        expectProblem(r, 400);
      }
      expectProblem(await admin.json('/admin/users', { method: 'POST', json: { username: 'frank', password: 'short' } }), 400);
      expectProblem(await admin.json('/admin/users', { method: 'POST', json: { username: 'frank', password: 'good-password', email: 'not-an-email' } }), 400);
      expectProblem(await admin.json('/admin/users', { method: 'POST', json: { username: 'frank', password: 'good-password', quota_bytes: -1 } }), 400);
      expectProblem(await admin.json('/admin/users', { method: 'POST', json: { username: 'frank', password: 'good-password', role: 'superuser' } }), 400);
      expect((await admin.json<UserList>('/admin/users?search=frank')).body.total).toBe(0);
    });
  });

  describe('list', () => {
    const names = ['list-anna', 'list-bert', 'list-cleo', 'list-dora', 'list-emil'];
    const ids = new Map<string, string>();
    beforeAll(async () => {
      for (const name of names) {
        const r = await admin.json<UserBody>('/admin/users', {
          method: 'POST',
          json: { username: name, password: `${name}-pw`, email: `${name}@list.example`, role: name === 'list-dora' ? 'admin' : 'user', status: name === 'list-cleo' ? 'suspended' : 'active' },
        });
        expect(r.status).toBe(201);
        ids.set(name, r.body.id);
      }
      // Give bert bytes so "used" sorting has something to sort.
      const bert = await Api.login(base, 'list-bert', 'list-bert-pw');
      expect((await bert.upload('big.bin', new Uint8Array(3000))).status).toBe(201);
      const emil = await Api.login(base, 'list-emil', 'list-emil-pw');
      expect((await emil.upload('small.bin', new Uint8Array(1000))).status).toBe(201);
    });

    it('searches username, email and display name with a total', async () => {
      const all = await admin.json<UserList>('/admin/users?search=list-');
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(5);
      expect(all.body.items.map((u) => u.username)).toEqual(names);
      const byMail = await admin.json<UserList>('/admin/users?search=CLEO@LIST');
      expect(byMail.body.items.map((u) => u.username)).toEqual(['list-cleo']);
      // LIKE wildcards in the search are literal.
      expect((await admin.json<UserList>('/admin/users?search=list%25')).body.total).toBe(0);
      expect((await admin.json<UserList>('/admin/users?search=list_')).body.total).toBe(0);
    });

    it('pages with limit and offset, keeping the total', async () => {
      const p1 = await admin.json<UserList>('/admin/users?search=list-&limit=2&offset=0');
      const p2 = await admin.json<UserList>('/admin/users?search=list-&limit=2&offset=2');
      const p3 = await admin.json<UserList>('/admin/users?search=list-&limit=2&offset=4');
      expect([p1.body.total, p2.body.total, p3.body.total]).toEqual([5, 5, 5]);
      expect(p1.body.items.map((u) => u.username)).toEqual(['list-anna', 'list-bert']);
      expect(p2.body.items.map((u) => u.username)).toEqual(['list-cleo', 'list-dora']);
      expect(p3.body.items.map((u) => u.username)).toEqual(['list-emil']);
      expectProblem(await admin.json('/admin/users?limit=0'), 400);
      expectProblem(await admin.json('/admin/users?offset=-1'), 400);
    });

    it('filters by status and role', async () => {
      const suspended = await admin.json<UserList>('/admin/users?search=list-&status=suspended');
      expect(suspended.body.items.map((u) => u.username)).toEqual(['list-cleo']);
      expect(suspended.body.total).toBe(1);
      const admins = await admin.json<UserList>('/admin/users?role=admin');
      expect(admins.body.items.map((u) => u.username).sort()).toEqual(['admin', 'list-dora']);
      const activeUsers = await admin.json<UserList>('/admin/users?search=list-&status=active&role=user');
      expect(activeUsers.body.items.map((u) => u.username)).toEqual(['list-anna', 'list-bert', 'list-emil']);
      expectProblem(await admin.json('/admin/users?status=sleepy'), 400);
    });

    it('sorts by username, creation and usage in either order, with usage in each row', async () => {
      const desc = await admin.json<UserList>('/admin/users?search=list-&sort=username&order=desc');
      expect(desc.body.items.map((u) => u.username)).toEqual([...names].reverse());
      const created = await admin.json<UserList>('/admin/users?search=list-&sort=created&order=desc');
      expect(created.body.items.map((u) => u.username)).toEqual([...names].reverse());
      const used = await admin.json<UserList>('/admin/users?search=list-&sort=used&order=desc');
      expect(used.body.items.slice(0, 2).map((u) => u.username)).toEqual(['list-bert', 'list-emil']);
      expect(used.body.items[0]!.used_bytes).toBe(3000);
      expect(used.body.items[1]!.used_bytes).toBe(1000);
      const usedAsc = await admin.json<UserList>('/admin/users?search=list-&sort=used&order=asc');
      expect(usedAsc.body.items.slice(-2).map((u) => u.username)).toEqual(['list-emil', 'list-bert']);
    });
  });

  describe('update', () => {
    it('changes quota, role, email and display name', async () => {
      const { id, api } = await admin.createUser('gina', 'gina-password', 1000);
      const patched = await admin.json<UserBody>(`/admin/users/${id}`, {
        method: 'PATCH',
        json: { quota_bytes: 2000, email: 'gina@example.org', display_name: 'Gina G' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ email: 'gina@example.org', display_name: 'Gina G' });
      expect((await admin.json<UserBody>(`/admin/users/${id}`)).body.quota_bytes).toBe(2000);
      expect((await api.json<{ quota: number }>('/account/quota')).body.quota).toBe(2000);
      // Unlimited.
      await admin.json(`/admin/users/${id}`, { method: 'PATCH', json: { quota_bytes: null } });
      expect((await api.json<{ quota: number | null }>('/account/quota')).body.quota).toBeNull();

      // Role change takes effect on the user's existing token.
      expect((await api.json('/admin/users')).status).toBe(403);
      const promoted = await admin.json<UserBody>(`/admin/users/${id}`, { method: 'PATCH', json: { role: 'admin' } });
      expect(promoted.body.role).toBe('admin');
      expect((await api.json('/admin/users')).status).toBe(200);
      const demoted = await admin.json<UserBody>(`/admin/users/${id}`, { method: 'PATCH', json: { role: 'user' } });
      expect(demoted.body.role).toBe('user');
      expect((await api.json('/admin/users')).status).toBe(403);

      // Status through PATCH: pending refuses sign-in.
      await admin.json(`/admin/users/${id}`, { method: 'PATCH', json: { status: 'pending' } });
      expect((await loginStatus(base, 'gina', 'gina-password')).status).toBe(403);
      await admin.json(`/admin/users/${id}`, { method: 'PATCH', json: { status: 'active' } });
      expect((await loginStatus(base, 'gina', 'gina-password')).status).toBe(200);

      // The admin can set a password; a refused one leaves the whole change unapplied.
      const badPw = await admin.json(`/admin/users/${id}`, { method: 'PATCH', json: { display_name: 'Should Not Stick', password: 'short' } });
      expectProblem(badPw, 400);
      expect((await admin.json<UserBody>(`/admin/users/${id}`)).body.display_name).toBe('Gina G');
      expect((await loginStatus(base, 'gina', 'gina-password')).status).toBe(200);
      expect((await admin.json(`/admin/users/${id}`, { method: 'PATCH', json: { password: 'gina-new-password' } })).status).toBe(200);
      expect((await loginStatus(base, 'gina', 'gina-password')).status).toBe(401);
      expect((await loginStatus(base, 'gina', 'gina-new-password')).status).toBe(200);

      // An email another account uses is refused.
      await admin.createUser('hank', 'hank-password');
      const hank = (await admin.json<UserList>('/admin/users?search=hank')).body.items[0]!;
      expectProblem(await admin.json(`/admin/users/${hank.id}`, { method: 'PATCH', json: { email: 'GINA@example.org' } }), 409);
    });

    it('answers 404 for an unknown user and 400 for a malformed id or body', async () => {
      const missing = '00000000-0000-4000-8000-000000000001';
      expectProblem(await admin.json(`/admin/users/${missing}`), 404);
      expectProblem(await admin.json(`/admin/users/${missing}`, { method: 'PATCH', json: { quota_bytes: 1 } }), 404);
      expectProblem(await admin.json(`/admin/users/${missing}/suspend`, { method: 'POST' }), 404);
      expectProblem(await admin.json('/admin/users/not-a-uuid'), 400);
      const { id } = await admin.createUser('ivan', 'ivan-password');
      expectProblem(await admin.json(`/admin/users/${id}`, { method: 'PATCH', json: { role: 'owner' } }), 400);
      expectProblem(await admin.json(`/admin/users/${id}`, { method: 'PATCH', json: { quota_bytes: 1.5 } }), 400);
    });
  });

  describe('suspend and reactivate', () => {
    it('suspension ends access at once: token, refresh token, app password and sign-in', async () => {
      await admin.createUser('jack', 'jack-password');
      const login = await loginStatus(base, 'jack', 'jack-password');
      const token = login.body.access_token!;
      const refreshToken = login.body.refresh_token!;
      const jack = new Api(base, token);
      const appPw = await jack.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'script' } });
      const basicAuth = { authorization: `Basic ${Buffer.from(`jack:${appPw.body.password}`).toString('base64')}` };
      expect((await jack.json('/account')).status).toBe(200);
      expect((await fetch(`${base}/api/v1/account`, { headers: basicAuth })).status).toBe(200);

      const id = (await jack.json<{ user: UserBody }>('/account')).body.user.id;
      const suspended = await admin.json<UserBody>(`/admin/users/${id}/suspend`, { method: 'POST' });
      expect(suspended.status).toBe(200);
      expect(suspended.body.status).toBe('suspended');

      expectProblem(await jack.json('/account'), 401);
      expect((await jack.upload('x.txt', 'x')).status).toBe(401);
      expect((await fetch(`${base}/api/v1/account`, { headers: basicAuth })).status).toBe(401);
      const refreshed = await fetch(`${base}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      expect(refreshed.status).toBe(401);
      const again = await loginStatus(base, 'jack', 'jack-password');
      expect(again.status).toBe(403);
      expect(again.body.detail).toMatch(/suspended/i);
      expect((await admin.json<UserList>('/admin/users?status=suspended&search=jack')).body.total).toBe(1);

      const reactivated = await admin.json<UserBody>(`/admin/users/${id}/reactivate`, { method: 'POST' });
      expect(reactivated.status).toBe(200);
      expect(reactivated.body.status).toBe('active');
      const back = await loginStatus(base, 'jack', 'jack-password');
      expect(back.status).toBe(200);
      expect((await new Api(base, back.body.access_token!).json('/account')).status).toBe(200);
      // What the suspension ended stays ended: the app password too (reactivation revives nothing).
      expect((await fetch(`${base}/api/v1/account`, { headers: basicAuth })).status).toBe(401);
      const oldRefresh = await fetch(`${base}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      expect(oldRefresh.status).toBe(401);
    });

    it('the last active admin cannot demote or suspend themself; with a second admin they can', async () => {
      // list-dora is an admin too (created in the list tests, maybe not run): make the situation explicit.
      const others = (await admin.json<UserList>('/admin/users?role=admin&status=active')).body.items.filter((u) => u.id !== adminId);
      for (const o of others) await admin.json(`/admin/users/${o.id}`, { method: 'PATCH', json: { role: 'user' } });
      expect((await admin.json<UserList>('/admin/users?role=admin&status=active')).body.total).toBe(1);

      expectProblem(await admin.json(`/admin/users/${adminId}`, { method: 'PATCH', json: { role: 'user' } }), 403);
      expectProblem(await admin.json(`/admin/users/${adminId}/suspend`, { method: 'POST' }), 403);
      expectProblem(await admin.json(`/admin/users/${adminId}`, { method: 'PATCH', json: { status: 'pending' } }), 403);
      const still = await admin.json<UserBody>(`/admin/users/${adminId}`);
      expect(still.body).toMatchObject({ role: 'admin', status: 'active' });
      expect((await admin.json('/admin/users')).status).toBe(200);

      // With a second active admin, the first may step down.
      const { id: kimId, api: kimApi } = await admin.createUser('kim', 'kim-password');
      let kim = kimApi;
      await admin.json(`/admin/users/${kimId}`, { method: 'PATCH', json: { role: 'admin' } });
      const stepDown = await admin.json<UserBody>(`/admin/users/${adminId}`, { method: 'PATCH', json: { role: 'user' } });
      expect(stepDown.status).toBe(200);
      expect(stepDown.body.role).toBe('user');
      expect((await admin.json('/admin/users')).status).toBe(403);
      // Now kim is the last one and is protected in turn; kim restores the original admin.
      expectProblem(await kim.json(`/admin/users/${kimId}/suspend`, { method: 'POST' }), 403);
      expect((await kim.json(`/admin/users/${adminId}`, { method: 'PATCH', json: { role: 'admin' } })).status).toBe(200);
      expect((await admin.json('/admin/users')).status).toBe(200);

      // Two admins stepping down at the same moment: exactly one of them may.
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all([
          admin.json(`/admin/users/${adminId}`, { method: 'PATCH', json: { status: 'suspended' } }),
          kim.json(`/admin/users/${kimId}`, { method: 'PATCH', json: { status: 'suspended' } }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
        const active = await server.core.db
          .selectFrom('users')
          .select('id')
          .where('role', '=', 'admin')
          .where('status', '=', 'active')
          .execute();
        expect(active).toHaveLength(1);
        // The one left reactivates the other (whose sessions the suspension ended).
        const survivor = active[0]!.id === adminId ? admin : kim;
        const other = active[0]!.id === adminId ? kimId : adminId;
        expect((await survivor.json(`/admin/users/${other}/reactivate`, { method: 'POST' })).status).toBe(200);
        if (survivor === admin) kim = await Api.login(base, 'kim', 'kim-password');
        else admin = await Api.admin(base);
      }
    });
  });
});
