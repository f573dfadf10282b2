import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [k: string]: unknown;
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, res, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

async function login(base: string, username: string, password: string, headers: Record<string, string> = {}) {
  const r = await post(base, '/auth/login', { username, password }, headers);
  return { ...r, tokens: r.body as unknown as Tokens, problem: r.body as unknown as Problem };
}

async function refresh(base: string, refreshToken: string) {
  const r = await post(base, '/auth/refresh', { refresh_token: refreshToken });
  return { ...r, tokens: r.body as unknown as Tokens };
}

function get(base: string, path: string, authorization?: string) {
  return fetch(`${base}/api/v1${path}`, { headers: authorization ? { authorization } : {} });
}

const bearer = (t: Tokens) => `Bearer ${t.access_token}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function expectProblem(res: Response, body: unknown, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = body as Problem;
  expect(p.status).toBe(status);
  expect(typeof p.title).toBe('string');
  expect(typeof p.detail).toBe('string');
  expect(p.detail.length).toBeGreaterThan(0);
}

function jwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('accounts and authentication', () => {
  let server: TestServer;
  let admin: Api;
  let base: string;
  const pw = 'alice-password-1';
  let aliceId: string;

  beforeAll(async () => {
    // Generous per-IP budget: every request here comes from 127.0.0.1. The limits have their own server below.
    server = await startTestServer({ COFFER_LOGIN_RATE_PER_IP: '100000', COFFER_LOGIN_FAILURES_PER_ACCOUNT: '100000' });
    base = server.url;
    admin = await Api.admin(base);
    const created = await admin.json<{ id: string }>('/admin/users', {
      method: 'POST',
      json: { username: 'Alice.Smith', password: pw, email: 'Alice@Example.com', display_name: 'Alice' },
    });
    expect(created.status).toBe(201);
    aliceId = created.body.id;
  });
  afterAll(async () => server?.close());

  describe('login', () => {
    it('by username, case-insensitively, returns a 15-minute JWT and a refresh token', async () => {
      const r = await login(base, 'alice.smith', pw);
      expect(r.status).toBe(200);
      expect(r.tokens.token_type).toBe('Bearer');
      expect(r.tokens.expires_in).toBe(900);
      expect(r.tokens.access_token.split('.')).toHaveLength(3);
      expect(jwtPart(r.tokens.access_token, 0).alg).toBe('HS256');
      const claims = jwtPart(r.tokens.access_token, 1);
      expect(claims.sub).toBe(aliceId);
      expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
      expect(typeof r.tokens.refresh_token).toBe('string');
      expect(r.tokens.refresh_token.length).toBeGreaterThanOrEqual(32);
      expect(r.tokens.refresh_token).not.toBe(r.tokens.access_token);

      const me = await get(base, '/account', bearer(r.tokens));
      expect(me.status).toBe(200);
      const body = (await me.json()) as { user: { id: string; username: string } };
      expect(body.user.id).toBe(aliceId);
      expect(body.user.username).toBe('Alice.Smith');
    });

    it('by email, case-insensitively', async () => {
      const r = await login(base, 'ALICE@example.COM', pw);
      expect(r.status).toBe(200);
      expect(jwtPart(r.tokens.access_token, 1).sub).toBe(aliceId);
    });

    it('refuses a wrong password or an unknown user with 401 problem+json', async () => {
      const wrong = await login(base, 'alice.smith', 'not-the-password');
      expectProblem(wrong.res, wrong.body, 401);
      expect(wrong.body).not.toHaveProperty('access_token');
      const unknown = await login(base, 'nobody-here', 'whatever-password');
      expectProblem(unknown.res, unknown.body, 401);
      // The same answer for both: the response does not tell which accounts exist.
      expect(unknown.problem.detail).toBe(wrong.problem.detail);
    });

    it('refuses a malformed body with a 400 problem', async () => {
      const r = await post(base, '/auth/login', { username: 'alice.smith' });
      expectProblem(r.res, r.body, 400);
    });

    it('refuses a suspended account with 403 saying so, and a pending one likewise', async () => {
      const s = await admin.createUser('suspended-sam', 'sam-password-1');
      const sus = await admin.json(`/admin/users/${s.id}/suspend`, { method: 'POST' });
      expect(sus.status).toBe(200);
      const r = await login(base, 'suspended-sam', 'sam-password-1');
      expectProblem(r.res, r.body, 403);
      expect(r.problem.detail).toMatch(/suspended/i);
      // A wrong password still says only "wrong password": the status is not revealed without it.
      expect((await login(base, 'suspended-sam', 'wrong-password')).status).toBe(401);

      const p = await admin.json<{ id: string; status: string }>('/admin/users', {
        method: 'POST',
        json: { username: 'pending-pat', password: 'pat-password-1', status: 'pending' },
      });
      expect(p.status).toBe(201);
      expect(p.body.status).toBe('pending');
      const rp = await login(base, 'pending-pat', 'pat-password-1');
      expectProblem(rp.res, rp.body, 403);
      expect(rp.problem.detail).toMatch(/pending|not activated/i);
    });
  });

  describe('refresh tokens', () => {
    it('rotate: the new pair works and the old refresh token is refused', async () => {
      const first = await login(base, 'alice.smith', pw);
      const second = await refresh(base, first.tokens.refresh_token);
      expect(second.status).toBe(200);
      expect(second.tokens.refresh_token).not.toBe(first.tokens.refresh_token);
      expect(second.tokens.expires_in).toBe(900);
      expect((await get(base, '/account', bearer(second.tokens))).status).toBe(200);
      const third = await refresh(base, second.tokens.refresh_token);
      expect(third.status).toBe(200);
      const again = await refresh(base, second.tokens.refresh_token);
      expectProblem(again.res, again.body, 401);
    });

    it('a reused refresh token revokes its whole family, leaving other sessions alone', async () => {
      const session = await login(base, 'alice.smith', pw);
      const other = await login(base, 'alice.smith', pw);
      const r1 = session.tokens.refresh_token;
      const r2 = (await refresh(base, r1)).tokens.refresh_token;
      const r3res = await refresh(base, r2);
      expect(r3res.status).toBe(200);
      const r3 = r3res.tokens.refresh_token;
      // An attacker (or a confused client) presents r1 again.
      const reuse = await refresh(base, r1);
      expectProblem(reuse.res, reuse.body, 401);
      // The newest token of that family stopped working too, and so did its access token.
      const newest = await refresh(base, r3);
      expectProblem(newest.res, newest.body, 401);
      expect((await get(base, '/account', bearer(r3res.tokens))).status).toBe(401);
      expect((await get(base, '/account', bearer(other.tokens))).status).toBe(200);
      // A session from another sign-in is a different family and still rotates.
      expect((await refresh(base, other.tokens.refresh_token)).status).toBe(200);
      // The reuse is in the audit trail.
      const audit = await admin.json<{ items: { action: string; result: string; ip: string | null; detail: { reason?: string } | null }[] }>(
        `/admin/audit?action=auth.refresh&user_id=${aliceId}`,
      );
      const reuseEvent = audit.body.items.find((e) => e.detail?.reason === 'reused-token-family-revoked');
      expect(reuseEvent).toMatchObject({ result: 'failure', ip: '127.0.0.1' });
    });

    it('refuses an unknown refresh token', async () => {
      const r = await refresh(base, 'x'.repeat(43));
      expectProblem(r.res, r.body, 401);
    });

    it('logout revokes the session', async () => {
      const s = await login(base, 'alice.smith', pw);
      const out = await post(base, '/auth/logout', { refresh_token: s.tokens.refresh_token });
      expect(out.status).toBe(204);
      const r = await refresh(base, s.tokens.refresh_token);
      expectProblem(r.res, r.body, 401);
      // The access token of that sign-in ends with it, not when it expires.
      expect((await get(base, '/account', bearer(s.tokens))).status).toBe(401);
    });

    it('logout-all ends every session of the account, and only of that account', async () => {
      const u = await admin.createUser('logout-all-lou', 'lou-password-1');
      const a = await login(base, 'logout-all-lou', 'lou-password-1');
      const b = await login(base, 'logout-all-lou', 'lou-password-1');
      const c = await login(base, 'logout-all-lou', 'lou-password-1');
      const bRotated = await refresh(base, b.tokens.refresh_token);
      expect(bRotated.status).toBe(200);
      const aliceSession = await login(base, 'alice.smith', pw);

      const unauth = await fetch(`${base}/api/v1/auth/logout-all`, { method: 'POST' });
      expect(unauth.status).toBe(401);
      const res = await fetch(`${base}/api/v1/auth/logout-all`, { method: 'POST', headers: { authorization: bearer(a.tokens) } });
      expect(res.status).toBe(204);
      for (const t of [a.tokens.refresh_token, bRotated.tokens.refresh_token, c.tokens.refresh_token]) {
        expect((await refresh(base, t)).status).toBe(401);
      }
      expect((await refresh(base, aliceSession.tokens.refresh_token)).status).toBe(200);
      expect(u.id).toBeTruthy();
    });
  });

  describe('password change', () => {
    it('requires the current password, ends the other sessions and keeps this one', async () => {
      await admin.createUser('changer-cho', 'old-password-1');
      const mine = await login(base, 'changer-cho', 'old-password-1');
      const other = await login(base, 'changer-cho', 'old-password-1');

      const change = (current: string, next: string) =>
        fetch(`${base}/api/v1/account/password`, {
          method: 'POST',
          headers: { authorization: bearer(mine.tokens), 'content-type': 'application/json' },
          body: JSON.stringify({ current_password: current, new_password: next }),
        });

      const wrong = await change('not-the-old-one', 'new-password-1');
      expectProblem(wrong, await wrong.json(), 403);
      // The session that sent the wrong current password is not signed out by it.
      expect((await get(base, '/account', bearer(mine.tokens))).status).toBe(200);
      expect((await login(base, 'changer-cho', 'old-password-1')).status).toBe(200);

      const tooShort = await change('old-password-1', 'short');
      expectProblem(tooShort, await tooShort.json(), 400);

      const ok = await change('old-password-1', 'new-password-1');
      expect(ok.status).toBe(204);
      expect((await login(base, 'changer-cho', 'old-password-1')).status).toBe(401);
      expect((await login(base, 'changer-cho', 'new-password-1')).status).toBe(200);
      // Other sessions end…
      expect((await refresh(base, other.tokens.refresh_token)).status).toBe(401);
      // …the one that changed the password goes on.
      expect((await refresh(base, mine.tokens.refresh_token)).status).toBe(200);
    });
  });

  describe('app passwords', () => {
    it('are shown once, authenticate REST over Basic, record their last use and can be revoked', async () => {
      const session = await login(base, 'alice.smith', pw);
      const auth = { authorization: bearer(session.tokens), 'content-type': 'application/json' };
      const createdRes = await fetch(`${base}/api/v1/auth/app-passwords`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'laptop sync' }) });
      expect(createdRes.status).toBe(201);
      const created = (await createdRes.json()) as { id: string; name: string; password: string };
      expect(created.name).toBe('laptop sync');
      expect(created.password.length).toBeGreaterThanOrEqual(20);

      const list = async () => {
        const res = await get(base, '/auth/app-passwords', bearer(session.tokens));
        expect(res.status).toBe(200);
        const text = await res.text();
        // The password itself is never listed again.
        expect(text).not.toContain(created.password);
        return (JSON.parse(text) as { items: { id: string; name: string; last_used_at: string | null; password?: string }[] }).items;
      };
      const before = (await list()).find((p) => p.id === created.id);
      expect(before).toBeDefined();
      expect(before).not.toHaveProperty('password');
      expect(before!.last_used_at).toBeNull();

      // Username (any case) + app password over HTTP Basic works on REST.
      const viaBasic = await get(base, '/account', basic('alice.smith', created.password));
      expect(viaBasic.status).toBe(200);
      expect(((await viaBasic.json()) as { user: { id: string } }).user.id).toBe(aliceId);
      const upload = await fetch(`${base}/api/v1/files?path=from-basic.txt&parent_id=root`, {
        method: 'POST',
        headers: { authorization: basic('Alice.Smith', created.password), 'content-type': 'text/plain' },
        body: 'sent with an app password',
      });
      expect(upload.status).toBe(201);

      const after = (await list()).find((p) => p.id === created.id);
      expect(after!.last_used_at).not.toBeNull();
      expect(Math.abs(Date.parse(after!.last_used_at!) - Date.now())).toBeLessThan(120_000);

      // The account password never works over Basic; nor does an app password under another name.
      const accountPw = await get(base, '/account', basic('alice.smith', pw));
      expectProblem(accountPw, await accountPw.json(), 401);
      const otherName = await get(base, '/account', basic('admin', created.password));
      expect(otherName.status).toBe(401);

      // Another user cannot revoke it.
      const bob = await admin.createUser('bob-the-other', 'bob-password-1');
      expect((await bob.api.fetch(`/auth/app-passwords/${created.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await get(base, '/account', basic('alice.smith', created.password))).status).toBe(200);

      const revoked = await fetch(`${base}/api/v1/auth/app-passwords/${created.id}`, { method: 'DELETE', headers: { authorization: bearer(session.tokens) } });
      expect(revoked.status).toBe(204);
      const afterRevoke = await get(base, '/account', basic('alice.smith', created.password));
      expectProblem(afterRevoke, await afterRevoke.json(), 401);
      expect((await list()).some((p) => p.id === created.id)).toBe(false);
      const again = await fetch(`${base}/api/v1/auth/app-passwords/${created.id}`, { method: 'DELETE', headers: { authorization: bearer(session.tokens) } });
      expect(again.status).toBe(404);
    });

    it('require a name', async () => {
      const session = await login(base, 'alice.smith', pw);
      const r = await fetch(`${base}/api/v1/auth/app-passwords`, {
        method: 'POST',
        headers: { authorization: bearer(session.tokens), 'content-type': 'application/json' },
        body: JSON.stringify({ name: '   ' }),
      });
      expectProblem(r, await r.json(), 400);
    });
  });

  it('refuses requests without credentials or with a forged token', async () => {
    const none = await get(base, '/account');
    expectProblem(none, await none.json(), 401);
    expect(none.headers.get('www-authenticate')).toBeTruthy();
    const real = await login(base, 'alice.smith', pw);
    const [h, p] = real.tokens.access_token.split('.');
    const forged = await get(base, '/account', `Bearer ${h}.${p}.${'A'.repeat(43)}`);
    expectProblem(forged, await forged.json(), 401);
    const garbage = await get(base, '/account', 'Bearer not-a-token');
    expect(garbage.status).toBe(401);
  });
});

describe('login rate limiting', () => {
  let server: TestServer;
  let base: string;
  const IP_BUDGET = 8;
  const SOURCE_FAILURES = 3;

  beforeAll(async () => {
    server = await startTestServer({
      COFFER_LOGIN_RATE_PER_IP: String(IP_BUDGET),
      COFFER_LOGIN_FAILURES_PER_ACCOUNT: String(SOURCE_FAILURES),
      // Lets the test speak from several client addresses through X-Forwarded-For.
      COFFER_TRUST_PROXY: 'true',
    });
    base = server.url;
    const admin = await Api.admin(base);
    for (const name of ['victim', 'bystander', 'emailed']) {
      const r = await admin.json('/admin/users', {
        method: 'POST',
        json: { username: name, password: `${name}-password`, email: `${name}@example.org` },
      });
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => server?.close());

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  function expect429(r: { res: Response; body: unknown }, maxSeconds: number) {
    expectProblem(r.res, r.body, 429);
    const retryAfter = r.res.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(maxSeconds);
  }

  it('slows the address that guesses an account, with Retry-After, not the account', async () => {
    for (let i = 0; i < SOURCE_FAILURES; i++) {
      expect((await login(base, 'victim', 'wrong-password', from('10.0.0.1'))).status).toBe(401);
    }
    // That address must wait before even the right password is checked…
    const slowed = await login(base, 'victim', 'victim-password', from('10.0.0.1'));
    expect429(slowed, 900);
    expect(slowed.problem.detail).toMatch(/account/i);
    // …while the owner, elsewhere, signs in.
    expect((await login(base, 'victim', 'victim-password', from('10.0.0.2'))).status).toBe(200);
    // Another account from the same address is not affected by this account's failures.
    expect((await login(base, 'bystander', 'bystander-password', from('10.0.0.1'))).status).toBe(200);
  });

  it('counts failures by account, not by the spelling of the login', async () => {
    expect((await login(base, 'emailed', 'wrong-password', from('10.0.1.1'))).status).toBe(401);
    expect((await login(base, 'EMAILED', 'wrong-password', from('10.0.1.1'))).status).toBe(401);
    expect((await login(base, 'emailed@example.org', 'wrong-password', from('10.0.1.1'))).status).toBe(401);
    const slowed = await login(base, 'Emailed@Example.org', 'emailed-password', from('10.0.1.1'));
    expect429(slowed, 900);
  });

  it('limits attempts per address; other accounts from it are limited only once its budget is used', async () => {
    const ip = from('10.0.2.1');
    // Failures for one account use the address's budget too.
    for (let i = 0; i < SOURCE_FAILURES - 1; i++) {
      expect((await login(base, 'bystander', 'wrong-password', ip)).status).toBe(401);
    }
    // A right password resets the failures of this address for the account, so that rule does not trip here.
    let used = SOURCE_FAILURES - 1;
    while (used < IP_BUDGET) {
      expect((await login(base, 'bystander', 'bystander-password', ip)).status).toBe(200);
      used++;
    }
    const limited = await login(base, 'bystander', 'bystander-password', ip);
    expect429(limited, 60);
    expect(limited.problem.detail).toMatch(/address/i);
    // A different (never failed) account from the same address: now limited by the address rule.
    const other = await login(base, 'admin', 'wrong-or-right-does-not-matter', ip);
    expect429(other, 60);
    // The same account from another address is fine.
    expect((await login(base, 'bystander', 'bystander-password', from('10.0.2.2'))).status).toBe(200);
  });
});
