import { request as httpRequest } from 'node:http';
import { Api } from './api.js';

export interface DavResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A WebDAV account on a test server: a user, an app password, and raw HTTP helpers. */
export class DavUser {
  constructor(
    readonly base: string,
    readonly username: string,
    readonly appPassword: string,
    readonly api: Api,
  ) {}

  /** Creates a user (through the admin API) and an app password for it. */
  static async create(base: string, username: string, options: { quota?: number | null } = {}): Promise<DavUser> {
    const admin = await Api.admin(base);
    const password = `${username}-password-123`;
    const { api } = await admin.createUser(username, password, options.quota);
    const res = await api.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: `dav ${username}` } });
    if (res.status !== 201) throw new Error(`app password for ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    return new DavUser(base, username, res.body.password, api);
  }

  get authorization(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.appPassword}`).toString('base64')}`;
  }

  /** The URL of a path below /dav/ (give it already percent-encoded where needed). */
  url(path: string): string {
    return `${this.base}/dav${path.startsWith('/') ? path : `/${path}`}`;
  }

  /**
   * Sends one request with exactly the given method, path and headers (node:http, so methods
   * like PROPFIND and headers like Transfer-Encoding go out as written).
   */
  request(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; auth?: boolean; rawPath?: boolean } = {}): Promise<DavResult> {
    const url = new URL(this.base);
    const target = options.rawPath ? path : `/dav${path.startsWith('/') ? path : `/${path}`}`;
    const headers: Record<string, string> = { ...(options.auth === false ? {} : { authorization: this.authorization }), ...options.headers };
    if (options.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'transfer-encoding')) {
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method, path: target, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (options.body !== undefined) req.write(options.body);
      req.end();
    });
  }
}
