import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { sha256 } from './helpers/storage.js';

// The trash (delete, list, restore, purge, retention, garbage collection of bytes) and file
// versions (list, download, restore), through real HTTP against one started server.

interface TrashItem {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  original_path: string | null;
  deleted_at: string;
}
interface TrashList {
  items: TrashItem[];
  total: number;
  retention_days: number;
}
interface Listing {
  items: NodeBody[];
  total: number;
}
interface VersionItem {
  id: string;
  size: number;
  sha256: string;
  mime: string | null;
  author: string | null;
  created_at: string;
  current: boolean;
}


/** How many stored blob files hold exactly these bytes. */
function blobsHolding(dataDir: string, data: Buffer): number {
  const root = path.join(dataDir, 'blobs');
  let n = 0;
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    if (rel.startsWith('tmp')) continue;
    const file = path.join(root, rel);
    const st = fs.statSync(file);
    if (st.isFile() && st.size === data.length && fs.readFileSync(file).equals(data)) n++;
  }
  return n;
}

async function resolve(api: Api, p: string) {
  return api.json<NodeBody>(`/resolve?${new URLSearchParams({ path: p })}`);
}

async function content(api: Api, url: string): Promise<Buffer> {
  const res = await api.fetch(url);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Every file below a folder, by walking the listings. */
async function filesBelow(api: Api, folderId: string, prefix = ''): Promise<Map<string, NodeBody>> {
  const out = new Map<string, NodeBody>();
  const r = await api.json<Listing>(`/folders/${folderId}/children?limit=10000`);
  expect(r.status).toBe(200);
  for (const n of r.body.items) {
    if (n.kind === 'folder') for (const [p, f] of await filesBelow(api, n.id, `${prefix}${n.name}/`)) out.set(p, f);
    else out.set(`${prefix}${n.name}`, n);
  }
  return out;
}

const trashList = async (api: Api) => (await api.json<TrashList>('/trash')).body;
const used = async (api: Api) => (await api.json<{ used: number }>('/account/quota')).body.used;
const del = async (api: Api, id: string) => expect((await api.fetch(`/files/${id}`, { method: 'DELETE' })).status).toBe(204);

describe('trash and versions over REST', () => {
  let server: TestServer;
  let admin: Api;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
  });
  afterAll(async () => server?.close());

  describe('trash', () => {
    let api: Api;
    beforeAll(async () => {
      api = (await admin.createUser('binner', 'binner-password-1')).api;
    });

    it('trashes a folder of 200 files as one item and restores it whole', async () => {
      const form = new FormData();
      const files = new Map<string, Buffer>();
      for (let i = 0; i < 200; i++) {
        const p = `s${i % 4}/t${i % 3}/f${i}.txt`;
        const data = Buffer.from(`file ${i} ${randomBytes(8).toString('hex')}`);
        files.set(p, data);
        form.append('file', new Blob([data]), `big/${p}`);
      }
      const up = await api.fetch('/files/multipart', { method: 'POST', body: form });
      expect(up.status).toBe(201);
      const big = await resolve(api, '/big');
      const total = [...files.values()].reduce((s, b) => s + b.length, 0);
      expect(big.body.size).toBe(total);
      const someFile = (await resolve(api, '/big/s1/t2/f5.txt')).body;
      const rootBefore = (await api.json<NodeBody>('/files/root')).body;

      const t0 = Date.now();
      await del(api, big.body.id);
      const names = (await api.json<Listing>('/folders/root/children')).body.items.map((n) => n.name);
      expect(names).not.toContain('big');
      expect((await resolve(api, '/big')).status).toBe(404);
      expect((await api.json(`/files/${someFile.id}`)).status).toBe(404);
      expect((await api.fetch(`/files/${someFile.id}/content`)).status).toBe(404);
      const rootAfter = (await api.json<NodeBody>('/files/root')).body;
      expect(rootAfter.size).toBe(rootBefore.size - total);
      expect(rootAfter.etag).not.toBe(rootBefore.etag);

      const trash = await trashList(api);
      expect(trash.total).toBe(1);
      expect(trash.retention_days).toBe(30);
      expect(trash.items).toHaveLength(1);
      const item = trash.items[0]!;
      expect(item).toMatchObject({ id: big.body.id, name: 'big', kind: 'folder', size: total, original_path: '/big' });
      expect(Math.abs(Date.parse(item.deleted_at) - t0)).toBeLessThan(60_000);
      // Trashed bytes still count.
      expect(await used(api)).toBe(total);
      // What lies beneath is not a trash item of its own, and nothing can be put into it.
      expect((await api.fetch(`/trash/${someFile.id}/restore`, { method: 'POST' })).status).toBe(404);
      expect((await api.fetch(`/trash/${someFile.id}`, { method: 'DELETE' })).status).toBe(404);
      const into = await api.upload('planted.txt', 'x', { parent: someFile.parent_id! });
      expect(into.status).toBe(404);
      expect((await api.json('/folders', { method: 'POST', json: { parent_id: big.body.id, path: 'x' } })).status).toBe(404);

      const restored = await api.json<NodeBody>(`/trash/${big.body.id}/restore`, { method: 'POST' });
      expect(restored.status).toBe(200);
      expect(restored.body.id).toBe(big.body.id);
      expect(restored.body.path).toBe('/big');
      expect((await trashList(api)).total).toBe(0);
      const back = await filesBelow(api, big.body.id);
      expect(back.size).toBe(200);
      for (const [p, data] of files) expect(back.get(p)?.size, p).toBe(data.length);
      expect(await content(api, `/files/${someFile.id}/content`)).toEqual(files.get('s1/t2/f5.txt'));
      expect((await api.json<NodeBody>('/files/root')).body.size).toBe(rootBefore.size);
    });

    it('restores under a free name when the old one is taken', async () => {
      const first = await api.upload('taken/x.txt', 'old');
      await del(api, first.body.id);
      const second = await api.upload('taken/x.txt', 'new');
      expect(second.body.name).toBe('x.txt');
      const r = await api.json<NodeBody>(`/trash/${first.body.id}/restore`, { method: 'POST' });
      expect(r.status).toBe(200);
      expect(r.body.name).toBe('x (1).txt');
      expect(r.body.path).toBe('/taken/x (1).txt');
      expect((await content(api, `/files/${first.body.id}/content`)).toString()).toBe('old');
      expect((await content(api, `/files/${second.body.id}/content`)).toString()).toBe('new');
    });

    it('brings the original folder back when it was deleted too', async () => {
      const r = await api.upload('p/q/r.txt', 'r');
      const p = await resolve(api, '/p');
      await del(api, r.body.id);
      await del(api, p.body.id);
      const trash = await trashList(api);
      expect(trash.items.map((i) => i.original_path).sort()).toEqual(['/p', '/p/q/r.txt']);

      const back = await api.json<NodeBody>(`/trash/${r.body.id}/restore`, { method: 'POST' });
      expect(back.status).toBe(200);
      expect(back.body.path).toBe('/p/q/r.txt');
      // The trashed folder itself comes back (test/trash-restore-tree.test.ts has the details),
      // never a second "p (1)" beside a recreated one.
      const sameP = await resolve(api, '/p');
      expect(sameP.status).toBe(200);
      expect(sameP.body.id).toBe(p.body.id);
      expect((await content(api, `/files/${r.body.id}/content`)).toString()).toBe('r');
      expect((await api.json<NodeBody>(`/trash/${p.body.id}/restore`, { method: 'POST' })).status).toBe(404);
      expect((await resolve(api, '/p (1)')).status).toBe(404);
    });

    it('keeps a separately trashed file when its folder is purged, and recreates its parents on restore', async () => {
      const data = randomBytes(321);
      const r = await api.upload('gone/sub/keep.bin', data);
      const gone = await resolve(api, '/gone');
      await del(api, r.body.id);
      await del(api, gone.body.id);
      const before = await used(api);
      expect((await api.fetch(`/trash/${gone.body.id}`, { method: 'DELETE' })).status).toBe(204);
      const trash = await trashList(api);
      expect(trash.items.map((i) => i.id)).toContain(r.body.id);
      expect(await used(api)).toBe(before);
      expect(blobsHolding(server.dataDir, data)).toBe(1);
      const back = await api.json<NodeBody>(`/trash/${r.body.id}/restore`, { method: 'POST' });
      expect(back.status).toBe(200);
      expect(back.body.path).toBe('/gone/sub/keep.bin');
      expect(await content(api, `/files/${r.body.id}/content`)).toEqual(data);
    });

    it('frees quota and bytes on DELETE /trash/:id, but keeps bytes a copy still uses', async () => {
      const data = randomBytes(5000);
      const orig = await api.upload('gc/orig.bin', data);
      expect(blobsHolding(server.dataDir, data)).toBe(1);
      const copy = await api.json<NodeBody>(`/files/${orig.body.id}/copy`, { method: 'POST', json: { parent_id: orig.body.parent_id, name: 'copy.bin' } });
      expect(copy.status).toBe(201);
      // A copy shares the bytes: still one blob file.
      expect(blobsHolding(server.dataDir, data)).toBe(1);
      const start = await used(api);

      await del(api, orig.body.id);
      expect(await used(api)).toBe(start);
      expect((await api.fetch(`/trash/${orig.body.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await used(api)).toBe(start - 5000);
      expect((await trashList(api)).items.map((i) => i.id)).not.toContain(orig.body.id);
      expect(blobsHolding(server.dataDir, data)).toBe(1);
      expect(await content(api, `/files/${copy.body.id}/content`)).toEqual(data);
      expect((await api.fetch(`/trash/${orig.body.id}/restore`, { method: 'POST' })).status).toBe(404);

      await del(api, copy.body.id);
      expect((await api.fetch(`/trash/${copy.body.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await used(api)).toBe(start - 10_000);
      expect(blobsHolding(server.dataDir, data)).toBe(0);
    });

    it('removes the bytes of every version when a file is purged', async () => {
      const v1 = randomBytes(700);
      const v2 = randomBytes(900);
      const f = await api.upload('gc/versions.bin', v1);
      await api.upload('gc/versions.bin', v2, { overwrite: true });
      expect(blobsHolding(server.dataDir, v1) + blobsHolding(server.dataDir, v2)).toBe(2);
      const start = await used(api);
      await del(api, f.body.id);
      expect((await api.fetch(`/trash/${f.body.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await used(api)).toBe(start - 1600);
      expect(blobsHolding(server.dataDir, v1) + blobsHolding(server.dataDir, v2)).toBe(0);
    });

    it('empties the whole trash with DELETE /trash', async () => {
      const a = randomBytes(111);
      const b = randomBytes(222);
      const fa = await api.upload('empty/a.bin', a);
      const fb = await api.upload('empty/deeper/b.bin', b);
      await del(api, fa.body.id);
      await del(api, fb.body.parent_id!);
      const before = await trashList(api);
      expect(before.total).toBeGreaterThanOrEqual(2);
      const usedBefore = await used(api);
      const trashBytes = (await api.json<{ trash: number }>('/account/quota')).body.trash;
      expect(trashBytes).toBeGreaterThanOrEqual(333);
      const r = await api.json<{ purged: number }>('/trash', { method: 'DELETE' });
      expect(r.status).toBe(200);
      expect(r.body.purged).toBe(before.total);
      expect((await trashList(api)).total).toBe(0);
      expect(await used(api)).toBe(usedBefore - trashBytes);
      expect((await api.json<{ trash: number }>('/account/quota')).body.trash).toBe(0);
      expect(blobsHolding(server.dataDir, a) + blobsHolding(server.dataDir, b)).toBe(0);
    });

    it('answers 404 for ids that are not in the trash', async () => {
      const live = await api.upload('live.txt', 'live');
      expect((await api.fetch(`/trash/${live.body.id}/restore`, { method: 'POST' })).status).toBe(404);
      expect((await api.fetch(`/trash/${live.body.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await api.fetch('/trash/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(404);
      expect(await content(api, `/files/${live.body.id}/content`)).toEqual(Buffer.from('live'));
    });
  });

  describe('versions', () => {
    let api: Api;
    let file: NodeBody;
    const bodies = ['version one', 'version two, longer', 'v3'];

    beforeAll(async () => {
      api = (await admin.createUser('versioner', 'versioner-password-1')).api;
      file = (await api.upload('doc.txt', bodies[0]!, { type: 'text/plain' })).body;
      for (const b of bodies.slice(1)) {
        await new Promise((r) => setTimeout(r, 5));
        const r = await api.upload('doc.txt', b, { overwrite: true, type: 'text/plain' });
        expect(r.status).toBe(200);
      }
    });

    const list = async () => {
      const r = await api.json<{ items: VersionItem[] }>(`/files/${file.id}/versions`);
      expect(r.status).toBe(200);
      return r.body.items;
    };

    it('lists versions newest first, with author, hash and the current one flagged', async () => {
      const items = await list();
      expect(items).toHaveLength(3);
      expect(items.map((v) => v.sha256)).toEqual([...bodies].reverse().map(sha256));
      expect(items.map((v) => v.size)).toEqual([...bodies].reverse().map((b) => b.length));
      expect(items.map((v) => v.current)).toEqual([true, false, false]);
      expect(items.every((v) => v.author === 'versioner')).toBe(true);
      const times = items.map((v) => Date.parse(v.created_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(items[2]!.id).toBe(file.version_id);
      const meta = await api.json<NodeBody>(`/files/${file.id}`);
      expect(meta.body.version_id).toBe(items[0]!.id);
    });

    it('keeps every one of many concurrent overwrites as a version, with the quota and the folder sizes exact', async () => {
      const { id: otherId, api: other } = await admin.createUser('overwriter', 'overwriter-password-1');
      const folder = (await other.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'busy' } })).body;
      const names = ['a.bin', 'b.bin', 'c.bin', 'd.bin'];
      const firsts = await Promise.all(names.map((n) => other.upload(n, randomBytes(100), { parent: folder.id })));
      expect(firsts.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      // Five rounds of all four files at once: overwrites of different files share a batch, and
      // overwrites of one file within a batch are told apart (the later one goes alone).
      const sent = new Map(names.map((n) => [n, [100] as number[]]));
      const rounds = await Promise.all(
        Array.from({ length: 5 }, (_, round) =>
          Promise.all(
            names.flatMap((n, i) => [0, 1].map((k) => {
              const size = 200 + round * 10 + i * 3 + k;
              sent.get(n)!.push(size);
              return other.upload(n, randomBytes(size), { parent: folder.id, overwrite: true });
            })),
          ),
        ),
      );
      expect(rounds.flat().map((r) => r.status).every((s) => s === 200)).toBe(true);

      const listing = (await other.json<Listing>(`/folders/${folder.id}/children`)).body.items;
      expect(listing.map((n) => n.name).sort()).toEqual(names);
      let allVersions = 0;
      let current = 0;
      for (const node of listing) {
        const versions = (await other.json<{ items: VersionItem[] }>(`/files/${node.id}/versions`)).body.items;
        expect(versions.map((v) => v.size).sort((a, b) => a - b)).toEqual([...sent.get(node.name)!].sort((a, b) => a - b));
        expect(versions[0]!.current).toBe(true);
        expect(node.size).toBe(versions[0]!.size);
        allVersions += versions.reduce((s, v) => s + v.size, 0);
        current += node.size;
      }
      // Every version counts against the quota; the folder (and the root) hold the current sizes.
      expect(await used(other)).toBe(allVersions);
      expect((await other.json<NodeBody>(`/files/${folder.id}`)).body.size).toBe(current);
      const overwrites = await admin.json<{ items: { action: string }[] }>(`/admin/audit?action=file.overwrite&user_id=${otherId}&limit=100`);
      expect(overwrites.status).toBe(200);
      expect(overwrites.body.items).toHaveLength(names.length * 10);
    });

    it('downloads an old version, also by range', async () => {
      const items = await list();
      const oldest = items[2]!;
      expect((await content(api, `/files/${file.id}/versions/${oldest.id}/content`)).toString()).toBe(bodies[0]);
      const res = await api.fetch(`/files/${file.id}/versions/${oldest.id}/content`, { headers: { range: 'bytes=0-6' } });
      expect(res.status).toBe(206);
      expect(await res.text()).toBe('version');
      expect((await content(api, `/files/${file.id}/content`)).toString()).toBe(bodies[2]);
    });

    it('restores an old version: it becomes the newest, the previous current stays listed', async () => {
      const before = await list();
      const oldest = before[2]!;
      const previousCurrent = before[0]!;
      const usedBefore = await used(api);
      const r = await api.json<NodeBody>(`/files/${file.id}/versions/${oldest.id}/restore`, { method: 'POST' });
      expect(r.status).toBe(200);
      expect(r.body.id).toBe(file.id);
      expect(r.body.size).toBe(bodies[0]!.length);
      const after = await list();
      expect(after).toHaveLength(4);
      expect(after[0]!.current).toBe(true);
      expect(after[0]!.id).toBe(r.body.version_id);
      expect(after[0]!.id).not.toBe(oldest.id);
      expect(after[0]!.sha256).toBe(sha256(bodies[0]!));
      expect(after.filter((v) => v.current)).toHaveLength(1);
      expect(after.map((v) => v.id)).toContain(previousCurrent.id);
      expect(after.map((v) => v.id)).toContain(oldest.id);
      expect((await content(api, `/files/${file.id}/content`)).toString()).toBe(bodies[0]);
      expect((await content(api, `/files/${file.id}/versions/${previousCurrent.id}/content`)).toString()).toBe(bodies[2]);
      // The restored version is a new version and counts like one.
      expect(await used(api)).toBe(usedBefore + bodies[0]!.length);
    });

    it('answers 404 for a version of another file and 409 for versions of a folder', async () => {
      const other = await api.upload('other.txt', 'other');
      const v = (await list())[1]!;
      expect((await api.fetch(`/files/${other.body.id}/versions/${v.id}/content`)).status).toBe(404);
      expect((await api.fetch(`/files/${other.body.id}/versions/${v.id}/restore`, { method: 'POST' })).status).toBe(404);
      expect((await api.fetch(`/files/${file.id}/versions/00000000-0000-4000-8000-000000000000/content`)).status).toBe(404);
      const folder = await api.json('/folders', { method: 'POST', json: { path: 'a-folder' } });
      expect((await api.json(`/files/${(folder.body as NodeBody).id}/versions`)).status).toBe(409);
    });
  });

  describe('retention', () => {
    it('purges trash older than the retention period, and only that', async () => {
      const { api } = await admin.createUser('retainer', 'retainer-password-1');
      const data = randomBytes(4096);
      const f = await api.upload('old.bin', data);
      await del(api, f.body.id);
      expect(await used(api)).toBe(4096);

      const early = await server.core.trash.purgeExpired(new Date(Date.now() + 29 * 86_400_000));
      expect(early).toBe(0);
      expect((await trashList(api)).items.map((i) => i.id)).toEqual([f.body.id]);

      const purged = await server.core.trash.purgeExpired(new Date(Date.now() + 31 * 86_400_000));
      expect(purged).toBeGreaterThanOrEqual(1);
      expect((await trashList(api)).total).toBe(0);
      expect(await used(api)).toBe(0);
      expect(blobsHolding(server.dataDir, data)).toBe(0);
      const audit = await admin.json<{ items: { action: string; node_id: string | null }[] }>(`/admin/audit?action=node.purge`);
      expect(audit.status).toBe(200);
      expect(audit.body.items.some((e) => e.node_id === f.body.id)).toBe(true);
    });
  });
});
