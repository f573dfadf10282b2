import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { DAV, deepText, multistatus, prop200 } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Restoring from the trash never splits a folder in two: an item whose folder is in the trash
// brings that folder back with it, and a trashed folder restored where a live folder of the same
// name stands merges into it. Through real HTTP, over REST and WebDAV.

interface TrashList {
  items: { id: string; name: string; original_path: string | null }[];
  total: number;
}
interface Listing {
  items: NodeBody[];
}

const NC = 'http://nextcloud.org/ns';

async function resolve(api: Api, p: string) {
  return api.json<NodeBody>(`/resolve?${new URLSearchParams({ path: p })}`);
}
const trashList = async (api: Api) => (await api.json<TrashList>('/trash')).body;
const used = async (api: Api) => (await api.json<{ used: number }>('/account/quota')).body.used;
const del = async (api: Api, id: string) => expect((await api.fetch(`/files/${id}`, { method: 'DELETE' })).status).toBe(204);
const restore = (api: Api, id: string) => api.json<NodeBody>(`/trash/${id}/restore`, { method: 'POST' });
async function names(api: Api, folderId: string): Promise<string[]> {
  const r = await api.json<Listing>(`/folders/${folderId}/children`);
  expect(r.status).toBe(200);
  return r.body.items.map((n) => n.name).sort();
}
async function text(api: Api, id: string): Promise<string> {
  const res = await api.fetch(`/files/${id}/content`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('restoring from the trash keeps the tree whole', () => {
  let server: TestServer;
  let admin: Api;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
  });
  afterAll(async () => server?.close());

  it('restoring a file before its trashed folder brings the folder back: one Projects with every file', async () => {
    const { api } = await admin.createUser('tree1', 'tree1-password-1');
    const a = await api.upload('Projects/a.txt', 'aaaa');
    const b = await api.upload('Projects/b.txt', 'bbbbbb');
    const c = await api.upload('Projects/sub/c.txt', 'cc');
    const projects = (await resolve(api, '/Projects')).body;
    const usedBefore = await used(api);
    const rootBefore = (await api.json<NodeBody>('/files/root')).body;

    // The file first, then its folder: two trash entries, the file's folder is in the trash.
    await del(api, a.body.id);
    await del(api, projects.id);
    expect((await trashList(api)).items.map((i) => i.original_path).sort()).toEqual(['/Projects', '/Projects/a.txt']);

    const back = await restore(api, a.body.id);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.path).toBe('/Projects/a.txt');
    // The very folder came back (same id), with what was trashed along with it.
    const now = await resolve(api, '/Projects');
    expect(now.body.id).toBe(projects.id);
    expect(await names(api, 'root')).toEqual(['Projects']);
    expect(await names(api, projects.id)).toEqual(['a.txt', 'b.txt', 'sub']);
    expect(await text(api, c.body.id)).toBe('cc');
    expect(await text(api, b.body.id)).toBe('bbbbbb');
    expect((await trashList(api)).total).toBe(0);
    // Restoring the folder afterwards has nothing left to do: it is no longer in the trash.
    expect((await restore(api, projects.id)).status).toBe(404);
    expect((await resolve(api, '/Projects (1)')).status).toBe(404);

    // Sizes, ETags and the quota are as before the deletes.
    expect((await resolve(api, '/Projects')).body.size).toBe(12);
    const rootAfter = (await api.json<NodeBody>('/files/root')).body;
    expect(rootAfter.size).toBe(rootBefore.size);
    expect(rootAfter.etag).not.toBe(rootBefore.etag);
    expect(await used(api)).toBe(usedBefore);
  });

  it('restores only the chain of folders: their other separately trashed items stay in the trash', async () => {
    const { api } = await admin.createUser('tree2', 'tree2-password-1');
    const deep = await api.upload('P/Q/deep.txt', 'deep');
    const other = await api.upload('P/other.txt', 'other');
    await api.upload('P/Q/kept.txt', 'kept');
    const p = (await resolve(api, '/P')).body;
    const q = (await resolve(api, '/P/Q')).body;
    await del(api, deep.body.id);
    await del(api, other.body.id);
    await del(api, q.id);
    await del(api, p.id);
    expect((await trashList(api)).total).toBe(4);

    const back = await restore(api, deep.body.id);
    expect(back.body.path).toBe('/P/Q/deep.txt');
    expect((await resolve(api, '/P')).body.id).toBe(p.id);
    expect((await resolve(api, '/P/Q')).body.id).toBe(q.id);
    expect(await names(api, q.id)).toEqual(['deep.txt', 'kept.txt']);
    expect(await names(api, p.id)).toEqual(['Q']);
    const left = await trashList(api);
    expect(left.items.map((i) => i.original_path)).toEqual(['/P/other.txt']);
    // The one left restores into the folder that is back.
    expect((await restore(api, other.body.id)).body.path).toBe('/P/other.txt');
    expect(await names(api, 'root')).toEqual(['P']);
    expect((await resolve(api, '/P')).body.size).toBe(4 + 5 + 4);

    // The audit trail names the item whose restore brought the folders back.
    const audit = await admin.json<{ items: { action: string; path: string; detail: Record<string, unknown> | null }[] }>(
      `/admin/audit?${new URLSearchParams({ action: 'node.restore', path_prefix: '/P' })}`,
    );
    expect(audit.status).toBe(200);
    const along = audit.body.items.filter((e) => e.detail?.along === deep.body.id).map((e) => e.path);
    expect(along.sort()).toEqual(['/P', '/P/Q']);
  });

  it('a trashed folder restored where a live folder of that name now stands merges into it', async () => {
    const { api } = await admin.createUser('tree3', 'tree3-password-1');
    await api.upload('Projects/a.txt', 'old a');
    await api.upload('Projects/sub/s.txt', 'old s');
    const projects = (await resolve(api, '/Projects')).body;
    await del(api, projects.id);
    // A new Projects made meanwhile (as an older server did when a child was restored first).
    const clashA = await api.upload('Projects/a.txt', 'new a!');
    await api.upload('Projects/sub/t.txt', 'new t');
    const live = (await resolve(api, '/Projects')).body;
    const usedBefore = await used(api);

    const back = await restore(api, projects.id);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.path).toBe('/Projects');
    expect(back.body.id).toBe(live.id);
    expect(await names(api, 'root')).toEqual(['Projects']);
    // Files that clash get the usual free name; sub-folders merge too.
    expect(await names(api, live.id)).toEqual(['a (1).txt', 'a.txt', 'sub']);
    expect(await text(api, clashA.body.id)).toBe('new a!');
    const sub = (await resolve(api, '/Projects/sub')).body;
    expect(await names(api, sub.id)).toEqual(['s.txt', 't.txt']);
    expect(sub.size).toBe(10);
    expect((await resolve(api, '/Projects')).body.size).toBe(5 + 6 + 10);
    expect((await trashList(api)).total).toBe(0);
    expect(await used(api)).toBe(usedBefore);
  });

  it('over WebDAV: the trash no longer lists a folder a child brought back, and MOVE back in place merges', async () => {
    const u = await DavUser.create(server.url, 'treedav');
    expect((await u.request('MKCOL', '/Projects')).status).toBe(201);
    for (const [n, body] of [['a.txt', 'aaa'], ['b.txt', 'bb']] as const) {
      expect((await u.request('PUT', `/Projects/${n}`, { body })).status).toBe(201);
    }
    expect((await u.request('DELETE', '/Projects/a.txt')).status).toBe(204);
    expect((await u.request('DELETE', '/Projects')).status).toBe(204);
    const trash = async () => {
      const res = await u.request('PROPFIND', '/.Trash/', {
        headers: { depth: '1', 'content-type': 'application/xml' },
        body: `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><n:trashbin-filename xmlns:n="${NC}"/></D:prop></D:propfind>`,
      });
      expect(res.status).toBe(207);
      return new Map(multistatus(res.body).slice(1).map((r) => [deepText(prop200(r, NC, 'trashbin-filename')), r.href.slice('/dav'.length)]));
    };
    let entries = await trash();
    expect([...entries.keys()].sort()).toEqual(['Projects', 'a.txt']);

    // A folder made in its place, then the trashed folder moved back exactly there: one folder.
    expect((await u.request('MKCOL', '/Projects')).status).toBe(201);
    expect((await u.request('PUT', '/Projects/c.txt', { body: 'c' })).status).toBe(201);
    const moved = await u.request('MOVE', entries.get('Projects')!, { headers: { destination: `${server.url}/dav/Projects` } });
    expect(moved.status, moved.body).toBe(201);
    const listing = await u.request('PROPFIND', '/', { headers: { depth: '1' } });
    const top = multistatus(listing.body).map((r) => decodeURIComponent(r.href)).filter((h) => h.startsWith('/dav/Projects'));
    expect(top).toEqual(['/dav/Projects/']);
    const inside = multistatus((await u.request('PROPFIND', '/Projects/', { headers: { depth: '1' } })).body)
      .slice(1)
      .map((r) => decodeURIComponent(r.href))
      .sort();
    expect(inside).toEqual(['/dav/Projects/b.txt', '/dav/Projects/c.txt']);

    // The file trashed before its folder now restores into the merged folder.
    entries = await trash();
    expect([...entries.keys()]).toEqual(['a.txt']);
    const file = (await trashList(u.api)).items[0]!;
    expect(file.original_path).toBe('/Projects/a.txt');
    const back = await restore(u.api, file.id);
    expect(back.body.path).toBe('/Projects/a.txt');
    expect((await u.request('GET', '/Projects/a.txt')).body).toBe('aaa');
    expect((await resolve(u.api, '/Projects')).body.size).toBe(6);
    const [root] = multistatus(
      (
        await u.request('PROPFIND', '/', {
          headers: { depth: '0', 'content-type': 'application/xml' },
          body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:quota-used-bytes/></D:prop></D:propfind>',
        })
      ).body,
    );
    expect(prop200(root!, DAV, 'quota-used-bytes').text).toBe(String(await used(u.api)));
  });

  it('keeps the depth limit when a restore brings folders back, and changes nothing when refused', async () => {
    const limited = await startTestServer({ COFFER_MAX_PATH_DEPTH: '3' });
    try {
      const api = (await (await Api.admin(limited.url)).createUser('treedeep', 'treedeep-password-1')).api;
      const f = await api.upload('a/b/f.txt', 'f');
      const b = (await resolve(api, '/a/b')).body;
      const x = await api.json<NodeBody>('/folders', { method: 'POST', json: { path: 'x/y', parents: true } });
      expect(x.status).toBe(201);
      await del(api, f.body.id);
      // Its folder moves deeper, then goes to the trash with the folder above it.
      expect((await api.json(`/files/${b.id}`, { method: 'PATCH', json: { parent_id: x.body.id } })).status).toBe(200);
      const top = (await resolve(api, '/x')).body;
      await del(api, top.id);
      const refused = await restore(api, f.body.id);
      expect(refused.status).toBe(400);
      expect((refused.body as unknown as { type: string }).type).toBe('https://coffer.dev/problems/path-too-deep');
      // Nothing came back half way.
      expect((await trashList(api)).total).toBe(2);
      expect((await resolve(api, '/x')).status).toBe(404);
    } finally {
      await limited.close();
    }
  });
});
