import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { pseudoRandom, sha256 } from './helpers/content.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';
import { listPartsProxy } from './helpers/s3rver-list-parts.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tusCreate, tusFetch, tusPatch, tusUpload } from './helpers/tus.js';

const MiB = 1024 * 1024;
const BUCKET = 'uploads';

/**
 * Resumable and direct uploads on the S3 store, against an in-process s3rver. Where s3rver is not
 * S3: it lacks ListParts (a proxy answers it from s3rver's directory, see s3rver-list-parts.ts),
 * cannot abort a multipart upload (its parts stay on its disk; Coffer ignores the refusal, and a
 * bucket lifecycle rule is the backstop on real S3), checks no signature, and does not enforce
 * the 5 MiB minimum part size (the tests check Coffer keeps to it on its own).
 */
describe('resumable uploads on S3', () => {
  let s3: RunningS3rver;
  let proxy: { endpoint: string; close: () => Promise<void> };
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    proxy = await listPartsProxy(s3.endpoint, s3.directory);
    server = await startTestServer({ ...s3.env(BUCKET), COFFER_S3_ENDPOINT: proxy.endpoint });
    const admin = await Api.admin(server.url);
    ({ api } = await admin.createUser('s3-uploader', 's3-uploader-password', 500 * MiB));
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await s3?.close();
  });

  const contentOf = async (id: string) => Buffer.from(await (await api.fetch(`/files/${id}/content`)).arrayBuffer());
  const versionSha = async (id: string) => (await api.json<{ items: { sha256: string; size: number }[] }>(`/files/${id}/versions`)).body.items[0]!;
  /** Tail objects (bytes short of a part) waiting under the uploads prefix. */
  const tails = () => {
    const dir = path.join(s3.directory, BUCKET, 'uploads');
    if (!fs.existsSync(dir)) return 0;
    return fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('._S3rver_object')).length;
  };
  /** Sizes of the parts s3rver holds for unfinished uploads. */
  const partSizes = () => {
    const dir = path.join(s3.directory, BUCKET, '._S3rver_uploads');
    if (!fs.existsSync(dir)) return [] as number[];
    return fs.readdirSync(dir).flatMap((u) => fs.readdirSync(path.join(dir, u)).filter((n) => /^\d+$/.test(n)).map((n) => fs.statSync(path.join(dir, u, n)).size));
  };

  it('streams tus chunks smaller than an S3 part into a multipart upload, keeping the short rest as a tail', async () => {
    const data = pseudoRandom(21 * MiB + 333, 21);
    const created = await tusCreate(api, data.length, { filename: 'small-chunks.bin' });
    expect(created.status).toBe(201);
    let offset = 0;
    // A 3 MiB append is short of any part (S3 wants 5 MiB): it waits in a tail object.
    const patch = async (size: number) => {
      const r = await tusPatch(api, created.id, offset, data.subarray(offset, offset + size));
      expect(r.status).toBe(204);
      offset += size;
    };
    await patch(3 * MiB);
    expect(tails()).toBe(1);
    expect(partSizes()).toEqual([]);
    // The next one reads the tail back first: 6 MiB make a part (any part from 5 MiB is allowed), no tail left.
    await patch(3 * MiB);
    expect(partSizes()).toEqual([6 * MiB]);
    expect(tails()).toBe(0);
    await patch(3 * MiB);
    expect(tails()).toBe(1);
    const last = await tusPatch(api, created.id, offset, data.subarray(offset));
    expect(last.status).toBe(204);
    const id = last.headers.get('coffer-file-id')!;
    expect(tails()).toBe(0);
    expect(sha256(await contentOf(id))).toBe(sha256(data));
    expect((await versionSha(id)).sha256).toBe(sha256(data));
  });

  it('resumes a tus upload cut off mid-body, on S3', async () => {
    const data = pseudoRandom(30 * MiB + 17, 22);
    const first = tusUpload(api, data, { metadata: { filename: 's3-resumed.bin' } });
    while ((first.progress.at(-1) ?? 0) < 11 * MiB) await new Promise((r) => setTimeout(r, 5));
    await first.upload.abort();
    const sid = first.upload.url!.split('/').pop()!;
    let kept = 0;
    for (let i = 0; i < 100 && kept === 0; i++) {
      kept = (await api.json<{ received: number }>(`/uploads/${sid}`)).body.received;
      if (kept === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(kept).toBeGreaterThan(0);
    const second = tusUpload(api, data, { uploadUrl: first.upload.url, metadata: { filename: 's3-resumed.bin' }, retryDelays: [100, 300, 1000, 2000] });
    const id = await second.done;
    expect(sha256(await contentOf(id))).toBe(sha256(data));
    expect((await versionSha(id)).sha256).toBe(sha256(data));
    // No part but the last is under S3's 5 MiB minimum.
    expect(tails()).toBe(0);
  });

  it('terminates a tus upload and removes its tail', async () => {
    const created = await tusCreate(api, 10 * MiB, { filename: 's3-terminated.bin' });
    expect((await tusPatch(api, created.id, 0, pseudoRandom(2 * MiB, 23))).status).toBe(204);
    expect(tails()).toBe(1);
    expect((await tusFetch(api, `/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(tails()).toBe(0);
  });

  it('takes a direct upload in presigned parts, lists them itself, and records the SHA-256', async () => {
    const data = pseudoRandom(13 * MiB + 5, 24);
    const created = await api.json<{ id: string; part_size: number; part_count: number }>('/uploads', { method: 'POST', json: { path: 'direct/big.bin', length: data.length } });
    expect(created.status).toBe(201);
    expect(created.body.part_size).toBe(8 * MiB);
    expect(created.body.part_count).toBe(2);
    const parts = await api.json<{ parts: { part_number: number; url: string }[] }>(`/uploads/${created.body.id}/parts`, { method: 'POST', json: { from: 1, to: 2 } });
    expect(parts.status).toBe(200);
    // Completing before every byte is there is refused, and nothing appears.
    const put = async (n: number) => {
      const slice = data.subarray((n - 1) * created.body.part_size, n * created.body.part_size);
      const res = await fetch(parts.body.parts[n - 1]!.url, { method: 'PUT', body: slice });
      expect(res.status).toBe(200);
    };
    await put(1);
    const early = await api.json<{ detail: string }>(`/uploads/${created.body.id}/complete`, { method: 'POST' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/8388608 bytes in 1 parts/);
    await put(2);
    const done = await api.json<NodeBody>(`/uploads/${created.body.id}/complete`, { method: 'POST' });
    expect(done.status).toBe(201);
    expect(done.body.size).toBe(data.length);
    expect(done.body.path).toBe('/direct/big.bin');
    expect(sha256(await contentOf(done.body.id))).toBe(sha256(data));
    expect((await versionSha(done.body.id)).sha256).toBe(sha256(data));
    // Completing again answers the same file.
    const again = await api.json<NodeBody>(`/uploads/${created.body.id}/complete`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(done.body.id);
    const audit = await api.json<{ items: { action: string; path: string }[] }>('/account/activity?action=file.upload');
    expect(audit.body.items.some((e) => e.path === '/direct/big.bin')).toBe(true);
  });

  it('refuses a direct upload whose parts do not add up to the declared length, and aborts it', async () => {
    const created = await api.json<{ id: string }>('/uploads', { method: 'POST', json: { path: 'short.bin', length: 6 * MiB } });
    const parts = await api.json<{ parts: { url: string }[] }>(`/uploads/${created.body.id}/parts`, { method: 'POST', json: { to: 1 } });
    expect((await fetch(parts.body.parts[0]!.url, { method: 'PUT', body: pseudoRandom(7 * MiB, 25) })).status).toBe(200);
    const done = await api.json(`/uploads/${created.body.id}/complete`, { method: 'POST' });
    expect(done.status).toBe(409);
    expect((await api.json(`/uploads/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api.json(`/uploads/${created.body.id}`)).status).toBe(404);
    const names = (await api.json<{ items: NodeBody[] }>('/folders/root/children')).body.items.map((n) => n.name);
    expect(names).not.toContain('short.bin');
  });

  it('checks the quota of a direct upload at creation', async () => {
    const over = await api.json<{ detail: string }>('/uploads', { method: 'POST', json: { path: 'huge.bin', length: 600 * MiB } });
    expect(over.status).toBe(507);
  });
});
