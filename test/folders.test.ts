import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Folders: creation, listing, sizes and ETags up the tree, resolve, rename/move/copy, and
// isolation between users, through real HTTP against one started server.

interface Problem {
  status: number;
  detail: string;
  [k: string]: unknown;
}
interface Listing {
  folder: NodeBody;
  items: NodeBody[];
  total: number;
  limit: number;
  offset: number;
}

async function resolve(api: Api, p: string) {
  return api.json<NodeBody>(`/resolve?${new URLSearchParams({ path: p })}`);
}

async function mkdir(api: Api, p: string, parent = 'root'): Promise<NodeBody> {
  const r = await api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: parent, path: p, parents: true } });
  expect([200, 201]).toContain(r.status);
  return r.body;
}

async function uploadOk(api: Api, p: string, data: string | Uint8Array, opts: { parent?: string; overwrite?: boolean } = {}) {
  const r = await api.upload(p, data, opts);
  expect(r.status, JSON.stringify(r.body)).toBe(opts.overwrite ? 200 : 201);
  return r.body;
}

describe('folders over REST', () => {
  let server: TestServer;
  let admin: Api;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    api = (await admin.createUser('folderer', 'folderer-password-1')).api;
  });
  afterAll(async () => server?.close());

  describe('create', () => {
    it('creates a folder with its missing parents, and returns an existing one as is', async () => {
      const r = await api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'mk/a/b/c', parents: true } });
      expect(r.status).toBe(201);
      expect(r.body.kind).toBe('folder');
      expect(r.body.name).toBe('c');
      expect(r.body.path).toBe('/mk/a/b/c');
      for (const p of ['/mk', '/mk/a', '/mk/a/b']) expect((await resolve(api, p)).body.kind).toBe('folder');
      const again = await api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'mk/a/b/c', parents: true } });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(r.body.id);
    });

    it('answers 409 for an existing folder without parents, 404 for a missing parent', async () => {
      const exists = await api.json<Problem>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'mk/a', parents: false } });
      expect(exists.status).toBe(409);
      expect(exists.body.detail).toMatch(/already exists/);
      const missing = await api.json<Problem>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'mk/nope/x', parents: false } });
      expect(missing.status).toBe(404);
      expect((await resolve(api, '/mk/nope')).status).toBe(404);
      const a = await resolve(api, '/mk/a');
      const inside = await api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: a.body.id, path: 'fresh' } });
      expect(inside.status).toBe(201);
      expect(inside.body.path).toBe('/mk/a/fresh');
      expect(inside.body.parent_id).toBe(a.body.id);
    });

    it('refuses a folder over an existing file', async () => {
      await uploadOk(api, 'mk/file.txt', 'f');
      const r = await api.json<Problem>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'mk/file.txt/sub', parents: true } });
      expect(r.status).toBe(409);
    });
  });

  describe('listing', () => {
    let folder: NodeBody;
    const files = [
      { name: 'delta.txt', size: 40, mtime: 1_600_000_400 },
      { name: 'alpha.txt', size: 300, mtime: 1_600_000_100 },
      { name: 'echo.txt', size: 10, mtime: 1_600_000_900 },
      { name: 'charlie.bin', size: 77, mtime: 1_600_000_050 },
      { name: 'bravo.md', size: 5, mtime: 1_600_000_700 },
      { name: 'golf.dat', size: 123, mtime: 1_600_000_300 },
      { name: 'foxtrot.txt', size: 1, mtime: 1_600_000_200 },
    ];
    const folders = [
      { name: 'zeta', size: 3 },
      { name: 'eta', size: 1000 },
      { name: 'theta', size: 50 },
    ];

    beforeAll(async () => {
      folder = await mkdir(api, 'list');
      for (const f of files) {
        const q = new URLSearchParams({ parent_id: folder.id, path: f.name, modified_at: String(f.mtime) });
        const r = await api.fetch(`/files?${q}`, { method: 'POST', body: randomBytes(f.size) });
        expect(r.status).toBe(201);
      }
      for (const f of folders) await uploadOk(api, `${f.name}/inner.bin`, randomBytes(f.size), { parent: folder.id });
    });

    const list = (q: Record<string, string>) =>
      api.json<Listing>(`/folders/${folder.id}/children?${new URLSearchParams(q)}`);

    it('lists folders first, with total, limit and offset', async () => {
      const r = await list({});
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(10);
      expect(r.body.limit).toBe(100);
      expect(r.body.offset).toBe(0);
      expect(r.body.folder.id).toBe(folder.id);
      expect(r.body.folder.path).toBe('/list');
      expect(r.body.items.map((n) => n.kind)).toEqual([...Array(3).fill('folder'), ...Array(7).fill('file')]);
    });

    it('pages through a listing without gaps or repeats', async () => {
      const all = (await list({ sort: 'name' })).body.items.map((n) => n.id);
      const seen: string[] = [];
      for (let offset = 0; offset < 10; offset += 3) {
        const page = await list({ sort: 'name', limit: '3', offset: String(offset) });
        expect(page.body.total).toBe(10);
        expect(page.body.limit).toBe(3);
        expect(page.body.offset).toBe(offset);
        expect(page.body.items.length).toBe(Math.min(3, 10 - offset));
        seen.push(...page.body.items.map((n) => n.id));
      }
      expect(seen).toEqual(all);
      const beyond = await list({ offset: '50' });
      expect(beyond.body.items).toEqual([]);
      expect(beyond.body.total).toBe(10);
      expect((await list({ limit: '0' })).status).toBe(400);
    });

    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

    it.each(['asc', 'desc'] as const)('sorts by name %s, folders first', async (order) => {
      const r = await list({ sort: 'name', order });
      const dir = order === 'asc' ? 1 : -1;
      const expectFolders = [...folders].sort((a, b) => dir * byName(a, b)).map((f) => f.name);
      const expectFiles = [...files].sort((a, b) => dir * byName(a, b)).map((f) => f.name);
      expect(r.body.items.map((n) => n.name)).toEqual([...expectFolders, ...expectFiles]);
    });

    it.each(['asc', 'desc'] as const)('sorts by size %s, folders (by the size beneath them) first', async (order) => {
      const r = await list({ sort: 'size', order });
      const dir = order === 'asc' ? 1 : -1;
      const expectFolders = [...folders].sort((a, b) => dir * (a.size - b.size)).map((f) => f.name);
      const expectFiles = [...files].sort((a, b) => dir * (a.size - b.size)).map((f) => f.name);
      expect(r.body.items.map((n) => n.name)).toEqual([...expectFolders, ...expectFiles]);
      expect(r.body.items.slice(0, 3).map((n) => n.size)).toEqual(folders.map((f) => f.size).sort((a, b) => dir * (a - b)));
    });

    it.each(['asc', 'desc'] as const)('sorts by modified %s, folders first', async (order) => {
      const r = await list({ sort: 'modified', order });
      const dir = order === 'asc' ? 1 : -1;
      const expectFiles = [...files].sort((a, b) => dir * (a.mtime - b.mtime)).map((f) => f.name);
      expect(r.body.items.slice(0, 3).every((n) => n.kind === 'folder')).toBe(true);
      expect(r.body.items.slice(3).map((n) => n.name)).toEqual(expectFiles);
      expect(r.body.items.slice(3).map((n) => n.modified_at)).toEqual(
        [...files].sort((a, b) => dir * (a.mtime - b.mtime)).map((f) => new Date(f.mtime * 1000).toISOString()),
      );
    });

    it('sorts names case-insensitively, whatever the database collation', async () => {
      const dir = await mkdir(api, 'case-sort');
      for (const name of ['banana.txt', 'Cherry.txt', 'apple.txt', 'Apple.txt', 'BANANA.txt']) {
        expect((await api.upload(name, 'x', { parent: dir.id })).status).toBe(201);
      }
      const r = await api.json<{ items: NodeBody[] }>(`/folders/${dir.id}/children?sort=name&order=asc`);
      expect(r.body.items.map((n) => n.name)).toEqual(['Apple.txt', 'apple.txt', 'BANANA.txt', 'banana.txt', 'Cherry.txt']);
    });

    it('refuses to list a file, and an unknown sort', async () => {
      const file = await resolve(api, '/list/alpha.txt');
      expect((await api.json(`/folders/${file.body.id}/children`)).status).toBe(409);
      expect((await list({ sort: 'colour' })).status).toBe(400);
    });
  });

  describe('sizes and ETags up the tree', () => {
    const chain = ['/', '/e', '/e/l1', '/e/l1/l2', '/e/l1/l2/l3'];
    let l3: NodeBody;
    let side: NodeBody;

    beforeAll(async () => {
      l3 = await mkdir(api, 'e/l1/l2/l3');
      side = await mkdir(api, 'side');
    });

    async function snapshot(paths: string[] = chain): Promise<Map<string, { etag: string; size: number }>> {
      const out = new Map<string, { etag: string; size: number }>();
      for (const p of paths) {
        const r = p === '/' ? await api.json<NodeBody>('/files/root') : await resolve(api, p);
        expect(r.status, p).toBe(200);
        out.set(p, { etag: r.body.etag, size: r.body.size });
      }
      return out;
    }

    function expectChanged(
      before: Map<string, { etag: string; size: number }>,
      after: Map<string, { etag: string; size: number }>,
      sizeDelta: number,
      paths: string[] = chain,
    ) {
      for (const p of paths) {
        expect(after.get(p)!.etag, `ETag of ${p}`).not.toBe(before.get(p)!.etag);
        expect(after.get(p)!.size, `size of ${p}`).toBe(before.get(p)!.size + sizeDelta);
      }
    }

    it('reports the total size beneath a folder, nested', async () => {
      await uploadOk(api, 'sized/a.bin', randomBytes(100));
      await uploadOk(api, 'sized/x/b.bin', randomBytes(20));
      await uploadOk(api, 'sized/x/y/c.bin', randomBytes(3));
      expect((await resolve(api, '/sized')).body.size).toBe(123);
      expect((await resolve(api, '/sized/x')).body.size).toBe(23);
      expect((await resolve(api, '/sized/x/y')).body.size).toBe(3);
      const listing = await api.json<Listing>(`/folders/${(await resolve(api, '/sized')).body.id}/children`);
      expect(listing.body.folder.size).toBe(123);
      expect(listing.body.items.find((n) => n.name === 'x')!.size).toBe(23);
    });

    it('changes every ancestor on upload, overwrite, rename, delete, move in and out', async () => {
      let before = await snapshot();
      const f = await uploadOk(api, 'f.txt', randomBytes(100), { parent: l3.id });
      let after = await snapshot();
      expectChanged(before, after, 100);

      before = after;
      await uploadOk(api, 'f.txt', randomBytes(250), { parent: l3.id, overwrite: true });
      after = await snapshot();
      expectChanged(before, after, 150);

      before = after;
      const renamed = await api.json<NodeBody>(`/files/${f.id}`, { method: 'PATCH', json: { name: 'g.txt' } });
      expect(renamed.status).toBe(200);
      after = await snapshot();
      expectChanged(before, after, 0);

      before = after;
      const mkInside = await api.json('/folders', { method: 'POST', json: { parent_id: l3.id, path: 'newdir' } });
      expect(mkInside.status).toBe(201);
      after = await snapshot();
      expectChanged(before, after, 0);

      before = after;
      expect((await api.fetch(`/files/${f.id}`, { method: 'DELETE' })).status).toBe(204);
      after = await snapshot();
      expectChanged(before, after, -250);

      before = after;
      expect((await api.fetch(`/trash/${f.id}/restore`, { method: 'POST' })).status).toBe(200);
      after = await snapshot();
      expectChanged(before, after, 250);

      before = after;
      const copied = await api.json<NodeBody>(`/files/${f.id}/copy`, { method: 'POST', json: { parent_id: l3.id } });
      expect(copied.status).toBe(201);
      after = await snapshot();
      expectChanged(before, after, 250);

      before = after;
      const restoredVersion = await api.json<NodeBody>(`/files/${f.id}/versions/${f.version_id}/restore`, { method: 'POST' });
      expect(restoredVersion.status).toBe(200);
      after = await snapshot();
      expectChanged(before, after, -150);

      // Move in from a folder outside the chain: both sides change.
      const outside = await uploadOk(api, 'm.bin', randomBytes(64), { parent: side.id });
      before = await snapshot([...chain, '/side']);
      const movedIn = await api.json<NodeBody>(`/files/${outside.id}`, { method: 'PATCH', json: { parent_id: l3.id } });
      expect(movedIn.status).toBe(200);
      expect(movedIn.body.path).toBe('/e/l1/l2/l3/m.bin');
      after = await snapshot([...chain, '/side']);
      expectChanged(before, after, 64, chain.slice(1));
      expectChanged(before, after, -64, ['/side']);
      expect(after.get('/')!.etag).not.toBe(before.get('/')!.etag);
      expect(after.get('/')!.size).toBe(before.get('/')!.size);

      before = after;
      const movedOut = await api.json<NodeBody>(`/files/${outside.id}`, { method: 'PATCH', json: { parent_id: side.id } });
      expect(movedOut.status).toBe(200);
      after = await snapshot([...chain, '/side']);
      expectChanged(before, after, -64, chain.slice(1));
      expectChanged(before, after, 64, ['/side']);
    });

    it('leaves unrelated folders alone', async () => {
      const before = await snapshot(['/side']);
      await uploadOk(api, 'elsewhere.txt', 'x', { parent: l3.id });
      const after = await snapshot(['/side']);
      expect(after.get('/side')).toEqual(before.get('/side'));
    });
  });

  describe('resolve', () => {
    it('finds files and folders by path, the root by "/"', async () => {
      const up = await uploadOk(api, 'res/deep er/file one.txt', 'x');
      const r = await resolve(api, '/res/deep er/file one.txt');
      expect(r.status).toBe(200);
      expect(r.body.id).toBe(up.id);
      expect(r.body.path).toBe('/res/deep er/file one.txt');
      const noSlash = await resolve(api, 'res/deep er/');
      expect(noSlash.body.kind).toBe('folder');
      expect(noSlash.body.id).toBe(up.parent_id);
      const root = await resolve(api, '/');
      const rootById = await api.json<NodeBody>('/files/root');
      expect(root.body.id).toBe(rootById.body.id);
      expect(root.body.parent_id).toBeNull();
      const missing = await resolve(api, '/res/nothing');
      expect(missing.status).toBe(404);
      expect(missing.res.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await resolve(api, '/res/deep er/file one.txt/below')).status).toBe(404);
    });
  });

  describe('rename, move and copy', () => {
    it('refuses to move a folder into itself or its own subfolder', async () => {
      const top = await mkdir(api, 'mv/top');
      const sub = await mkdir(api, 'mv/top/sub/subsub');
      const r = await api.json<Problem>(`/files/${top.id}`, { method: 'PATCH', json: { parent_id: sub.id } });
      expect(r.status).toBe(409);
      expect(r.body.detail).toMatch(/into itself/);
      expect((await api.json(`/files/${top.id}`, { method: 'PATCH', json: { parent_id: top.id } })).status).toBe(409);
      expect((await resolve(api, '/mv/top/sub/subsub')).body.id).toBe(sub.id);
      const cp = await api.json<Problem>(`/files/${top.id}/copy`, { method: 'POST', json: { parent_id: sub.id } });
      expect(cp.status).toBe(409);
    });

    it('answers 409 when renaming to a taken name, and picks "name (1)" with on_conflict=rename', async () => {
      const a = await uploadOk(api, 'rn/a.txt', 'a');
      await uploadOk(api, 'rn/b.txt', 'b');
      const clash = await api.json<Problem>(`/files/${a.id}`, { method: 'PATCH', json: { name: 'b.txt' } });
      expect(clash.status).toBe(409);
      expect(clash.body.detail).toMatch(/already exists/);
      expect((await resolve(api, '/rn/a.txt')).body.id).toBe(a.id);
      const renamed = await api.json<NodeBody>(`/files/${a.id}`, { method: 'PATCH', json: { name: 'b.txt', on_conflict: 'rename' } });
      expect(renamed.status).toBe(200);
      expect(renamed.body.name).toBe('b (1).txt');
      expect(renamed.body.path).toBe('/rn/b (1).txt');

      const d1 = await mkdir(api, 'rn/dir');
      const d2 = await mkdir(api, 'rn/other');
      expect((await api.json(`/files/${d2.id}`, { method: 'PATCH', json: { name: 'dir' } })).status).toBe(409);
      const dr = await api.json<NodeBody>(`/files/${d2.id}`, { method: 'PATCH', json: { name: 'dir', on_conflict: 'rename' } });
      expect(dr.body.name).toBe('dir (1)');
      expect(d1.id).not.toBe(d2.id);
    });

    it('moves with a new name in one call, and refuses to move the root', async () => {
      const f = await uploadOk(api, 'mv2/src/file.txt', 'moving');
      const dest = await mkdir(api, 'mv2/dest');
      const r = await api.json<NodeBody>(`/files/${f.id}`, { method: 'PATCH', json: { parent_id: dest.id, name: 'renamed.txt' } });
      expect(r.status).toBe(200);
      expect(r.body.path).toBe('/mv2/dest/renamed.txt');
      expect((await resolve(api, '/mv2/src/file.txt')).status).toBe(404);
      const root = await api.json<NodeBody>('/files/root');
      expect((await api.json(`/files/${root.body.id}`, { method: 'PATCH', json: { name: 'x' } })).status).toBe(403);
      expect((await api.fetch(`/files/${root.body.id}`, { method: 'DELETE' })).status).toBe(403);
    });

    it('copies a folder tree: new ids, same bytes, counted against the quota', async () => {
      const tree: Record<string, Buffer> = {
        'cp/src/a.bin': randomBytes(1000),
        'cp/src/x/b.bin': randomBytes(2000),
        'cp/src/x/y/c.bin': randomBytes(3000),
      };
      for (const [p, data] of Object.entries(tree)) await uploadOk(api, p, data);
      const src = await resolve(api, '/cp/src');
      const dest = await mkdir(api, 'cp/dest');
      const usedBefore = (await api.json<{ used: number }>('/account/quota')).body.used;

      const r = await api.json<NodeBody>(`/files/${src.body.id}/copy`, { method: 'POST', json: { parent_id: dest.id } });
      expect(r.status).toBe(201);
      expect(r.body.id).not.toBe(src.body.id);
      expect(r.body.path).toBe('/cp/dest/src');
      expect(r.body.size).toBe(6000);
      expect((await resolve(api, '/cp/dest')).body.size).toBe(6000);
      for (const [p, data] of Object.entries(tree)) {
        const original = await resolve(api, `/${p}`);
        const copy = await resolve(api, `/${p.replace('cp/src', 'cp/dest/src')}`);
        expect(copy.status, p).toBe(200);
        expect(copy.body.id).not.toBe(original.body.id);
        expect(copy.body.version_id).not.toBe(original.body.version_id);
        const bytes = Buffer.from(await (await api.fetch(`/files/${copy.body.id}/content`)).arrayBuffer());
        expect(bytes.equals(data), p).toBe(true);
      }
      const usedAfter = (await api.json<{ used: number }>('/account/quota')).body.used;
      expect(usedAfter - usedBefore).toBe(6000);

      // The copy is independent: changing it leaves the original as it was.
      const copiedA = await resolve(api, '/cp/dest/src/a.bin');
      await uploadOk(api, 'a.bin', 'changed', { parent: copiedA.body.parent_id!, overwrite: true });
      const origA = await resolve(api, '/cp/src/a.bin');
      expect(Buffer.from(await (await api.fetch(`/files/${origA.body.id}/content`)).arrayBuffer()).equals(tree['cp/src/a.bin']!)).toBe(true);

      // A second copy into the same place gets a free name; on_conflict=fail refuses.
      const again = await api.json<NodeBody>(`/files/${src.body.id}/copy`, { method: 'POST', json: { parent_id: dest.id } });
      expect(again.status).toBe(201);
      expect(again.body.name).toBe('src (1)');
      const fail = await api.json(`/files/${src.body.id}/copy`, { method: 'POST', json: { parent_id: dest.id, on_conflict: 'fail' } });
      expect(fail.status).toBe(409);
      const file = await api.json<NodeBody>(`/files/${origA.body.id}/copy`, { method: 'POST', json: { parent_id: origA.body.parent_id } });
      expect(file.body.name).toBe('a (1).bin');
    });
  });

  describe('isolation between users', () => {
    let other: Api;
    let aFile: NodeBody;
    let aFolder: NodeBody;
    let aVersion: string;
    let aTrashed: NodeBody;
    let bFile: NodeBody;

    beforeAll(async () => {
      other = (await admin.createUser('intruder', 'intruder-password-1')).api;
      aFolder = await mkdir(api, 'private');
      aFile = await uploadOk(api, 'secret.txt', 'v1', { parent: aFolder.id });
      await uploadOk(api, 'secret.txt', 'secret v2', { parent: aFolder.id, overwrite: true });
      aVersion = aFile.version_id!;
      aTrashed = await uploadOk(api, 'binned.txt', 'bin', { parent: aFolder.id });
      expect((await api.fetch(`/files/${aTrashed.id}`, { method: 'DELETE' })).status).toBe(204);
      bFile = await uploadOk(other, 'mine.txt', 'mine');
    });

    it("answers 404, never 403, for another user's ids", async () => {
      const attempts: [string, string, RequestInit & { json?: unknown }][] = [
        ['metadata', `/files/${aFile.id}`, {}],
        ['content', `/files/${aFile.id}/content`, {}],
        ['content HEAD', `/files/${aFile.id}/content`, { method: 'HEAD' }],
        ['rename', `/files/${aFile.id}`, { method: 'PATCH', json: { name: 'stolen.txt' } }],
        ['move', `/files/${aFile.id}`, { method: 'PATCH', json: { parent_id: 'root' } }],
        ['delete', `/files/${aFile.id}`, { method: 'DELETE' }],
        ['copy from', `/files/${aFile.id}/copy`, { method: 'POST', json: { parent_id: 'root' } }],
        ['copy into', `/files/${bFile.id}/copy`, { method: 'POST', json: { parent_id: aFolder.id } }],
        ['move into', `/files/${bFile.id}`, { method: 'PATCH', json: { parent_id: aFolder.id } }],
        ['versions', `/files/${aFile.id}/versions`, {}],
        ['version content', `/files/${aFile.id}/versions/${aVersion}/content`, {}],
        ['version restore', `/files/${aFile.id}/versions/${aVersion}/restore`, { method: 'POST' }],
        ['list folder', `/folders/${aFolder.id}/children`, {}],
        ['mkdir inside', '/folders', { method: 'POST', json: { parent_id: aFolder.id, path: 'x' } }],
        ['upload into', `/files?parent_id=${aFolder.id}&path=planted.txt`, { method: 'POST', body: 'planted' }],
        ['trash restore', `/trash/${aTrashed.id}/restore`, { method: 'POST' }],
        ['trash purge', `/trash/${aTrashed.id}`, { method: 'DELETE' }],
      ];
      for (const [what, path, init] of attempts) {
        const r = await other.json<Problem>(path, init);
        expect(r.status, what).toBe(404);
      }
      const form = new FormData();
      form.append('file', new Blob(['planted']), 'planted.txt');
      const mp = await other.fetch(`/files/multipart?parent_id=${aFolder.id}`, { method: 'POST', body: form });
      expect(mp.status).toBe(404);
      await mp.arrayBuffer();
    });

    it("leaves the owner's files untouched", async () => {
      const meta = await api.json<NodeBody>(`/files/${aFile.id}`);
      expect(meta.status).toBe(200);
      expect(meta.body.name).toBe('secret.txt');
      expect(meta.body.parent_id).toBe(aFolder.id);
      expect(await (await api.fetch(`/files/${aFile.id}/content`)).text()).toBe('secret v2');
      const listing = await api.json<Listing>(`/folders/${aFolder.id}/children`);
      expect(listing.body.items.map((n) => n.name)).toEqual(['secret.txt']);
      const trash = await api.json<{ items: { id: string }[] }>('/trash');
      expect(trash.body.items.map((i) => i.id)).toContain(aTrashed.id);
      expect((await other.json<Listing>('/folders/root/children')).body.items.map((n) => n.name)).toEqual(['mine.txt']);
      expect((await other.json<{ items: unknown[] }>('/trash')).body.items).toEqual([]);
      const byPath = await other.json(`/resolve?path=${encodeURIComponent('/private/secret.txt')}`);
      expect(byPath.status).toBe(404);
    });
  });
});
