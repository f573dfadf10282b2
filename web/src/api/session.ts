import { ApiError, NetworkError, problemOf } from './errors';

/** Where the REST API lives, relative to the page. */
export const API_BASE = '/api/v1';

export const CSRF_COOKIE = 'coffer_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

interface AccessToken {
  value: string;
  /** Epoch ms after which the token must not be used. */
  expiresAt: number;
}

export function readCookie(name: string, cookies: string = typeof document === 'undefined' ? '' : document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

type Listener = (signedIn: boolean) => void;

/**
 * The web session: the short-lived access token lives only in memory; the refresh credential is
 * an httpOnly cookie the server sets, so no script can read it. Renewal is double-submit CSRF
 * protected and serialised across tabs, because a refresh token works once.
 */
export class Session {
  private token: AccessToken | undefined;
  private renewing: Promise<boolean> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly fetchImpl: typeof fetch = (...args) => fetch(...args)) {}

  get accessToken(): string | undefined {
    return this.token && this.token.expiresAt > Date.now() ? this.token.value : undefined;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(username: string, password: string): Promise<void> {
    const response = await this.post('/auth/login', { username, password, session: 'cookie' });
    this.accept((await response.json()) as { access_token: string; expires_in: number });
  }

  /** Renews the access token from the refresh cookie; false when there is no session to renew. */
  renew(): Promise<boolean> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  async signOut(): Promise<void> {
    try {
      await this.post('/auth/logout', {});
    } finally {
      this.clear();
    }
  }

  /** Forgets the token locally (after the server ended the session). */
  clear(): void {
    const had = this.token !== undefined;
    this.token = undefined;
    if (this.timer) clearTimeout(this.timer);
    if (had) this.emit(false);
  }

  private async renewOnce(): Promise<boolean> {
    if (!readCookie(CSRF_COOKIE)) {
      this.clear();
      return false;
    }
    const run = async () => {
      try {
        const response = await this.post('/auth/refresh', {});
        this.accept((await response.json()) as { access_token: string; expires_in: number });
        return true;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          this.clear();
          return false;
        }
        throw err;
      }
    };
    // Another tab may be renewing with the same one-use cookie; wait for it, then use the new one.
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    return locks ? locks.request('coffer-session-renew', run) : run();
  }

  private accept(pair: { access_token: string; expires_in: number }): void {
    const had = this.token !== undefined;
    const lifetime = pair.expires_in * 1000;
    this.token = { value: pair.access_token, expiresAt: Date.now() + lifetime - 5_000 };
    if (this.timer) clearTimeout(this.timer);
    // Renew silently at 80 % of the lifetime so requests never meet an expired token.
    this.timer = setTimeout(() => void this.renew().catch(() => undefined), Math.max(5_000, lifetime * 0.8));
    if (!had) this.emit(true);
  }

  private emit(signedIn: boolean): void {
    for (const l of this.listeners) l(signedIn);
  }

  private async post(path: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
    let response: Response;
    try {
      response = await this.fetchImpl(`${API_BASE}${path}`, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
    } catch (err) {
      throw new NetworkError(err);
    }
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    return response;
  }
}
