import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Organisations kept apart: members of organisation A (an editor of one of its spaces, and A's
// owner) and the instance administrator try every REST route and WebDAV method on organisation
// B's space, and the editor on a space of A they hold no role on. Every attempt is refused, and
// afterwards nothing of B's has changed: its usage, its top ETag, its listing, its bytes.
// B's owner runs each request first as the control, so a refusal means "not reachable", not "a
// broken request".

interface Space {
  id: string;
  root_folder_id: string;
  used_bytes: number;
}

type Attacker = 'editorA' | 'ownerA' | 'instanceAdmin' | 'serviceA';

interface Target {
  space: Space;
  file: NodeBody;
  folder: NodeBody;
  orgSlug: string;
  davTop: string;
}

describe('organisations kept apart', () => {
  let server: TestServer;
  let admin: Api;
  const dav: Record<'ownerB' | 'editorA' | 'ownerA', DavUser> = {} as never;
  let b: Target;
  let a2: Target;
  let bBefore: string;
  /** A's application: an API key scoped to all of A1 with every permission. */
  let serviceA: Api;

  const api = (who: Attacker | 'ownerB'): Api => (who === 'instanceAdmin' ? admin : who === 'serviceA' ? serviceA : dav[who].api);

  async function snapshot(t: Target): Promise<string> {
    const owner = dav.ownerB.api;
    const space = (await owner.json<Space>(`/spaces/${t.space.id}`)).body;
    const top = (await owner.json<{ items: NodeBody[] }>(`/folders/${t.space.root_folder_id}/children`)).body.items.map((n) => `${n.name}:${n.etag}`);
    const inner = (await owner.json<{ items: NodeBody[] }>(`/folders/${t.folder.id}/children`)).body.items.map((n) => `${n.name}:${n.etag}`);
    const bytes = await (await owner.fetch(`/files/${t.file.id}/content`)).text();
    const members = (await owner.json<{ items: unknown[] }>(`/spaces/${t.space.id}/members`)).body.items.length;
    return JSON.stringify({ used: space.used_bytes, top, inner, bytes, members });
  }

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    dav.ownerB = await DavUser.create(server.url, 'bea');
    dav.ownerA = await DavUser.create(server.url, 'abe');
    dav.editorA = await DavUser.create(server.url, 'eli');
    await admin.json('/orgs', { method: 'POST', json: { slug: 'org-a', name: 'Org A', owner: 'abe' } });
    await admin.json('/orgs', { method: 'POST', json: { slug: 'org-b', name: 'Org B', owner: 'bea' } });
    await dav.ownerA.api.json('/orgs/org-a/members/eli', { method: 'PUT', json: { role: 'member' } });
    const a1 = (await dav.ownerA.api.json<Space>('/orgs/org-a/spaces', { method: 'POST', json: { name: 'A1' } })).body;
    await dav.ownerA.api.json(`/spaces/${a1.id}/members`, { method: 'POST', json: { user: 'eli', role: 'editor' } });
    const account = await dav.ownerA.api.json<{ id: string }>('/orgs/org-a/service-accounts', {
      method: 'POST',
      json: { name: 'A app', scopes: [{ space_id: a1.id, permissions: ['read', 'list', 'create', 'write', 'delete', 'purge'] }] },
    });
    const key = await dav.ownerA.api.json<{ key: string }>(`/orgs/org-a/service-accounts/${account.body.id}/keys`, { method: 'POST', json: {} });
    serviceA = new Api(server.url, key.body.key);
    expect((await serviceA.upload('own.txt', 'A1 is mine', { parent: a1.root_folder_id })).status).toBe(201);

    const make = async (owner: Api, slug: string, name: string): Promise<Target> => {
      const space = (await owner.json<Space>(`/orgs/${slug}/spaces`, { method: 'POST', json: { name } })).body;
      const folder = (await owner.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: space.root_folder_id, name: 'Ledger' } })).body;
      const file = (await owner.upload('books.csv', 'date,amount\n2026-12-01,100\n', { parent: folder.id })).body;
      return { space, file, folder, orgSlug: slug, davTop: `/Spaces/${name}` };
    };
    b = await make(dav.ownerB.api, 'org-b', 'B1');
    a2 = await make(dav.ownerA.api, 'org-a', 'A2');
    bBefore = await snapshot(b);
  });
  afterAll(async () => server?.close());

  /** One REST request against a target; `n` keeps names apart between cells. */
  type Call = (as: Api, t: Target, n: string) => Promise<{ status: number }>;
  const REST: Record<string, Call> = {
    'GET /files/:id': (as, t) => as.json(`/files/${t.file.id}`),
    'GET /files/:id/content': (as, t) => as.fetch(`/files/${t.file.id}/content`),
    'GET /files/:id/versions': (as, t) => as.json(`/files/${t.file.id}/versions`),
    'PATCH /files/:id (rename)': (as, t, n) => as.json(`/files/${t.file.id}`, { method: 'PATCH', json: { name: `stolen-${n}.csv` } }),
    'DELETE /files/:id': (as, t) => as.json(`/files/${t.file.id}`, { method: 'DELETE' }),
    'POST /files/:id/copy (into own root)': (as, t, n) => as.json(`/files/${t.file.id}/copy`, { method: 'POST', json: { parent_id: 'root', name: `copy-${n}.csv` } }),
    'POST /files (upload into the folder)': (as, t, n) => as.upload(`drop-${n}.txt`, 'x', { parent: t.folder.id }),
    'POST /folders (into the folder)': (as, t, n) => as.json('/folders', { method: 'POST', json: { parent_id: t.folder.id, name: `dir-${n}` } }),
    'GET /folders/:id/children': (as, t) => as.json(`/folders/${t.folder.id}/children`),
    'GET /folders/:id/zip': (as, t) => as.fetch(`/folders/${t.folder.id}/zip`),
    'POST /shares': (as, t) => as.json('/shares', { method: 'POST', json: { node_id: t.file.id, recipient: 'eli', role: 'editor' } }),
    'POST /links': (as, t) => as.json('/links', { method: 'POST', json: { node_id: t.folder.id, permission: 'read-write' } }),
    'GET /trash?space_id': (as, t) => as.json(`/trash?space_id=${t.space.id}`),
    'DELETE /trash?space_id': (as, t) => as.json(`/trash?space_id=${t.space.id}`, { method: 'DELETE' }),
    'GET /spaces/:id/members': (as, t) => as.json(`/spaces/${t.space.id}/members`),
    'POST /spaces/:id/members': (as, t) => as.json(`/spaces/${t.space.id}/members`, { method: 'POST', json: { user: 'eli', role: 'manager' } }),
    // Renaming needs a role on the space; the quota is also the instance admins' (support-access.test.ts).
    'PATCH /spaces/:id': (as, t) => as.json(`/spaces/${t.space.id}`, { method: 'PATCH', json: { name: 'Taken over' } }),
    'DELETE /spaces/:id': (as, t) => as.json(`/spaces/${t.space.id}?confirm=${t.davTop.split('/').pop()}`, { method: 'DELETE' }),
    'PUT /orgs/:org/members/:user': (as, t) => as.json(`/orgs/${t.orgSlug}/members/eli`, { method: 'PUT', json: { role: 'admin' } }),
    'POST /orgs/:org/spaces': (as, t, n) => as.json(`/orgs/${t.orgSlug}/spaces`, { method: 'POST', json: { name: `S-${n}` } }),
    'POST /orgs/:org/groups': (as, t, n) => as.json(`/orgs/${t.orgSlug}/groups`, { method: 'POST', json: { name: `G-${n}` } }),
    'PATCH /orgs/:org': (as, t) => as.json(`/orgs/${t.orgSlug}`, { method: 'PATCH', json: { name: 'Taken over' } }),
    'PUT /spaces/:space/content/:path': (as, t, n) => as.json(`/spaces/${t.space.id}/content/Ledger/put-${n}.txt`, { method: 'PUT', body: 'x' }),
    'GET /spaces/:space/content/:path': (as, t) => as.fetch(`/spaces/${t.space.id}/content/Ledger/books.csv`),
    'DELETE /spaces/:space/content/:path': (as, t) => as.json(`/spaces/${t.space.id}/content/Ledger/books.csv?permanent=true`, { method: 'DELETE' }),
    'POST /signed-urls (GET)': (as, t) => as.json('/signed-urls', { method: 'POST', json: { method: 'GET', space_id: t.space.id, path: '/Ledger/books.csv' } }),
    'POST /signed-urls (PUT)': (as, t, n) => as.json('/signed-urls', { method: 'POST', json: { method: 'PUT', space_id: t.space.id, path: `/Ledger/signed-${n}.txt` } }),
    'PUT /spaces/:id/template': (as, t) => as.json(`/spaces/${t.space.id}/template`, { method: 'PUT', json: { template: 'backup-device' } }),
    'POST /spaces/:id/units': (as, t, n) => as.json(`/spaces/${t.space.id}/units`, { method: 'POST', json: { name: `device-${n}` } }),
    'POST /spaces/:id/exports': (as, t, n) => as.json(`/spaces/${t.space.id}/exports`, { method: 'POST', json: { ids: [t.file.id], folder_id: t.folder.id, name: `export-${n}` } }),
    'GET /files/:id/derivation': (as, t) => as.json(`/files/${t.file.id}/derivation`),
    'POST /spaces/:id/support-requests': (as, t) => as.json(`/spaces/${t.space.id}/support-requests`, { method: 'POST', json: { reason: 'Let me in, please' } }),
  };
  // Routes for applications too (an API key reaches them, then finds nothing of B's).
  const APP_ROUTES = new Set(['PUT /spaces/:id/template', 'POST /spaces/:id/units', 'POST /spaces/:id/exports', 'GET /files/:id/derivation']);
  // Things the owner's control must not actually destroy.
  const DESTRUCTIVE = new Set(['PUT /spaces/:id/template', 'POST /spaces/:id/units', 'POST /spaces/:id/support-requests', 'DELETE /spaces/:space/content/:path', 'POST /shares', 'DELETE /files/:id', 'DELETE /spaces/:id', 'PATCH /files/:id (rename)', 'PATCH /spaces/:id', 'PATCH /orgs/:org', 'PUT /orgs/:org/members/:user', 'POST /spaces/:id/members', 'DELETE /trash?space_id']);
  // What the instance administrator may see of an organisation: that it and its spaces exist.
  const ADMIN_ORG_ROUTES = new Set(['PUT /orgs/:org/members/:user', 'POST /orgs/:org/spaces', 'POST /orgs/:org/groups', 'PATCH /orgs/:org', 'DELETE /spaces/:id']);

  let n = 0;
  for (const [route, call] of Object.entries(REST)) {
    it(`REST ${route}: B's owner may; A's editor, A's owner and the instance admin may not`, async () => {
      if (!DESTRUCTIVE.has(route)) {
        const control = await call(dav.ownerB.api, b, `c${n++}`);
        expect(control.status, 'control').toBeLessThan(300);
      }
      const before = await snapshot(b);
      for (const who of ['editorA', 'ownerA', 'instanceAdmin', 'serviceA'] as const) {
        const r = await call(api(who), b, `${who}${n++}`);
        // Organisation routes tell the instance admin "not allowed", not "no such thing": they see organisations exist.
        // An API key is refused on every route for people before anything is looked up.
        const peopleOnly = !APP_ROUTES.has(route) && (route.includes('/orgs/') || route.startsWith('POST /shares') || route.startsWith('POST /links') || (route.includes('/spaces/:id') && !route.includes('content')));
        // An instance admin may ask B's owners for support access (a request, which opens nothing by itself).
        const asks = who === 'instanceAdmin' && route === 'POST /spaces/:id/support-requests';
        const refused = asks ? [201] : who === 'instanceAdmin' && ADMIN_ORG_ROUTES.has(route) ? [403] : who === 'serviceA' && peopleOnly ? [403] : [404];
        expect(refused, `${who} ${route} -> ${r.status}`).toContain(r.status);
      }
      // A's editor holds no role on A2 either: their own organisation's other spaces stay shut.
      const own = await call(dav.editorA.api, a2, `a2${n++}`);
      expect([403, 404], `editorA on A2 ${route} -> ${own.status}`).toContain(own.status);
      expect(await snapshot(b)).toBe(before);
    });
  }

  /** One WebDAV request as `u` on B's or A2's paths, as the member would name them. */
  const DAV_METHODS: [string, (u: DavUser, t: Target, n: string) => Promise<{ status: number }>][] = [
    ['PROPFIND the space', (u, t) => u.request('PROPFIND', `${t.davTop}/`, { headers: { depth: '1' } })],
    ['GET a file', (u, t) => u.request('GET', `${t.davTop}/Ledger/books.csv`)],
    ['PUT over a file', (u, t) => u.request('PUT', `${t.davTop}/Ledger/books.csv`, { body: 'overwritten' })],
    ['PUT a new file', (u, t, n) => u.request('PUT', `${t.davTop}/Ledger/new-${n}.txt`, { body: 'x' })],
    ['MKCOL', (u, t, n) => u.request('MKCOL', `${t.davTop}/Ledger/dir-${n}/`)],
    ['DELETE', (u, t) => u.request('DELETE', `${t.davTop}/Ledger/books.csv`)],
    ['MOVE out', (u, t, n) => u.request('MOVE', `${t.davTop}/Ledger/books.csv`, { headers: { destination: u.url(`/moved-${n}.csv`) } })],
    ['COPY out', (u, t, n) => u.request('COPY', `${t.davTop}/Ledger/books.csv`, { headers: { destination: u.url(`/copied-${n}.csv`) } })],
    ['MOVE own file in', async (u, t, n) => {
      await u.request('PUT', `/mine-${n}.txt`, { body: 'mine' });
      return u.request('MOVE', `/mine-${n}.txt`, { headers: { destination: u.url(`${t.davTop}/Ledger/mine-${n}.txt`) } });
    }],
    ['PROPPATCH', (u, t) => u.request('PROPPATCH', `${t.davTop}/Ledger/books.csv`, { headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop><x:tag>mine</x:tag></d:prop></d:set></d:propertyupdate>' })],
    ['LOCK', (u, t) => u.request('LOCK', `${t.davTop}/Ledger/books.csv`, { headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>' })],
  ];

  for (const [name, call] of DAV_METHODS) {
    it(`WebDAV ${name}: refused for members of A on B's space and on A's space they hold no role on`, async () => {
      const before = await snapshot(b);
      for (const who of ['editorA', 'ownerA'] as const) {
        const r = await call(dav[who], b, `${who}${n++}`);
        expect(r.status, `${who} ${name}`).toBeGreaterThanOrEqual(400);
      }
      const own = await call(dav.editorA, a2, `a2${n++}`);
      expect(own.status, `editorA on A2 ${name}`).toBeGreaterThanOrEqual(400);
      expect(await snapshot(b)).toBe(before);
    });
  }

  it('a signed URL for B made up by A fails, whoever it names as issuer', async () => {
    const forged = [
      `/api/v1/signed/${b.space.id}/Ledger/books.csv?method=GET&expires=${Math.floor(Date.now() / 1000) + 600}&issuer=u.${b.space.id}&nonce=abc&signature=AAAA`,
      `/api/v1/signed/nodes/${b.file.id}?method=GET&expires=${Math.floor(Date.now() / 1000) + 600}&issuer=k.00000000-0000-0000-0000-000000000000&nonce=abc&signature=AAAA`,
    ];
    for (const url of forged) expect((await fetch(`${server.url}${url}`)).status).toBe(403);
    // A genuine URL of A's for A's own file cannot be bent onto B's file.
    const own = await serviceA.json<{ url: string }>('/signed-urls', { method: 'POST', json: { method: 'GET', space_id: (await dav.ownerA.api.json<{ items: Space[] }>('/orgs/org-a/spaces')).body.items.find((s) => (s as Space & { name: string }).name === 'A1')!.id, path: '/own.txt' } });
    expect(own.status).toBe(201);
    const bent = own.body.url.replace(/\/signed\/[^/]+\/own\.txt/, `/signed/${b.space.id}/Ledger/books.csv`);
    expect((await fetch(`${server.url}${bent}`)).status).toBe(403);
    expect(await (await fetch(`${server.url}${own.body.url}`)).text()).toBe('A1 is mine');
  });

  it("afterwards B's file is as it was, and A2's too", async () => {
    expect(JSON.parse(await snapshot(b)).bytes).toBe(JSON.parse(bBefore).bytes);
    const a2File = await (await dav.ownerA.api.fetch(`/files/${a2.file.id}/content`)).text();
    expect(a2File).toBe('date,amount\n2026-12-01,100\n');
  });
});
