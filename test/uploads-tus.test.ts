import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliContext } from '../src/core/context.js';
import { Api, type NodeBody } from './helpers/api.js';
import { pseudoRandom, sha256 } from './helpers/content.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';
import { tusCreate, tusFetch, tusPatch, tusPatchCut, tusUpload } from './helpers/tus.js';
import { until } from './helpers/until.js';

const MiB = 1024 * 1024;

/** Resumable uploads (tus 1.0) on the local-disk store, through real HTTP and tus-js-client. */
describe('tus uploads', () => {
  let server: TestServer;
  let admin: Api;
  let api: Api;
  let stagingDir: string;
  let uploaderId: string;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_UPLOAD_EXPIRY: '3600' });
    admin = await Api.admin(server.url);
    ({ api, id: uploaderId } = await admin.createUser('uploader', 'uploader-password-1', 200 * MiB));
    stagingDir = path.join(server.dataDir, 'blobs', 'uploads');
  });
  afterAll(async () => {
    await server?.close();
  });

  const listNames = async (who: Api = api, folder = 'root') => {
    const res = await who.json<{ items: NodeBody[] }>(`/folders/${folder}/children?limit=1000`);
    return res.body.items.map((n) => n.name);
  };
  const contentOf = async (id: string, who: Api = api) => Buffer.from(await (await who.fetch(`/files/${id}/content`)).arrayBuffer());
  const versionSha = async (id: string) => (await api.json<{ items: { sha256: string; size: number }[] }>(`/files/${id}/versions`)).body.items[0]!;
  const session = (id: string, who: Api = api) => who.json<{ received: number; status: string; file_id: string | null; expires_at: string }>(`/uploads/${id}`);

  it('uploads in chunks with tus-js-client; the file appears only when complete, with its SHA-256', async () => {
    const data = pseudoRandom(12 * MiB + 12345, 1);
    let urlAfterFirstChunk = '';
    const run = tusUpload(api, data, {
      chunkSize: 5 * MiB,
      metadata: { filename: 'chunked.bin', filetype: 'application/octet-stream' },
      onChunkComplete: (_size, accepted) => {
        if (accepted === 5 * MiB) urlAfterFirstChunk = run.upload.url!;
      },
    });
    const id = await run.done;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(urlAfterFirstChunk).toContain('/api/v1/uploads/tus/');
    expect(sha256(await contentOf(id))).toBe(sha256(data));
    const v = await versionSha(id);
    expect(v.sha256).toBe(sha256(data));
    expect(v.size).toBe(data.length);
    // After completion the session remembers the file; HEAD answers the full offset.
    const sid = urlAfterFirstChunk.split('/').pop()!;
    const s = await session(sid);
    expect(s.body).toMatchObject({ status: 'completed', file_id: id, received: data.length });
    const head = await tusFetch(api, `/${sid}`, { method: 'HEAD' });
    expect(head.headers.get('upload-offset')).toBe(String(data.length));
  });

  it('keeps a file invisible while its upload is unfinished, and accounts nothing to the quota', async () => {
    const before = (await api.json<{ usage: { used: number } }>('/account')).body.usage.used;
    const data = pseudoRandom(3 * MiB, 2);
    const created = await tusCreate(api, data.length, { filename: 'invisible.bin' });
    expect(created.status).toBe(201);
    expect(created.res.headers.get('upload-expires')).toBeTruthy();
    const patched = await tusPatch(api, created.id, 0, data.subarray(0, MiB));
    expect(patched.status).toBe(204);
    expect(patched.headers.get('upload-offset')).toBe(String(MiB));
    expect(await listNames()).not.toContain('invisible.bin');
    expect((await session(created.id)).body.received).toBe(MiB);
    expect((await api.json<{ usage: { used: number } }>('/account')).body.usage.used).toBe(before);
    // A wrong offset is refused without touching what is staged.
    expect((await tusPatch(api, created.id, 0, data.subarray(0, 10))).status).toBe(409);
    const last = await tusPatch(api, created.id, MiB, data.subarray(MiB));
    expect(last.status).toBe(204);
    const fileId = last.headers.get('coffer-file-id')!;
    expect(await listNames()).toContain('invisible.bin');
    expect(sha256(await contentOf(fileId))).toBe(sha256(data));
    expect((await api.json<{ usage: { used: number } }>('/account')).body.usage.used).toBe(before + data.length);
  });

  it('resumes an upload cut off mid-body from the offset the server kept', async () => {
    const data = pseudoRandom(24 * MiB, 3);
    const created = await tusCreate(api, data.length, { filename: 'resumed.bin' });
    const sid = created.id;
    const url = new URL(created.res.headers.get('location')!, server.url).href;
    // One PATCH for the whole file, cut off inside its body.
    await tusPatchCut(api, sid, data, 6 * MiB);
    // The server counts what it staged before the cut (the commit may take a moment after the drop).
    let kept = 0;
    for (let i = 0; i < 100 && kept === 0; i++) {
      kept = (await session(sid)).body.received;
      if (kept === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(6 * MiB);
    expect(await listNames()).not.toContain('resumed.bin');

    const second = tusUpload(api, data, { uploadUrl: url, metadata: { filename: 'resumed.bin' }, retryDelays: [100, 300, 1000, 2000] });
    const id = await second.done;
    // tus-js-client asked the server (HEAD) and went on from there, not from 0.
    expect(second.progress[0]).toBeGreaterThanOrEqual(0);
    const resumedFrom = Math.min(...second.progress.filter((p) => p > 0));
    expect(resumedFrom).toBeGreaterThan(kept - 1);
    expect(sha256(await contentOf(id))).toBe(sha256(data));
    expect((await versionSha(id)).sha256).toBe(sha256(data));
  });

  it('takes the first bytes with the creation request (creation-with-upload)', async () => {
    const data = pseudoRandom(2 * MiB + 7, 4);
    const run = tusUpload(api, data, { uploadDataDuringCreation: true, metadata: { filename: 'with-creation.bin' } });
    const id = await run.done;
    expect(sha256(await contentOf(id))).toBe(sha256(data));
    // Whole body in the POST: a single request.
    const created = await tusFetch(api, '', {
      method: 'POST',
      body: data,
      headers: { 'upload-length': String(data.length), 'upload-metadata': `filename ${Buffer.from('one-post.bin').toString('base64')}`, 'content-type': 'application/offset+octet-stream' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('upload-offset')).toBe(String(data.length));
    expect(sha256(await contentOf(created.headers.get('coffer-file-id')!))).toBe(sha256(data));
  });

  it('terminates an upload and removes its staged bytes', async () => {
    const created = await tusCreate(api, 4 * MiB, { filename: 'terminated.bin' });
    expect((await tusPatch(api, created.id, 0, pseudoRandom(MiB, 5))).status).toBe(204);
    const staged = fs.readdirSync(stagingDir).filter((n) => n.endsWith('.upload'));
    expect(staged.length).toBeGreaterThan(0);
    const del = await tusFetch(api, `/${created.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await tusFetch(api, `/${created.id}`, { method: 'HEAD' })).status).toBe(404);
    expect(fs.readdirSync(stagingDir).filter((n) => n.endsWith('.upload')).length).toBe(staged.length - 1);
    expect(await listNames()).not.toContain('terminated.bin');
  });

  it('refuses a chunk whose Upload-Checksum does not match (460) and keeps nothing of it', async () => {
    const data = pseudoRandom(MiB, 6);
    const created = await tusCreate(api, 2 * MiB, { filename: 'checked.bin' });
    const wrong = Buffer.from('0'.repeat(20)).toString('base64');
    const bad = await tusPatch(api, created.id, 0, data, { 'upload-checksum': `sha1 ${wrong}` });
    expect(bad.status).toBe(460);
    expect((await session(created.id)).body.received).toBe(0);
    const good = await tusPatch(api, created.id, 0, data, { 'upload-checksum': `sha1 ${createHash('sha1').update(data).digest('base64')}` });
    expect(good.status).toBe(204);
    expect(good.headers.get('upload-offset')).toBe(String(MiB));
    expect((await tusPatch(api, created.id, MiB, data, { 'upload-checksum': `crc32 AAAA` })).status).toBe(400);
    const options = await tusFetch(api, '', { method: 'OPTIONS' });
    expect(options.headers.get('tus-extension')).toContain('checksum');
    expect(options.headers.get('tus-checksum-algorithm')).toContain('sha1');
    // A refused append went through the SHA-256 kept between appends: the recorded hash must not show it.
    const rest = pseudoRandom(MiB, 60);
    expect((await tusPatch(api, created.id, MiB, pseudoRandom(MiB, 61), { 'upload-checksum': `sha1 ${createHash('sha1').update(rest).digest('base64')}` })).status).toBe(460);
    const last = await tusPatch(api, created.id, MiB, rest);
    expect(last.status).toBe(204);
    expect((await versionSha(last.headers.get('coffer-file-id')!)).sha256).toBe(sha256(Buffer.concat([data, rest])));
  });

  it('keeps two racing appends at one offset from both landing', async () => {
    const created = await tusCreate(api, 8 * MiB, { filename: 'raced.bin' });
    const a = pseudoRandom(4 * MiB, 7);
    const b = pseudoRandom(4 * MiB, 8);
    const [ra, rb] = await Promise.all([tusPatch(api, created.id, 0, a), tusPatch(api, created.id, 0, b)]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses[0]).toBe(204);
    expect([409, 423]).toContain(statuses[1]);
    const winner = ra.status === 204 ? a : b;
    expect((await session(created.id)).body.received).toBe(4 * MiB);
    const last = await tusPatch(api, created.id, 4 * MiB, winner);
    expect(last.status).toBe(204);
    const whole = await contentOf(last.headers.get('coffer-file-id')!);
    expect(sha256(whole)).toBe(sha256(Buffer.concat([winner, winner])));
  });

  it('lets one of two appends racing through the core (as two servers would) hold the session', async () => {
    // Below the tus door and its in-process lock: only the database lease stands between them.
    const created = await tusCreate(api, 4 * MiB, { filename: 'leased.bin' });
    const ctx = { actor: { userId: uploaderId, username: 'uploader', role: 'user' as const, via: 'token' as const }, ip: null, userAgent: null };
    const slow = (seed: number) =>
      Readable.from(
        (async function* () {
          for (let i = 0; i < 4; i++) {
            await new Promise((r) => setTimeout(r, 100));
            yield pseudoRandom(512 * 1024, seed + i);
          }
        })(),
      );
    const results = await Promise.allSettled([server.core.uploads.append(ctx, created.id, 0, slow(100)), server.core.uploads.append(ctx, created.id, 0, slow(200))]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatchObject({ status: 423 });
    expect((await session(created.id)).body.received).toBe(2 * MiB);
  });

  it('checks the quota at creation (declared length) and again at completion', async () => {
    const { api: small } = await admin.createUser('small-tus', 'small-tus-password', 10 * MiB);
    const over = await tusCreate(small, 11 * MiB, { filename: 'too-big.bin' });
    expect(over.status).toBe(413);
    expect(await over.res.text()).toMatch(/Not enough space/);

    const data = pseudoRandom(6 * MiB, 9);
    const created = await tusCreate(small, data.length, { filename: 'late.bin' });
    expect(created.status).toBe(201);
    expect((await tusPatch(small, created.id, 0, data.subarray(0, MiB))).status).toBe(204);
    // Meanwhile the space fills up through the ordinary upload.
    expect((await small.upload('filler.bin', pseudoRandom(5 * MiB, 10))).status).toBe(201);
    const last = await tusPatch(small, created.id, MiB, data.subarray(MiB));
    expect(last.status).toBe(413);
    expect(await listNames(small)).toEqual(['filler.bin']);
    expect((await small.json<{ usage: { used: number } }>('/account')).body.usage.used).toBe(5 * MiB);
    // The bytes are kept: once there is room, asking again (HEAD, as a resuming client does) completes it.
    const filler = (await small.json<{ items: NodeBody[] }>('/folders/root/children')).body.items[0]!;
    expect((await small.json(`/files/${filler.id}`, { method: 'DELETE' })).status).toBe(204);
    await small.json('/trash', { method: 'DELETE' });
    const head = await tusFetch(small, `/${created.id}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(data.length));
    expect(await listNames(small)).toEqual(['late.bin']);
  });

  it('refuses what a folder policy forbids, at creation', async () => {
    const folder = await api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'pdf-only' } });
    expect(folder.status).toBe(201);
    const policy = await api.json(`/folders/${folder.body.id}/policy`, { method: 'PUT', json: { allowed_extensions: ['pdf'], allowed_types: null, max_file_bytes: 2 * MiB, write_once: false } });
    expect(policy.status).toBe(200);
    const wrongType = await tusCreate(api, 100, { filename: 'notes.txt', parent_id: folder.body.id });
    expect(wrongType.status).toBe(415);
    const tooBig = await tusCreate(api, 3 * MiB, { filename: 'big.pdf', parent_id: folder.body.id });
    expect(tooBig.status).toBe(413);
    const fine = await tusCreate(api, 100, { filename: 'fine.pdf', parent_id: folder.body.id });
    expect(fine.status).toBe(201);
  });

  it('keeps one user out of another user\'s upload', async () => {
    const { api: other } = await admin.createUser('nosy', 'nosy-password-1', null);
    const created = await tusCreate(api, 1000, { filename: 'mine.bin' });
    expect((await tusFetch(other, `/${created.id}`, { method: 'HEAD' })).status).toBe(404);
    expect((await tusPatch(other, created.id, 0, Buffer.alloc(1000))).status).toBe(404);
    expect((await tusFetch(other, `/${created.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await tusFetch(api, `/${created.id}`, { method: 'HEAD' }).then((r) => r.status))).toBe(200);
    // Unauthenticated requests never reach tus.
    const anon = await fetch(`${server.url}/api/v1/uploads/tus`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '1' } });
    expect(anon.status).toBe(401);
  });

  it('refuses direct-to-store uploads on the local disk with a clear reason', async () => {
    const res = await api.json<{ detail: string }>('/uploads', { method: 'POST', json: { path: 'direct.bin', length: 10 } });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/S3/);
  });

  it('replaces a file with a new version when node_id names it', async () => {
    const first = await api.upload('versioned.txt', 'one');
    const data = pseudoRandom(MiB, 11);
    const run = tusUpload(api, data, { metadata: { node_id: first.body.id, filename: 'ignored' } });
    expect(await run.done).toBe(first.body.id);
    expect(sha256(await contentOf(first.body.id))).toBe(sha256(data));
    expect((await api.json<{ items: unknown[] }>(`/files/${first.body.id}/versions`)).body.items).toHaveLength(2);
  });

  const staged = () => fs.readdirSync(stagingDir).filter((n) => n.endsWith('.upload')).length;
  const sessionRow = (id: string) => server.core.db.selectFrom('upload_sessions').select('id').where('id', '=', id).executeTakeFirst();

  it('fails the completion clearly and removes the bytes when the target folder was trashed meanwhile', async () => {
    const folder = await api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'going-away' } });
    const data = pseudoRandom(2 * MiB, 31);
    const created = await tusCreate(api, data.length, { filename: 'orphan.bin', parent_id: folder.body.id });
    expect((await tusPatch(api, created.id, 0, data.subarray(0, MiB))).status).toBe(204);
    const before = staged();
    expect((await api.json(`/files/${folder.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const last = await tusPatch(api, created.id, MiB, data.subarray(MiB));
    expect(last.status).toBe(409);
    expect(await last.text()).toMatch(/folder this upload was going into has been deleted.*bytes were removed/);
    expect(staged()).toBe(before - 1);
    expect((await tusFetch(api, `/${created.id}`, { method: 'HEAD' })).status).toBe(404);
    // Restoring the folder brings back no half-made file.
    const trash = await api.json<{ items: NodeBody[] }>('/trash');
    const trashed = trash.body.items.find((n) => n.name === 'going-away')!;
    expect((await api.json(`/trash/${trashed.id}/restore`, { method: 'POST' })).status).toBe(200);
    expect(await listNames(api, folder.body.id)).toEqual([]);
  });

  it('removes the unfinished uploads of a space when the space is deleted, staged bytes and all', async () => {
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'uploadco', name: 'Upload Co', owner: 'uploader' } })).status).toBe(201);
    const space = await api.json<{ id: string; root_folder_id: string }>('/orgs/uploadco/spaces', { method: 'POST', json: { name: 'Drafts' } });
    expect(space.status).toBe(201);
    const created = await tusCreate(api, 4 * MiB, { filename: 'draft.bin', parent_id: space.body.root_folder_id });
    expect(created.status).toBe(201);
    expect((await tusPatch(api, created.id, 0, pseudoRandom(MiB, 32))).status).toBe(204);
    const before = staged();
    expect((await api.json(`/spaces/${space.body.id}?confirm=Drafts`, { method: 'DELETE' })).status).toBe(204);
    // The session goes with the space (same transaction), its staging file with the job enqueued there.
    expect(await sessionRow(created.id)).toBeUndefined();
    expect((await session(created.id)).status).toBe(404);
    await until('the staged bytes to be removed', async () => staged() === before - 1);
  });

  it('removes the unfinished uploads of an account that is deleted', async () => {
    const { api: leaving, id } = await admin.createUser('leaving', 'leaving-password-1', null);
    const created = await tusCreate(leaving, 4 * MiB, { filename: 'left-behind.bin' });
    expect((await tusPatch(leaving, created.id, 0, pseudoRandom(MiB, 33))).status).toBe(204);
    const before = staged();
    // No HTTP door deletes an account yet (the admin API suspends); the core's deletion is what a future one calls.
    const operator = (await admin.json<{ id: string }>('/account')).body.id;
    await server.core.users.update(cliContext({ userId: operator, username: 'admin', role: 'admin', via: 'cli' }), id, { status: 'deleted' });
    expect(await sessionRow(created.id)).toBeUndefined();
    await until('the staged bytes to be removed', async () => staged() === before - 1);
  });
});

describe('tus across a restart', () => {
  it('goes on after a restart from the staged bytes, with the right SHA-256', async () => {
    const first = await startTestServer({}, { keepData: true });
    let second: TestServer | undefined;
    try {
      const data = pseudoRandom(6 * MiB + 5, 51);
      const before = await Api.admin(first.url);
      const created = await tusCreate(before, data.length, { filename: 'restarted.bin' });
      expect((await tusPatch(before, created.id, 0, data.subarray(0, 2 * MiB))).status).toBe(204);
      expect((await tusPatch(before, created.id, 2 * MiB, data.subarray(2 * MiB, 4 * MiB))).status).toBe(204);
      await first.close();
      // The SHA-256 of the first 4 MiB lived in the first process only: the new one rebuilds it from the staging file.
      second = await startTestServer({ ...first.env }, { keepData: true });
      const after = await Api.admin(second.url);
      expect((await tusFetch(after, `/${created.id}`, { method: 'HEAD' })).headers.get('upload-offset')).toBe(String(4 * MiB));
      expect((await tusPatch(after, created.id, 4 * MiB, data.subarray(4 * MiB, 5 * MiB))).status).toBe(204);
      const last = await tusPatch(after, created.id, 5 * MiB, data.subarray(5 * MiB));
      expect(last.status).toBe(204);
      const id = last.headers.get('coffer-file-id')!;
      expect(sha256(Buffer.from(await (await after.fetch(`/files/${id}/content`)).arrayBuffer()))).toBe(sha256(data));
      const versions = await after.json<{ items: { sha256: string }[] }>(`/files/${id}/versions`);
      expect(versions.body.items[0]!.sha256).toBe(sha256(data));
    } finally {
      await second?.close();
      await first.removeData();
    }
  });
});

describe('tus expiry', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_UPLOAD_EXPIRY: '1' });
    api = await Api.admin(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('expires unfinished uploads and removes their staged bytes', async () => {
    const created = await tusCreate(api, 2 * MiB, { filename: 'expiring.bin' });
    const expires = Date.parse(created.res.headers.get('upload-expires')!);
    expect(expires).toBeGreaterThan(Date.now() - 2000);
    expect((await tusPatch(api, created.id, 0, pseudoRandom(MiB, 12))).status).toBe(204);
    const dir = path.join(server.dataDir, 'blobs', 'uploads');
    expect(fs.readdirSync(dir)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1200));
    // Past its expiry the upload is gone for the client (410), before any purge.
    expect((await tusPatch(api, created.id, MiB, pseudoRandom(MiB, 13))).status).toBe(410);
    expect(await server.core.uploads.purgeExpired()).toBe(1);
    expect(fs.readdirSync(dir)).toHaveLength(0);
    expect((await tusFetch(api, `/${created.id}`, { method: 'HEAD' })).status).toBe(404);
  });
});

describe.skipIf(!usingPostgres())('tus on two servers sharing one database', () => {
  let s1: TestServer;
  let s2: TestServer;

  beforeAll(async () => {
    s1 = await startTestServer({}, { keepData: true });
    s2 = await startTestServer({ DATABASE_URL: s1.env.DATABASE_URL!, COFFER_DATA_DIR: s1.env.COFFER_DATA_DIR! }, { keepData: true });
  });
  afterAll(async () => {
    await s2?.close();
    await s1?.close();
    await s1?.removeData();
  });

  it('takes each request of one upload on whichever server it reaches', async () => {
    const one = await Api.admin(s1.url);
    const two = new Api(s2.url, one.token);
    const data = pseudoRandom(5 * MiB + 3, 41);
    const created = await tusCreate(one, data.length, { filename: 'clustered.bin' });
    expect(created.status).toBe(201);
    expect((await tusPatch(two, created.id, 0, data.subarray(0, 2 * MiB))).status).toBe(204);
    expect((await tusPatch(one, created.id, 2 * MiB, data.subarray(2 * MiB, 4 * MiB))).status).toBe(204);
    const head = await tusFetch(two, `/${created.id}`, { method: 'HEAD' });
    expect(head.headers.get('upload-offset')).toBe(String(4 * MiB));
    // tus-js-client resumes on the other server from the offset the first one recorded.
    const run = tusUpload(two, data, { uploadUrl: `${s2.url}/api/v1/uploads/tus/${created.id}`, metadata: { filename: 'clustered.bin' } });
    const id = await run.done;
    expect(Math.min(...run.progress.filter((p) => p > 0))).toBeGreaterThanOrEqual(4 * MiB);
    expect(sha256(Buffer.from(await (await one.fetch(`/files/${id}/content`)).arrayBuffer()))).toBe(sha256(data));
    // Each server took appends whose SHA-256 the other did not hold in memory: the recorded one is still right.
    expect((await one.json<{ items: { sha256: string }[] }>(`/files/${id}/versions`)).body.items[0]!.sha256).toBe(sha256(data));
  });
});
