import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { pseudoRandom, sha256 } from './helpers/content.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';
import { listPartsProxy } from './helpers/s3rver-list-parts.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tusCreate, tusFetch, tusPatch, tusPatchCut, tusUpload } from './helpers/tus.js';
import { until } from './helpers/until.js';
import type { StagingState } from '../src/blobs/blob-store.js';
import { startWorkers } from '../src/jobs/workers.js';

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
  let admin: Api;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    proxy = await listPartsProxy(s3.endpoint, s3.directory);
    server = await startTestServer({ ...s3.env(BUCKET), COFFER_S3_ENDPOINT: proxy.endpoint });
    admin = await Api.admin(server.url);
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
    const created = await tusCreate(api, data.length, { filename: 's3-resumed.bin' });
    const sid = created.id;
    const url = new URL(created.res.headers.get('location')!, server.url).href;
    // One PATCH for the whole file, cut off inside its body, past the first 8 MiB part.
    await tusPatchCut(api, sid, data, 11 * MiB);
    let kept = 0;
    for (let i = 0; i < 100 && kept === 0; i++) {
      kept = (await api.json<{ received: number }>(`/uploads/${sid}`)).body.received;
      if (kept === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(11 * MiB);
    const second = tusUpload(api, data, { uploadUrl: url, metadata: { filename: 's3-resumed.bin' }, retryDelays: [100, 300, 1000, 2000] });
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
    // The parts add up: the object is assembled and read back for its SHA-256 by a job.
    const finishing = await api.json<{ id: string; status: string; file_id: string | null }>(`/uploads/${created.body.id}/complete`, { method: 'POST' });
    expect(finishing.status).toBe(202);
    expect(finishing.body.status).toBe('finishing');
    expect(finishing.res.headers.get('location')).toBe(`/api/v1/uploads/${created.body.id}`);
    const done = await until('the upload to be finished', async () => {
      const polled = await api.json<{ status: string; file_id: string | null }>(finishing.res.headers.get('location')!.replace('/api/v1', ''));
      return polled.body.status === 'completed' ? (polled.body.file_id ?? undefined) : undefined;
    });
    const file = await api.json<NodeBody>(`/files/${done}`);
    expect(file.body.size).toBe(data.length);
    expect(file.body.path).toBe('/direct/big.bin');
    expect(sha256(await contentOf(done))).toBe(sha256(data));
    expect((await versionSha(done)).sha256).toBe(sha256(data));
    // Completing again answers the same file.
    const again = await api.json<NodeBody>(`/uploads/${created.body.id}/complete`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(done);
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

  it('removes the staged tail of an unfinished upload when its space is deleted', async () => {
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 's3co', name: 'S3 Co', owner: 's3-uploader' } })).status).toBe(201);
    const space = await api.json<{ id: string; root_folder_id: string }>('/orgs/s3co/spaces', { method: 'POST', json: { name: 'Staging' } });
    const created = await tusCreate(api, 10 * MiB, { filename: 'in-space.bin', parent_id: space.body.root_folder_id });
    expect((await tusPatch(api, created.id, 0, pseudoRandom(2 * MiB, 26))).status).toBe(204);
    expect(tails()).toBe(1);
    expect((await api.json(`/spaces/${space.body.id}?confirm=Staging`, { method: 'DELETE' })).status).toBe(204);
    expect((await api.json(`/uploads/${created.id}`)).status).toBe(404);
    await until('the tail to be removed', async () => tails() === 0);
  });
});

/**
 * Direct uploads finished by the upload.finalize job, on a server that runs no worker of its own:
 * the tests change things between the completing request and the job, then run the worker.
 */
describe('direct uploads finished in the background', () => {
  const JOB_BUCKET = 'finishing';
  let s3: RunningS3rver;
  let proxy: { endpoint: string; close: () => Promise<void> };
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [JOB_BUCKET] });
    proxy = await listPartsProxy(s3.endpoint, s3.directory);
    server = await startTestServer({ ...s3.env(JOB_BUCKET), COFFER_S3_ENDPOINT: proxy.endpoint, COFFER_WORKERS: 'false' });
    const admin = await Api.admin(server.url);
    ({ api } = await admin.createUser('finisher', 'finisher-password', 30 * MiB));
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await s3?.close();
  });

  /** A direct upload of `data` with every part sent, and the answer to completing it. */
  const sendDirect = async (json: Record<string, unknown>, data: Buffer) => {
    const created = await api.json<{ id: string; part_size: number; part_count: number }>('/uploads', { method: 'POST', json: { ...json, length: data.length } });
    expect(created.status).toBe(201);
    const { part_size: size, part_count: count } = created.body;
    const parts = await api.json<{ parts: { url: string }[] }>(`/uploads/${created.body.id}/parts`, { method: 'POST', json: { to: count } });
    for (const [i, p] of parts.body.parts.entries()) expect((await fetch(p.url, { method: 'PUT', body: data.subarray(i * size, (i + 1) * size) })).status).toBe(200);
    const complete = () => api.json<{ status: string; detail?: string; code?: string }>(`/uploads/${created.body.id}/complete`, { method: 'POST' });
    const first = await complete();
    return { id: created.body.id, first, complete };
  };
  type Polled = { status: string; file_id: string | null; error: { status: number; code: string; detail: string } | null };
  /** Runs this server's worker (the real handlers) until the upload is no longer finishing. */
  const finishWithWorker = async (id: string): Promise<Polled> => {
    const worker = await startWorkers(server.core);
    try {
      return await until('the upload to leave finishing', async () => {
        const polled = (await api.json<Polled>(`/uploads/${id}`)).body;
        return polled.status !== 'finishing' && polled.status !== 'receiving' && polled;
      });
    } finally {
      await worker.stop();
    }
  };
  const stagingOf = async (id: string) => {
    const row = await server.core.db.selectFrom('upload_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { state: row.store_state as StagingState, length: row.length };
  };
  const names = async () => (await api.json<{ items: NodeBody[] }>('/folders/root/children')).body.items.map((n) => n.name);
  const used = async () => (await api.json<{ usage: { used: number } }>('/account')).body.usage.used;

  it('answers 202 to every completion while it finishes, with one job, then the file', async () => {
    const data = pseudoRandom(9 * MiB + 1, 27);
    const sent = await sendDirect({ path: 'twice.bin' }, data);
    expect(sent.first.status).toBe(202);
    expect((await sent.complete()).status).toBe(202);
    const jobs = await server.core.db.selectFrom('jobs').select('id').where('kind', '=', 'upload.finalize').where('key', '=', sent.id).execute();
    expect(jobs).toHaveLength(1);
    // A finishing upload takes no more parts and cannot be cancelled halfway.
    expect((await api.json(`/uploads/${sent.id}/parts`, { method: 'POST', json: { to: 1 } })).status).toBe(409);
    expect((await api.json(`/uploads/${sent.id}`, { method: 'DELETE' })).status).toBe(409);
    const done = await finishWithWorker(sent.id);
    expect(done.status).toBe('completed');
    expect((await versionSha(api, done.file_id!)).sha256).toBe(sha256(data));
  });

  it('fails with the reason and removes the object when the quota was used up meanwhile', async () => {
    const data = pseudoRandom(13 * MiB + 5, 28);
    const before = await used();
    const sent = await sendDirect({ path: 'too-late.bin' }, data);
    expect(sent.first.status).toBe(202);
    const { state } = await stagingOf(sent.id);
    // Between the completing request and the job, the space fills up.
    expect((await api.upload('filler.bin', pseudoRandom(30 * MiB - before - 10 * MiB, 29))).status).toBe(201);
    const failed = await finishWithWorker(sent.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ status: 507, code: 'quota-exceeded' });
    expect(failed.error!.detail).toMatch(/Not enough space/);
    expect(await server.core.blobs.stat(state.key)).toBeNull();
    // Asking again answers the same refusal; nothing appeared and nothing counts.
    const again = await sent.complete();
    expect(again.status).toBe(507);
    expect(again.body.detail).toBe(failed.error!.detail);
    expect(await names()).not.toContain('too-late.bin');
    expect(await used()).toBe(30 * MiB - 10 * MiB);
    // Its record goes when asked to (or when it expires).
    expect((await api.json(`/uploads/${sent.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api.json(`/uploads/${sent.id}`)).status).toBe(404);
    const filler = (await api.json<{ items: NodeBody[] }>('/folders/root/children')).body.items.find((n) => n.name === 'filler.bin')!;
    expect((await api.json(`/files/${filler.id}`, { method: 'DELETE' })).status).toBe(204);
    await api.json('/trash', { method: 'DELETE' });
  });

  it('fails clearly and removes the object when the target folder was trashed meanwhile', async () => {
    const folder = await api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'vanishing' } });
    const data = pseudoRandom(6 * MiB, 30);
    const sent = await sendDirect({ parent_id: folder.body.id, path: 'into-the-void.bin' }, data);
    expect(sent.first.status).toBe(202);
    const { state } = await stagingOf(sent.id);
    expect((await api.json(`/files/${folder.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const failed = await finishWithWorker(sent.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ status: 409, code: 'upload-target-gone' });
    expect(failed.error!.detail).toMatch(/folder this upload was going into has been deleted/);
    expect(await server.core.blobs.stat(state.key)).toBeNull();
  });

  it('goes on from what an attempt that died left: the object already assembled, its lease run out', async () => {
    const data = pseudoRandom(10 * MiB + 3, 34);
    const sent = await sendDirect({ path: 'survivor.bin' }, data);
    expect(sent.first.status).toBe(202);
    // What a worker killed after assembling the parts leaves behind.
    const { state, length } = await stagingOf(sent.id);
    const staging = server.core.blobs.staging;
    await staging.finish(staging.withParts!(state, await staging.listParts!(state)), length);
    await server.core.db.updateTable('upload_sessions').set({ lease: 'a-dead-worker', lease_until: new Date(Date.now() - 1000) }).where('id', '=', sent.id).execute();
    // The storage check sees an object no file references yet, and leaves it to the upload.
    await server.core.fsck.run({ repair: true, scope: 'storage', graceSeconds: 0 });
    expect(await server.core.blobs.stat(state.key)).toBe(length);
    const done = await finishWithWorker(sent.id);
    expect(done.status).toBe('completed');
    expect(sha256(Buffer.from(await (await api.fetch(`/files/${done.file_id}/content`)).arrayBuffer()))).toBe(sha256(data));
    expect((await versionSha(api, done.file_id!)).sha256).toBe(sha256(data));
  });
});

const versionSha = async (api: Api, id: string) => (await api.json<{ items: { sha256: string; size: number }[] }>(`/files/${id}/versions`)).body.items[0]!;
