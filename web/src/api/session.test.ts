import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from './client';
import { ApiError } from './errors';
import { readCookie, Session } from './session';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

afterEach(() => {
  document.cookie = 'coffer_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
});

describe('Session', () => {
  it('renews from the cookie with the CSRF header, once for concurrent callers', async () => {
    document.cookie = 'coffer_csrf=abc123; path=/';
    const fetchImpl = vi.fn(async () => jsonResponse(200, { access_token: 'A1', expires_in: 900, token_type: 'Bearer' }));
    const session = new Session(fetchImpl as unknown as typeof fetch);
    const [a, b] = await Promise.all([session.renew(), session.renew()]);
    expect(a && b).toBe(true);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/auth/refresh');
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('abc123');
    expect(init.credentials).toBe('same-origin');
    expect(session.accessToken).toBe('A1');
  });

  it('does not ask the server when there is no session cookie', async () => {
    const fetchImpl = vi.fn();
    const session = new Session(fetchImpl as unknown as typeof fetch);
    expect(await session.renew()).toBe(false);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('signs out locally when the server refuses the renewal', async () => {
    document.cookie = 'coffer_csrf=abc; path=/';
    const session = new Session((async () => jsonResponse(401, { status: 401, detail: 'This session has ended' })) as unknown as typeof fetch);
    expect(await session.renew()).toBe(false);
    expect(session.accessToken).toBeUndefined();
  });

  it('asks for a cookie session at sign-in and surfaces the reason of a refusal', async () => {
    const fetchImpl = vi.fn(async () => jsonResponse(403, { status: 403, detail: 'This account is suspended' }));
    const session = new Session(fetchImpl as unknown as typeof fetch);
    const err = await session.signIn('bob', 'pw').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).detail).toBe('This account is suspended');
    const body = JSON.parse((fetchImpl.mock.calls[0] as unknown as [string, RequestInit])[1].body as string) as { session: string };
    expect(body.session).toBe('cookie');
  });
});

describe('ApiClient', () => {
  it('renews once on a 401 and retries with the new token', async () => {
    document.cookie = 'coffer_csrf=c; path=/';
    const seen: string[] = [];
    let tokens = 0;
    const fetchImpl = vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/auth/refresh')) return jsonResponse(200, { access_token: `T${++tokens}`, expires_in: 900, token_type: 'Bearer' });
      const auth = (init.headers as Record<string, string>).authorization!;
      seen.push(auth);
      return auth === 'Bearer T2' ? jsonResponse(200, { ok: true }) : jsonResponse(401, { status: 401, detail: 'expired' });
    });
    const session = new Session(fetchImpl as unknown as typeof fetch);
    const api = new ApiClient(session, fetchImpl as unknown as typeof fetch);
    expect(await api.get<{ ok: boolean }>('/account')).toEqual({ ok: true });
    expect(seen).toEqual(['Bearer T1', 'Bearer T2']);
  });
});

describe('readCookie', () => {
  it('finds one cookie among several and decodes it', () => {
    expect(readCookie('b', 'a=1; b=x%3Dy; c=3')).toBe('x=y');
    expect(readCookie('d', 'a=1')).toBeUndefined();
  });
});
