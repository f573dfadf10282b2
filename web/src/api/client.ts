import { ApiError, NetworkError, problemOf } from './errors';
import { API_BASE, type Session } from './session';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Authorised calls to the REST API: renews the session once on a 401 and retries. */
export class ApiClient {
  constructor(
    readonly session: Session,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  /** A bearer token, renewing the session if the current one has run out. */
  async token(): Promise<string> {
    const current = this.session.accessToken;
    if (current) return current;
    if (await this.session.renew()) return this.session.accessToken ?? '';
    throw new ApiError(401, { status: 401, title: 'Unauthorized', detail: 'Your session has ended. Sign in again.' });
  }

  async raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const send = async (token: string) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers };
      let body: BodyInit | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      try {
        return await this.fetchImpl(withQuery(`${API_BASE}${path}`, options.query), { method, headers, body, signal: options.signal, credentials: 'same-origin' });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw new NetworkError(err);
      }
    };
    let response = await send(await this.token());
    if (response.status === 401 && (await this.session.renew())) response = await send(await this.token());
    if (response.status === 401) this.session.clear();
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    return response;
  }

  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const response = await this.raw(method, path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.json<T>('GET', path, { query, signal });
  }
}
