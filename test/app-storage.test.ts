import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// App storage through real HTTP: objects addressed by path in a space, service accounts with
// scoped API keys, and signed URLs, each used the way an organisation's application would.

interface Stored {
  id: string;
  space_id: string;
  path: string;
  size: number;
  content_type: string | null;
  sha256: string | null;
}
interface Space {
  id: string;
  root_folder_id: string;
  used_bytes: number;
}
interface Account {
  id: string;
  scopes: { space_id: string; path_prefix: string; permissions: string[] }[];
  keys: { id: string; hint: string; last_used_at: string | null; revoked_at: string | null }[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A REST client with an API key instead of a session. */
class KeyApi extends Api {
  constructor(base: string, key: string) {
    super(base, key);
  }
}

describe('app storage', () => {
  let server: TestServer;
  let admin: Api;
  let owner: Api;
  let editor: Api;
  let accounting: Space;
  let builds: Space;

  const put = (as: Api, space: string, path: string, body: string, type = 'application/octet-stream', query = '') =>
    as.json<Stored>(`/spaces/${space}/content/${path}${query}`, { method: 'PUT', body, headers: { 'content-type': type } });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    owner = (await admin.createUser('orla', 'orla-password-1')).api;
    editor = (await admin.createUser('eddy', 'eddy-password-1')).api;
    await admin.json('/orgs', { method: 'POST', json: { slug: 'acme', name: 'Acme', owner: 'orla' } });
    await owner.json('/orgs/acme/members/eddy', { method: 'PUT', json: { role: 'member' } });
    accounting = (await owner.json<Space>('/orgs/acme/spaces', { method: 'POST', json: { name: 'Accounting', quota_bytes: 100_000 } })).body;
    builds = (await owner.json<Space>('/orgs/acme/spaces', { method: 'POST', json: { name: 'Builds' } })).body;
    await owner.json(`/spaces/${accounting.id}/members`, { method: 'POST', json: { user: 'eddy', role: 'editor' } });
  });
  afterAll(async () => server?.close());

  it('stores, describes, fetches and deletes objects by path, with the related business object in the audit trail', async () => {
    const body = 'receipt #789: 42.00 EUR';
    const stored = await put(editor, accounting.id, 'receipts/2026/12/inv-789.pdf', body, 'application/pdf', '?related_object_type=invoice&related_object_id=inv-789');
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    expect(stored.body).toMatchObject({ space_id: accounting.id, path: '/receipts/2026/12/inv-789.pdf', size: body.length, content_type: 'application/pdf', sha256: sha256(body) });

    const meta = await editor.json<Stored>(`/spaces/${accounting.id}/metadata/receipts/2026/12/inv-789.pdf`);
    expect(meta.body).toMatchObject({ id: stored.body.id, sha256: sha256(body), path: '/receipts/2026/12/inv-789.pdf' });
    const got = await editor.fetch(`/spaces/${accounting.id}/content/receipts/2026/12/inv-789.pdf`);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe(body);
    const range = await editor.fetch(`/spaces/${accounting.id}/content/receipts/2026/12/inv-789.pdf`, { headers: { range: 'bytes=0-6' } });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe('receipt');

    const again = await put(editor, accounting.id, 'receipts/2026/12/inv-789.pdf', 'corrected', 'application/pdf');
    expect(again.status).toBe(200);
    expect(again.body.sha256).toBe(sha256('corrected'));
    expect((await editor.json<{ items: unknown[] }>(`/files/${stored.body.id}/versions`)).body.items).toHaveLength(2);

    // A name that is no valid name, a file in the way, nothing there.
    expect((await put(editor, accounting.id, 'receipts/2026/12/inv-789.pdf/inner.txt', 'x')).status).toBe(409);
    expect((await editor.json(`/spaces/${accounting.id}/metadata/receipts/none.pdf`)).status).toBe(404);
    expect((await editor.json(`/spaces/${accounting.id}/content/receipts/x?related_object_type=invoice`, { method: 'DELETE' })).status).toBe(400);

    // Soft delete by anyone who may delete; for good only with the purge permission.
    const tmp = await put(editor, accounting.id, 'tmp/scratch.txt', 'scratch');
    expect((await editor.json(`/spaces/${accounting.id}/content/tmp/scratch.txt?permanent=true`, { method: 'DELETE' })).status).toBe(403);
    expect((await editor.json(`/spaces/${accounting.id}/content/tmp/scratch.txt`, { method: 'DELETE' })).status).toBe(204);
    expect((await editor.json<{ items: { id: string }[] }>(`/trash?space_id=${accounting.id}`)).body.items.map((i) => i.id)).toContain(tmp.body.id);
    const gone = await put(owner, accounting.id, 'tmp/gone.txt', 'gone');
    expect((await owner.json(`/spaces/${accounting.id}/content/tmp/gone.txt?permanent=true`, { method: 'DELETE' })).status).toBe(204);
    expect((await owner.json<{ items: { id: string }[] }>(`/trash?space_id=${accounting.id}`)).body.items.map((i) => i.id)).not.toContain(gone.body.id);

    const audit = await admin.json<{ items: { action: string; path: string | null; detail: Record<string, unknown> | null }[] }>('/admin/audit?action=file.upload&limit=50');
    const first = audit.body.items.find((e) => e.path === '/receipts/2026/12/inv-789.pdf' && e.detail?.related);
    expect(first?.detail?.related).toEqual({ type: 'invoice', id: 'inv-789' });

    // The organisation's admins query their own trail by related object, path and action, and export it.
    const byInvoice = await owner.json<{ items: { action: string; path: string | null }[]; total: number }>('/orgs/acme/audit?related_object_type=invoice&related_object_id=inv-789');
    expect(byInvoice.status).toBe(200);
    expect(byInvoice.body.items.map((e) => [e.action, e.path])).toEqual([['file.upload', '/receipts/2026/12/inv-789.pdf']]);
    expect((await owner.json<{ total: number }>('/orgs/acme/audit?related_object_type=invoice&related_object_id=inv-790')).body.total).toBe(0);
    const byPath = await owner.json<{ items: { action: string }[] }>('/orgs/acme/audit?path_prefix=/tmp/&action=node.purge');
    expect(byPath.body.items).toHaveLength(1);
    const orgEvents = await owner.json<{ items: { action: string }[] }>('/orgs/acme/audit?action=org.space.create');
    expect(orgEvents.body.items).toHaveLength(2);
    const csv = await owner.fetch('/orgs/acme/audit/export?related_object_type=invoice');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('id,at,user,user_id,action,result,path,bytes,ip,user_agent,detail');
    expect(lines.slice(1).every((l) => l.includes('inv-789'))).toBe(true);
    expect(lines).toHaveLength(2);
    // Members who do not run the organisation, and other organisations' admins, read none of it.
    expect((await editor.json('/orgs/acme/audit')).status).toBe(403);
    await admin.json('/orgs', { method: 'POST', json: { slug: 'elsewhere', name: 'Elsewhere', owner: 'eddy' } });
    expect((await editor.json('/orgs/elsewhere/audit?action=org.space.create')).body).toMatchObject({ total: 0 });
    expect((await owner.json('/orgs/elsewhere/audit')).status).toBe(404);
    // Someone outside the space reaches none of it by path either.
    const stranger = (await admin.createUser('stray', 'stray-password-1')).api;
    expect((await stranger.fetch(`/spaces/${accounting.id}/content/receipts/2026/12/inv-789.pdf`)).status).toBe(404);
    expect((await put(stranger, accounting.id, 'receipts/mine.txt', 'x')).status).toBe(404);
  });

  describe('service accounts', () => {
    let account: Account;
    let key: string;
    let app: KeyApi;

    it('are made by org admins, scoped to a folder of a space, and get a key shown once', async () => {
      expect((await editor.json('/orgs/acme/service-accounts', { method: 'POST', json: { name: 'x', scopes: [] } })).status).toBe(403);
      const bad = await owner.json<{ detail: string }>('/orgs/acme/service-accounts', { method: 'POST', json: { name: 'bad', scopes: [{ space_id: accounting.id, permissions: ['read', 'manage'] }] } });
      expect(bad.status).toBe(400);
      const created = await owner.json<Account>('/orgs/acme/service-accounts', {
        method: 'POST',
        json: { name: 'Receipts app', scopes: [{ space_id: accounting.id, path_prefix: '/apps/receipts', permissions: ['read', 'list', 'create', 'write'] }] },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      account = created.body;
      expect(account.scopes).toEqual([expect.objectContaining({ space_id: accounting.id, path_prefix: '/apps/receipts', permissions: ['read', 'list', 'create', 'write'] })]);
      // The scope's folder exists for the application to write into.
      expect((await owner.json(`/spaces/${accounting.id}/metadata/apps/receipts`)).status).toBe(200);

      const issued = await owner.json<{ id: string; key: string }>(`/orgs/acme/service-accounts/${account.id}/keys`, { method: 'POST', json: { name: 'prod' } });
      expect(issued.status).toBe(201);
      key = issued.body.key;
      expect(key).toMatch(/^cof_sk_[A-Za-z0-9_-]{40}$/);
      const listed = (await owner.json<Account>(`/orgs/acme/service-accounts/${account.id}`)).body;
      expect(JSON.stringify(listed)).not.toContain(key);
      expect(listed.keys[0]!.hint).toBe(key.slice(-4));
      app = new KeyApi(server.url, key);
    });

    it('an application works inside its scope only, and never on people-only routes', async () => {
      const stored = await put(app, accounting.id, 'apps/receipts/r-1.json', '{"total":1}', 'application/json');
      expect(stored.status, JSON.stringify(stored.body)).toBe(201);
      expect((await app.fetch(`/spaces/${accounting.id}/content/apps/receipts/r-1.json`)).status).toBe(200);
      expect((await app.json(`/files/${stored.body.id}`)).status).toBe(200);
      // Above its folder, beside it, and in a space it has no scope on: nothing.
      expect((await put(app, accounting.id, 'apps/other.txt', 'x')).status).toBe(404);
      expect((await put(app, accounting.id, 'receipts/2026/12/sneaky.pdf', 'x')).status).toBe(404);
      expect((await app.fetch(`/spaces/${accounting.id}/content/receipts/2026/12/inv-789.pdf`)).status).toBe(404);
      expect((await put(app, builds.id, 'a.txt', 'x')).status).toBe(404);
      expect((await app.json(`/folders/${accounting.root_folder_id}/children`)).status).toBe(404);
      // Not granted: delete. Never granted: managing anything.
      expect((await app.json(`/spaces/${accounting.id}/content/apps/receipts/r-1.json`, { method: 'DELETE' })).status).toBe(403);
      for (const path of ['/orgs', '/orgs/acme/service-accounts', '/account', '/auth/app-passwords', '/admin/users']) {
        const r = await app.json(path);
        expect(r.status, path).toBe(403);
      }
      const audit = await admin.json<{ items: { actor_name: string | null; path: string | null }[] }>('/admin/audit?action=file.upload&limit=50');
      expect(audit.body.items.find((e) => e.path === '/apps/receipts/r-1.json')?.actor_name).toBe('service:Receipts app');
      expect((await owner.json<Account>(`/orgs/acme/service-accounts/${account.id}`)).body.keys[0]!.last_used_at).not.toBeNull();
    });

    it('a key stops on its next request once revoked; a disabled account with it', async () => {
      const second = (await owner.json<{ id: string; key: string }>(`/orgs/acme/service-accounts/${account.id}/keys`, { method: 'POST', json: {} })).body;
      const other = new KeyApi(server.url, second.key);
      expect((await other.fetch(`/spaces/${accounting.id}/content/apps/receipts/r-1.json`)).status).toBe(200);
      expect((await owner.json(`/orgs/acme/service-accounts/${account.id}/keys/${second.id}`, { method: 'DELETE' })).status).toBe(204);
      const revoked = await other.json<{ detail: string }>(`/spaces/${accounting.id}/metadata/apps/receipts/r-1.json`);
      expect(revoked.status).toBe(401);
      expect(revoked.body.detail).toMatch(/revoked/);
      expect((await app.fetch(`/spaces/${accounting.id}/content/apps/receipts/r-1.json`)).status).toBe(200);

      expect((await owner.json(`/orgs/acme/service-accounts/${account.id}`, { method: 'PATCH', json: { disabled: true } })).status).toBe(200);
      expect((await app.fetch(`/spaces/${accounting.id}/content/apps/receipts/r-1.json`)).status).toBe(401);
      expect((await owner.json(`/orgs/acme/service-accounts/${account.id}`, { method: 'PATCH', json: { disabled: false } })).status).toBe(200);
      expect((await app.fetch(`/spaces/${accounting.id}/content/apps/receipts/r-1.json`)).status).toBe(200);
      expect((await new KeyApi(server.url, 'cof_sk_' + 'x'.repeat(40)).json(`/spaces/${accounting.id}/metadata/apps`)).status).toBe(401);
    });

    describe('signed URLs', () => {
      const fetchUrl = (url: string, init: RequestInit = {}) => fetch(`${server.url}${url}`, init);
      const issue = (as: Api, json: Record<string, unknown>) => as.json<{ url: string; expires_at: string }>('/signed-urls', { method: 'POST', json });

      it('a GET URL reads one file with no other credential, until it expires', async () => {
        const r = await issue(app, { method: 'GET', space_id: accounting.id, path: '/apps/receipts/r-1.json' });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        const got = await fetchUrl(r.body.url);
        expect(got.status).toBe(200);
        expect(await got.text()).toBe('{"total":1}');
        expect((await fetchUrl(r.body.url, { method: 'PUT', body: 'x' })).status).toBe(405);

        const asked = Date.now();
        const short = await issue(editor, { method: 'GET', node_id: (await editor.json<Stored>(`/spaces/${accounting.id}/metadata/receipts/2026/12/inv-789.pdf`)).body.id, expires_in: 1 });
        expect((await fetchUrl(short.body.url)).status).toBe(200);
        // It lives at least the second asked for, and ends at the whole second it names.
        expect(Date.parse(short.body.expires_at)).toBeGreaterThanOrEqual(asked + 1_000);
        const lifetime = Date.parse(short.body.expires_at) - Date.now();
        expect(lifetime).toBeLessThanOrEqual(2_000);
        await sleep(lifetime + 50);
        const expired = await fetchUrl(short.body.url);
        expect(expired.status).toBe(403);
        expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);
        // Beyond the organisation's maximum, or outside the issuer's reach: not issued.
        expect((await issue(editor, { method: 'GET', space_id: accounting.id, path: '/receipts/2026/12/inv-789.pdf', expires_in: 90 * 86_400 })).status).toBe(400);
        expect((await issue(app, { method: 'GET', space_id: accounting.id, path: '/receipts/2026/12/inv-789.pdf' })).status).toBe(404);
      });

      it('refuses a URL whose path, expiry, method or bound length was altered', async () => {
        const r = await issue(app, { method: 'PUT', space_id: accounting.id, path: '/apps/receipts/up.txt', content_length: 5, content_type: 'text/plain' });
        const url = new URL(r.body.url, server.url);
        const tampered = [
          url.pathname.replace('up.txt', 'other.txt') + url.search,
          url.pathname + url.search.replace(/expires=\d+/, (m) => `expires=${Number(m.split('=')[1]) + 3600}`),
          url.pathname + url.search.replace('method=PUT', 'method=GET'),
          url.pathname + url.search.replace('length=5', 'length=50'),
          url.pathname + url.search.replace(/signature=[^&]+/, 'signature=AAAA'),
        ];
        for (const t of tampered) {
          const res = await fetchUrl(t, { method: 'PUT', body: 'hello', headers: { 'content-type': 'text/plain' } });
          expect([403, 405], `${t} -> ${res.status}`).toContain(res.status);
        }
        // Bound fields hold: the wrong length or type is refused, the right one stored.
        expect((await fetchUrl(r.body.url, { method: 'PUT', body: 'hello!', headers: { 'content-type': 'text/plain' } })).status).toBe(400);
        expect((await fetchUrl(r.body.url, { method: 'PUT', body: 'hello', headers: { 'content-type': 'image/png' } })).status).toBe(400);
        const ok = await fetchUrl(r.body.url, { method: 'PUT', body: 'hello', headers: { 'content-type': 'text/plain' } });
        expect(ok.status).toBe(201);
        expect(((await ok.json()) as Stored).sha256).toBe(sha256('hello'));
        expect(await (await app.fetch(`/spaces/${accounting.id}/content/apps/receipts/up.txt`)).text()).toBe('hello');
      });

      it('a single-use URL works once; an upload through a URL obeys the quota; revoking the key ends its URLs', async () => {
        const once = await issue(app, { method: 'GET', space_id: accounting.id, path: '/apps/receipts/r-1.json', single_use: true });
        expect((await fetchUrl(once.body.url)).status).toBe(200);
        expect((await fetchUrl(once.body.url)).status).toBe(410);

        const big = await issue(app, { method: 'PUT', space_id: accounting.id, path: '/apps/receipts/huge.bin' });
        const used = (await owner.json<Space>(`/spaces/${accounting.id}`)).body.used_bytes;
        expect((await fetchUrl(big.body.url, { method: 'PUT', body: 'z'.repeat(200_000) })).status).toBe(507);
        expect((await owner.json<Space>(`/spaces/${accounting.id}`)).body.used_bytes).toBe(used);

        const later = await issue(app, { method: 'GET', space_id: accounting.id, path: '/apps/receipts/r-1.json' });
        const keyId = (await owner.json<Account>(`/orgs/acme/service-accounts/${account.id}`)).body.keys.find((k) => k.hint === key.slice(-4))!.id;
        expect((await owner.json(`/orgs/acme/service-accounts/${account.id}/keys/${keyId}`, { method: 'DELETE' })).status).toBe(204);
        const dead = await fetchUrl(later.body.url);
        expect(dead.status).toBe(403);
        expect(((await dead.json()) as { detail: string }).detail).toMatch(/can no longer use it/);

        const audit = await admin.json<{ items: { action: string; detail: Record<string, unknown> | null }[] }>('/admin/audit?limit=200');
        expect(audit.body.items.some((e) => e.action === 'signed_url.issue')).toBe(true);
        expect(audit.body.items.some((e) => e.action === 'file.upload' && typeof e.detail?.signedUrl === 'string')).toBe(true);
        expect(audit.body.items.some((e) => e.action === 'file.download' && typeof e.detail?.signedUrl === 'string')).toBe(true);
      });
    });
  });
});
