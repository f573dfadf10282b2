import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { blobFiles, chunkedBody, partialFiles } from './helpers/storage.js';

// Quota per space: the hard limit with Content-Length, while streaming, under concurrency;
// what counts (files, trash, old versions); and what still works over quota.

interface Usage {
  used: number;
  quota: number | null;
  available: number | null;
  files: number;
  trash: number;
  versions: number;
}
interface QuotaProblem {
  status: number;
  detail: string;
  used: number;
  limit: number;
}
interface Listing {
  items: NodeBody[];
  total: number;
}



const usage = async (api: Api) => (await api.json<Usage>('/account/quota')).body;

async function rootNames(api: Api): Promise<string[]> {
  return (await api.json<Listing>('/folders/root/children?limit=1000')).body.items.map((n) => n.name);
}

describe('quota', () => {
  let server: TestServer;
  let admin: Api;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
  });
  afterAll(async () => server?.close());

  describe('a 1000-byte space', () => {
    let api: Api;
    let userId: string;
    beforeAll(async () => {
      const u = await admin.createUser('small', 'small-password-1', 1000);
      api = u.api;
      userId = u.id;
    });

    it('accepts 600 bytes, then refuses the next 600 (Content-Length) with 507, used and limit', async () => {
      const first = await api.upload('first.bin', randomBytes(600));
      expect(first.status).toBe(201);
      const blobsBefore = blobFiles(server.dataDir).length;
      const second = await api.upload('second.bin', randomBytes(600));
      expect(second.status).toBe(507);
      expect(second.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const p = second.body as unknown as QuotaProblem;
      expect(p.status).toBe(507);
      expect(p.used).toBe(600);
      expect(p.limit).toBe(1000);
      expect(p.detail).toMatch(/space/i);
      expect(await rootNames(api)).toEqual(['first.bin']);
      expect((await usage(api)).used).toBe(600);
      expect(blobFiles(server.dataDir)).toHaveLength(blobsBefore);
    });

    it('aborts a chunked upload that crosses the quota while streaming and keeps nothing', async () => {
      const blobsBefore = blobFiles(server.dataDir).length;
      const chunks = Array.from({ length: 10 }, () => randomBytes(100));
      const res = await api.fetch(`/files?${new URLSearchParams({ path: 'streamed.bin' })}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: chunkedBody(chunks),
      });
      expect(res.status).toBe(507);
      const p = (await res.json()) as QuotaProblem;
      expect(p.used).toBe(600);
      expect(p.limit).toBe(1000);
      expect(await rootNames(api)).toEqual(['first.bin']);
      expect((await usage(api)).used).toBe(600);
      expect(blobFiles(server.dataDir)).toHaveLength(blobsBefore);
      expect(partialFiles(server.dataDir)).toEqual([]);
    });

    it('accepts a chunked upload that fits exactly', async () => {
      const res = await api.fetch(`/files?${new URLSearchParams({ path: 'exact.bin' })}`, {
        method: 'POST',
        body: chunkedBody([randomBytes(150), randomBytes(250)]),
      });
      expect(res.status).toBe(201);
      expect((await usage(api)).used).toBe(1000);
      const over = await api.upload('one-more.bin', 'x');
      expect(over.status).toBe(507);
    });

    it('refuses a multipart upload over the quota', async () => {
      const form = new FormData();
      form.append('file', new Blob([randomBytes(10)]), 'mp/over.bin');
      const res = await api.fetch('/files/multipart', { method: 'POST', body: form });
      expect(res.status).toBe(507);
      expect(((await res.json()) as QuotaProblem).limit).toBe(1000);
      expect(await rootNames(api)).toEqual(['exact.bin', 'first.bin']);
    });

    it('still reads, lists and deletes when over quota', async () => {
      // The administrator lowers the quota below what is stored.
      const lowered = await admin.json(`/admin/users/${userId}`, { method: 'PATCH', json: { quota_bytes: 500 } });
      expect(lowered.status).toBe(200);
      const u = await usage(api);
      expect(u.used).toBe(1000);
      expect(u.quota).toBe(500);
      expect(u.available).toBe(0);

      const first = (await api.json<Listing>('/folders/root/children')).body.items.find((n) => n.name === 'first.bin')!;
      const dl = await api.fetch(`/files/${first.id}/content`);
      expect(dl.status).toBe(200);
      expect((await dl.arrayBuffer()).byteLength).toBe(600);
      expect((await api.upload('nope.bin', 'x')).status).toBe(507);
      const mkdir = await api.json('/folders', { method: 'POST', json: { path: 'empty-folder' } });
      expect(mkdir.status).toBe(201);

      expect((await api.fetch(`/files/${first.id}`, { method: 'DELETE' })).status).toBe(204);
      // In the trash it still counts.
      expect((await usage(api)).used).toBe(1000);
      expect((await api.fetch(`/trash/${first.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await usage(api)).used).toBe(400);
      const fits = await api.upload('fits.bin', randomBytes(100));
      expect(fits.status).toBe(201);
    });
  });

  it('counts trash and old versions, and reports the split', async () => {
    const { api } = await admin.createUser('split', 'split-password-1', 10_000);
    const a = await api.upload('a.txt', randomBytes(100));
    expect(a.status).toBe(201);
    expect((await api.upload('a.txt', randomBytes(150), { overwrite: true })).status).toBe(200);
    const b = await api.upload('dir/b.txt', randomBytes(200));
    expect((await api.upload('dir/b.txt', randomBytes(30), { overwrite: true })).status).toBe(200);
    const dir = await api.json<NodeBody>(`/files/${b.body.parent_id}`);
    expect((await api.fetch(`/files/${dir.body.id}`, { method: 'DELETE' })).status).toBe(204);

    const u = await usage(api);
    expect(u).toEqual({ used: 480, quota: 10_000, available: 9520, files: 150, trash: 230, versions: 100 });
    const account = await api.json<{ usage: Usage }>('/account');
    expect(account.body.usage).toEqual(u);

    // With 480 used, a 9,600-byte upload does not fit although the live files hold only 150.
    const big = await api.upload('big.bin', randomBytes(9600));
    expect(big.status).toBe(507);
    expect((big.body as unknown as QuotaProblem).used).toBe(480);

    expect((await api.fetch('/trash', { method: 'DELETE' })).status).toBe(200);
    expect(await usage(api)).toMatchObject({ used: 250, files: 150, trash: 0, versions: 100 });
  });

  it('never lets 20 parallel uploads exceed the quota together', async () => {
    const { api } = await admin.createUser('racer', 'racer-password-1', 1000);
    const blobsBefore = blobFiles(server.dataDir).length;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.upload(`p/file-${i}.bin`, randomBytes(100))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 507)).toHaveLength(10);
    for (const r of results.filter((x) => x.status === 507)) {
      expect((r.body as unknown as QuotaProblem).limit).toBe(1000);
    }
    expect((await usage(api)).used).toBe(1000);
    const folder = results.find((r) => r.status === 201)!.body.parent_id!;
    const listing = await api.json<Listing>(`/folders/${folder}/children`);
    expect(listing.body.total).toBe(10);
    expect(listing.body.items.reduce((s, n) => s + n.size, 0)).toBe(1000);
    expect(new Set(listing.body.items.map((n) => n.id))).toEqual(new Set(results.filter((r) => r.status === 201).map((r) => r.body.id)));
    const added = blobFiles(server.dataDir).length - blobsBefore;
    expect(added).toBe(10);
  });

  it('never lets 20 parallel chunked uploads exceed the quota together', async () => {
    const { api } = await admin.createUser('streamer', 'streamer-password-1', 1000);
    const blobsBefore = blobFiles(server.dataDir).length;
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await api.fetch(`/files?${new URLSearchParams({ path: `c/file-${i}.bin` })}`, {
          method: 'POST',
          body: chunkedBody([randomBytes(50), randomBytes(50)]),
        });
        return { status: res.status, body: (await res.json()) as NodeBody };
      }),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 507)).toHaveLength(10);
    expect((await usage(api)).used).toBe(1000);
    const folder = results.find((r) => r.status === 201)!.body.parent_id!;
    const listing = await api.json<Listing>(`/folders/${folder}/children`);
    expect(listing.body.items.reduce((s, n) => s + n.size, 0)).toBe(1000);
    expect(blobFiles(server.dataDir).length - blobsBefore).toBe(10);
    expect(partialFiles(server.dataDir)).toEqual([]);
  });

  it('counts a copy against the quota and refuses one that does not fit', async () => {
    const { api } = await admin.createUser('copier', 'copier-password-1', 1000);
    const f = await api.upload('f.bin', randomBytes(400));
    const c1 = await api.json<NodeBody>(`/files/${f.body.id}/copy`, { method: 'POST', json: { parent_id: 'root' } });
    expect(c1.status).toBe(201);
    expect((await usage(api)).used).toBe(800);
    const c2 = await api.json<QuotaProblem>(`/files/${f.body.id}/copy`, { method: 'POST', json: { parent_id: 'root' } });
    expect(c2.status).toBe(507);
    expect(c2.body.used).toBe(800);
    expect((await usage(api)).used).toBe(800);
    expect(await rootNames(api)).toEqual(['f (1).bin', 'f.bin']);
  });
});
