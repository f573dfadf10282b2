import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Name search through GET /api/v1/search: substring and prefix, case and accents ignored, each
// filter, cursor paging, and exactly what each kind of caller may see: their own files, what is
// shared with them (never the owner's other files, nor the names above the share), their
// organisations' spaces, nothing in the trash, nothing of another tenant, an API key's folder.

interface Hit extends NodeBody {
  path: string;
  space: { id: string; name: string; kind: string } | null;
  via: string;
}
interface Page {
  items: Hit[];
  next_cursor: string | null;
}

describe('search by name', () => {
  let server: TestServer;
  let admin: Api;
  let alice: Api;
  let bob: Api;
  let carol: Api;
  const ids: Record<string, string> = {};
  let acmeSpace: { id: string; root_folder_id: string };
  let startedAt: Date;

  const search = (as: Api, query: Record<string, string | number>) => as.json<Page & { detail?: string }>(`/search?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`);
  const names = async (as: Api, query: Record<string, string | number>) => {
    const res = await search(as, { limit: 200, ...query });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items.map((h) => h.name);
  };
  const upload = async (as: Api, path: string, body: string | Buffer, type = 'text/plain', extra = '') => {
    const res = await as.json<NodeBody>(`/files?${new URLSearchParams({ path, parent_id: 'root' })}${extra}`, { method: 'POST', body, headers: { 'content-type': type } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const folder = async (as: Api, path: string) => {
    const res = await as.json<NodeBody>('/folders', { method: 'POST', json: { path, parents: true } });
    expect([200, 201]).toContain(res.status);
    return res.body;
  };

  beforeAll(async () => {
    startedAt = new Date(Date.now() - 60_000);
    server = await startTestServer();
    admin = await Api.admin(server.url);
    alice = (await admin.createUser('alice', 'alice-password-1')).api;
    bob = (await admin.createUser('bob', 'bob-password-1')).api;
    carol = (await admin.createUser('carol', 'carol-password-1')).api;

    ids.recipe = (await upload(alice, 'Recipes/Crème Brûlée Recipe.md', '# Crème brûlée', 'text/markdown')).id;
    ids.reportFolder = (await folder(alice, 'REPORT')).id;
    ids.draft = (await upload(alice, 'Work/report-draft.txt', 'draft')).id;
    ids.deep = (await upload(alice, 'Work/Deep/notes report.txt', 'notes', 'text/plain', '&modified_at=2020-01-15T10:00:00Z')).id;
    ids.reportage = (await upload(alice, 'reportage.txt', 'x'.repeat(5000))).id;
    ids.photo = (await upload(alice, 'Pictures/report photo.jpg', Buffer.alloc(2000, 1), 'image/jpeg')).id;
    ids.pdf = (await upload(alice, 'Quarterly Report 2026.pdf', Buffer.from('%PDF-1.4\n'), 'application/pdf')).id;
    ids.percent = (await upload(alice, 'growth 100%_final.txt', 'x')).id;
    // Trashed: a file itself, and a file below a trashed folder (only the folder is marked).
    ids.trashedFile = (await upload(alice, 'trashed report.txt', 'x')).id;
    ids.old = (await upload(alice, 'Old/report-old.txt', 'x')).id;
    const oldFolder = (await alice.json<NodeBody>(`/files/${ids.old}`)).body.parent_id!;
    expect((await alice.fetch(`/files/${ids.trashedFile}`, { method: 'DELETE' })).status).toBe(204);
    expect((await alice.fetch(`/files/${oldFolder}`, { method: 'DELETE' })).status).toBe(204);

    // alice shares Projects/Team with bob; the rest of Projects stays hers.
    ids.teamReport = (await upload(alice, 'Projects/Team/team report.txt', 'x')).id;
    ids.secret = (await upload(alice, 'Projects/secret report.txt', 'x')).id;
    const team = (await alice.json<NodeBody>(`/files/${ids.teamReport}`)).body.parent_id!;
    ids.team = team;
    expect((await alice.json('/shares', { method: 'POST', json: { node_id: team, recipient: 'bob', role: 'viewer' } })).status).toBe(201);
    ids.bobOwn = (await upload(bob, 'bob report.txt', 'x')).id;

    // An organisation space carol is a member of, with a folder an API key is scoped to.
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'acme', name: 'Acme', owner: 'carol' } })).status).toBe(201);
    acmeSpace = (await carol.json<{ id: string; root_folder_id: string }>('/orgs/acme/spaces', { method: 'POST', json: { name: 'Drive' } })).body;
    const put = (path: string) => carol.json<NodeBody>(`/spaces/${acmeSpace.id}/content/${path}`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } });
    ids.orgReport = (await put('org report.txt')).body.id;
    ids.receipt = (await put('apps/receipts/receipt report.txt')).body.id;
    expect(ids.receipt).toBeTruthy();
  });
  afterAll(async () => server?.close());

  it('finds names by substring and prefix, ignoring case and accents, best matches first', async () => {
    // Exact name first, then names starting with the words, then names holding them.
    expect(await names(alice, { q: 'report' })).toEqual(['REPORT', 'report photo.jpg', 'report-draft.txt', 'reportage.txt', 'notes report.txt', 'Quarterly Report 2026.pdf', 'secret report.txt', 'team report.txt']);
    expect(await names(alice, { q: 'PORT' })).toEqual(['notes report.txt', 'Quarterly Report 2026.pdf', 'REPORT', 'report photo.jpg', 'report-draft.txt', 'reportage.txt', 'secret report.txt', 'team report.txt']);
    for (const q of ['creme brulee', 'CRÈME BRÛLÉE', 'crème', 'brûl', 'BRULEE RECIPE']) expect(await names(alice, { q }), q).toEqual(['Crème Brûlée Recipe.md']);
    // LIKE's wildcards are plain characters in a search.
    expect(await names(alice, { q: '100%_' })).toEqual(['growth 100%_final.txt']);
    expect(await names(alice, { q: '%' })).toEqual(['growth 100%_final.txt']);
    expect(await names(alice, { q: 'nothing like this' })).toEqual([]);

    const res = await search(alice, { q: 'notes report' });
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ id: ids.deep, kind: 'file', path: '/Work/Deep/notes report.txt', via: 'own', size: 5, mime: 'text/plain', modified_at: '2020-01-15T10:00:00.000Z' });
    expect(res.body.items[0]!.space).toMatchObject({ kind: 'personal' });
  });

  it('filters by type, kind, size, dates and folder', async () => {
    expect(await names(alice, { q: 'report', type: 'image' })).toEqual(['report photo.jpg']);
    expect(await names(alice, { q: 'report', type: 'image/*' })).toEqual(['report photo.jpg']);
    expect(await names(alice, { q: 'report', type: 'application/pdf' })).toEqual(['Quarterly Report 2026.pdf']);
    expect(await names(alice, { q: 'report', type: 'pdf,folder' })).toEqual(['REPORT', 'Quarterly Report 2026.pdf']);
    expect(await names(alice, { q: 'report', kind: 'folder' })).toEqual(['REPORT']);
    expect(await names(alice, { q: '', type: 'text/markdown' })).toEqual(['Crème Brûlée Recipe.md']);
    expect(await names(alice, { q: 'report', min_size: 1000 })).toEqual(['report photo.jpg', 'reportage.txt']);
    expect(await names(alice, { q: 'report', min_size: 1000, max_size: 4000 })).toEqual(['report photo.jpg']);
    expect(await names(alice, { q: 'report', modified_before: '2021-01-01' })).toEqual(['notes report.txt']);
    expect(await names(alice, { q: 'report', modified_after: '2020-01-15T10:00:01Z', kind: 'file', type: 'text' })).toEqual(['report-draft.txt', 'reportage.txt', 'secret report.txt', 'team report.txt']);
    expect(await names(alice, { q: 'report', uploaded_before: startedAt.toISOString() })).toEqual([]);
    expect((await names(alice, { q: 'report', uploaded_after: startedAt.toISOString() })).length).toBe(7);
    // Folders have no upload time.
    expect(await names(alice, { q: 'report', uploaded_after: startedAt.toISOString(), kind: 'folder' })).toEqual([]);

    const work = (await alice.json<NodeBody>(`/files/${ids.draft}`)).body.parent_id!;
    expect(await names(alice, { q: 'report', folder_id: work })).toEqual(['report-draft.txt', 'notes report.txt']);
    expect(await names(alice, { q: '', folder_id: work })).toEqual(['Deep', 'notes report.txt', 'report-draft.txt']);
    // Beneath a folder: not the folder itself.
    expect(await names(alice, { q: 'work', folder_id: work })).toEqual([]);
    // Someone else's folder is not there at all.
    expect((await search(bob, { q: 'report', folder_id: work })).status).toBe(404);
    expect((await search(alice, { q: 'report', folder_id: ids.draft! })).status).toBe(400);
  });

  it('pages with an opaque cursor tied to its search', async () => {
    const all = await names(alice, { q: 'report' });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: Page } = await search(alice, { q: 'report', limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((h) => h.name));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(all);
    expect(pages).toBe(3);

    const first = await search(alice, { q: 'report', limit: 3 });
    const sealed = first.body.next_cursor!;
    // Opaque: no name, id or word of the search can be read from it.
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toMatch(/report|photo/i);
    const other = await search(alice, { q: 'draft', limit: 3, cursor: sealed });
    expect(other.status).toBe(400);
    expect(other.body.detail).toContain('another search');
    expect((await search(bob, { q: 'report', limit: 3, cursor: sealed })).status).toBe(200);
    const forged = await search(alice, { q: 'report', limit: 3, cursor: sealed.slice(0, -4) + 'AAAA' });
    expect(forged.status).toBe(400);
    expect((await search(alice, { q: 'report', cursor: 'not-a-cursor' })).status).toBe(400);
  });

  it('answers bad parameters with 400 and a reason', async () => {
    const cases: [Record<string, string | number>, string][] = [
      [{ q: 'a', type: 'pictures' }, 'neither a kind of file'],
      [{ q: 'a', min_size: 10, max_size: 5 }, 'size range'],
      [{ q: 'a', modified_after: '2026-01-02', modified_before: '2026-01-01' }, 'modified date range'],
      [{ q: 'a', modified_after: 'yesterday' }, ''],
      [{ q: 'a', limit: 0 }, ''],
      [{ q: 'a', limit: 500 }, ''],
      [{ q: '!!!', in: 'content' }, 'Give a word'],
      [{ q: 'a', in: 'everywhere' }, ''],
      [{ q: 'a', folder_id: 'root' }, ''],
      [{ q: 'x'.repeat(201) }, ''],
    ];
    for (const [query, detail] of cases) {
      const res = await search(alice, query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.detail, JSON.stringify(query)).toContain(detail);
    }
    expect((await fetch(`${server.url}/api/v1/search?q=report`)).status).toBe(401);
  });

  it('shows what is shared, under "Shared with me", and nothing else of the owner’s', async () => {
    expect(await names(bob, { q: 'report' })).toEqual(['bob report.txt', 'team report.txt']);
    const shared = (await search(bob, { q: 'team report' })).body.items[0]!;
    expect(shared).toMatchObject({ id: ids.teamReport, path: '/Shared with me/Team/team report.txt', via: 'share', space: null });
    // The shared folder itself is found too; its parent (Projects) is not.
    expect(await names(bob, { q: 'team' })).toEqual(['Team', 'team report.txt']);
    expect(await names(bob, { q: 'projects' })).toEqual([]);
    expect(await names(bob, { q: '' })).toEqual(['bob report.txt', 'Team', 'team report.txt']);
    // Within the share, a folder search works for the recipient.
    expect(await names(bob, { q: '', folder_id: ids.team! })).toEqual(['team report.txt']);
    // A share that ends takes its names with it.
    const share = (await alice.json<{ items: { id: string }[] }>(`/shares?node_id=${ids.team}`)).body.items[0]!;
    expect((await alice.fetch(`/shares/${share.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await names(bob, { q: 'report' })).toEqual(['bob report.txt']);
    expect((await alice.json('/shares', { method: 'POST', json: { node_id: ids.team, recipient: 'bob', role: 'viewer' } })).status).toBe(201);
  });

  it('never shows the trash, other people’s files or spaces one is no member of', async () => {
    const mine = await names(alice, { q: '' });
    expect(mine).not.toContain('trashed report.txt');
    expect(mine).not.toContain('report-old.txt');
    expect(mine).not.toContain('Old');
    expect(mine).not.toContain('bob report.txt');
    expect(mine).not.toContain('org report.txt');
    expect(await names(carol, { q: 'report' })).toEqual(['org report.txt', 'receipt report.txt']);
    const org = (await search(carol, { q: 'receipt' })).body.items[0]!;
    expect(org).toMatchObject({ path: '/apps/receipts/receipt report.txt', via: 'space', space: { id: acmeSpace.id, name: 'Drive', kind: 'organization' } });
    // Restored, a trashed file is found again.
    expect((await alice.json(`/trash/${ids.trashedFile}/restore`, { method: 'POST' })).status).toBe(200);
    expect(await names(alice, { q: 'trashed' })).toEqual(['trashed report.txt']);
    // A member who leaves sees nothing of the space.
    expect((await carol.json('/orgs/acme/members/bob', { method: 'PUT', json: { role: 'member' } })).status).toBe(200);
    expect([200, 201]).toContain((await carol.json(`/spaces/${acmeSpace.id}/members`, { method: 'POST', json: { user: 'bob', role: 'viewer' } })).status);
    expect(await names(bob, { q: 'org report' })).toEqual(['org report.txt']);
    expect((await carol.fetch('/orgs/acme/members/bob', { method: 'DELETE' })).status).toBe(204);
    expect(await names(bob, { q: 'org report' })).toEqual([]);
  });

  it('keeps a tenant’s files from its admins until a support session, and an API key to its folder', async () => {
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'tenant', name: 'Tenant', owner: 'carol', tenant: true } })).status).toBe(201);
    expect((await carol.json('/orgs/tenant/members/alice', { method: 'PUT', json: { role: 'admin' } })).status).toBe(200);
    const space = (await carol.json<{ id: string }>('/orgs/tenant/spaces', { method: 'POST', json: { name: 'Backups' } })).body;
    expect((await carol.json(`/spaces/${space.id}/content/device/tenant report.txt`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(201);
    expect(await names(carol, { q: 'tenant report' })).toEqual(['tenant report.txt']);
    // alice administers the tenant but reads nothing in it; neither does the instance's admin.
    expect(await names(alice, { q: 'tenant report' })).toEqual([]);
    expect(await names(admin, { q: 'tenant report' })).toEqual([]);
    // An approved, started support session lets her find it, as a support hit.
    const asked = await alice.json<{ id: string }>(`/spaces/${space.id}/support-requests`, { method: 'POST', json: { reason: 'Ticket 12: a restore fails', minutes: 15 } });
    expect(asked.status).toBe(201);
    expect((await carol.json(`/support-requests/${asked.body.id}/approve`, { method: 'POST', json: {} })).status).toBe(200);
    expect((await alice.json(`/support-requests/${asked.body.id}/start`, { method: 'POST', json: {} })).status).toBe(200);
    const found = await search(alice, { q: 'tenant report' });
    expect(found.body.items.map((h) => [h.name, h.via])).toEqual([['tenant report.txt', 'support']]);
    expect((await carol.json(`/support-requests/${asked.body.id}/revoke`, { method: 'POST', json: {} })).status).toBe(200);
    expect(await names(alice, { q: 'tenant report' })).toEqual([]);

    // An API key scoped to /apps/receipts of the Drive finds what is there and nothing beside it.
    const account = await carol.json<{ id: string }>('/orgs/acme/service-accounts', {
      method: 'POST',
      json: { name: 'Receipts', scopes: [{ space_id: acmeSpace.id, path_prefix: '/apps/receipts', permissions: ['read', 'list'] }] },
    });
    expect(account.status, JSON.stringify(account.body)).toBe(201);
    const key = (await carol.json<{ key: string }>(`/orgs/acme/service-accounts/${account.body.id}/keys`, { method: 'POST', json: { name: 'k' } })).body.key;
    const app = new Api(server.url, key);
    expect(await names(app, { q: 'report' })).toEqual(['receipt report.txt']);
    // The scope's own folder is the key's top, as a shared folder is its recipient's.
    expect(await names(app, { q: '' })).toEqual(['receipt report.txt', 'receipts']);
    expect((await search(app, { q: 'receipt' })).body.items[0]).toMatchObject({ via: 'service', path: '/apps/receipts/receipt report.txt' });
  });
});
