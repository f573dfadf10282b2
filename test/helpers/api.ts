import { ADMIN_PASSWORD } from './server.js';

/** A small REST client over fetch, signed in as one user. */
export class Api {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  static async login(base: string, username: string, password: string): Promise<Api> {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { access_token: string };
    return new Api(base, body.access_token);
  }

  static admin(base: string): Promise<Api> {
    return Api.login(base, 'admin', ADMIN_PASSWORD);
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${this.token}`);
    return fetch(`${this.base}/api/v1${path}`, { ...init, headers, ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
  }

  async json<T = Record<string, unknown>>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: T; res: Response }> {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set('content-type', 'application/json');
    const res = await this.fetch(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res };
  }

  upload(relPath: string, data: string | Uint8Array, opts: { parent?: string; overwrite?: boolean; type?: string } = {}) {
    const q = new URLSearchParams({ path: relPath, parent_id: opts.parent ?? 'root' });
    if (opts.overwrite) q.set('overwrite', 'true');
    return this.json<NodeBody>(`/files?${q}`, {
      method: 'POST',
      body: typeof data === 'string' ? data : Buffer.from(data),
      headers: { 'content-type': opts.type ?? 'application/octet-stream' },
    });
  }

  async createUser(username: string, password: string, quota?: number | null): Promise<{ id: string; api: Api }> {
    const res = await this.json<{ id: string }>('/admin/users', {
      method: 'POST',
      json: { username, password, ...(quota !== undefined ? { quota_bytes: quota } : {}) },
    });
    if (res.status !== 201) throw new Error(`create user failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, api: await Api.login(this.base, username, password) };
  }
}

export interface NodeBody {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  parent_id: string | null;
  path?: string;
  size: number;
  etag: string;
  mime: string | null;
  version_id: string | null;
  modified_at: string;
  [k: string]: unknown;
}
