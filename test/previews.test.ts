import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobPriority } from '../src/jobs/queue.js';
import type { JobWorker } from '../src/jobs/worker.js';
import { startWorkers } from '../src/jobs/workers.js';
import { until } from './helpers/until.js';
import { Api, type NodeBody } from './helpers/api.js';
import { childEnv, cliCommand } from './helpers/cli.js';
import { clientSuite } from './helpers/clients.js';
import { makePdf } from './helpers/documents.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

interface Problem {
  type: string;
  detail: string;
}

/** Asks for a preview until it is made (or refused), as the web app does. */
async function preview(api: Api, id: string, size: 'small' | 'large' = 'small', version?: string): Promise<Response> {
  const q = new URLSearchParams({ size, ...(version ? { version } : {}) });
  return until(`the ${size} preview of ${id}`, async () => {
    const res = await api.fetch(`/files/${id}/preview?${q}`);
    if (res.status !== 202) return res;
    expect(res.headers.get('retry-after')).toBe('2');
    await res.arrayBuffer();
    return undefined;
  });
}

async function pictureOf(res: Response): Promise<Metadata> {
  if (res.status !== 200) throw new Error(`expected a preview, got ${res.status}: ${await res.text()}`);
  expect(res.headers.get('content-type')).toBe('image/webp');
  return sharp(Buffer.from(await res.arrayBuffer())).metadata();
}

/** A PNG whose header claims 50,000 × 50,000 pixels over a few bytes of data: a decompression bomb. */
function pngBomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(50_000, 0);
  ihdr.writeUInt32BE(50_000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(50_001))), chunk('IEND', Buffer.alloc(0))]);
}

const gradient = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 20 } } }).composite([
    { input: { create: { width: Math.floor(width / 2), height, channels: 3, background: { r: 20, g: 60, b: 200 } } }, left: 0, top: 0 },
  ]);

describe('previews of images, videos and PDFs', () => {
  let server: TestServer;
  let admin: Api;
  let alice: { id: string; api: Api };
  let bob: { id: string; api: Api };

  beforeAll(async () => {
    server = await startTestServer({ COFFER_JOBS_POLL_MS: '50' });
    admin = await Api.admin(server.url);
    alice = await admin.createUser('preview-alice', 'preview-alice-password');
    bob = await admin.createUser('preview-bob', 'preview-bob-password');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('makes both sizes of every image format, upright by its EXIF orientation and without its metadata', async () => {
    // 400 × 200 stored sideways: EXIF orientation 6 means "turn 90° clockwise to show".
    const sideways = await gradient(400, 200)
      .jpeg()
      .withExif({ IFD0: { Make: 'SecretCam', Copyright: 'Alice' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const stored = await sharp(sideways).metadata();
    expect(stored.orientation).toBe(6);
    expect(stored.exif?.toString('latin1')).toContain('SecretCam');
    const formats: [string, Buffer][] = [
      ['sideways.jpg', sideways],
      ['alpha.png', await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer()],
      ['photo.webp', await gradient(2000, 1500).webp().toBuffer()],
      ['anim.gif', await gradient(120, 80).gif().toBuffer()],
      ['photo.avif', await gradient(640, 480).avif().toBuffer()],
      ['photo.heic', await gradient(640, 480).heif({ compression: 'av1' }).toBuffer()],
      ['scan.tiff', await gradient(1200, 1600).tiff().toBuffer()],
    ];
    for (const [name, bytes] of formats) {
      const up = await alice.api.upload(name, bytes);
      expect(up.status, name).toBe(201);
      const small = await pictureOf(await preview(alice.api, up.body.id, 'small'));
      const large = await pictureOf(await preview(alice.api, up.body.id, 'large'));
      expect(Math.max(small.width, small.height), name).toBeLessThanOrEqual(256);
      expect(Math.max(large.width, large.height), name).toBeLessThanOrEqual(1024);
      // Never enlarged: a 300 px image stays 300 px in the large preview.
      const original = await sharp(bytes).metadata();
      const longest = Math.max(original.width, original.height);
      expect(Math.max(large.width, large.height), name).toBe(Math.min(1024, longest));
      expect(small.exif, name).toBeUndefined();
      if (name === 'sideways.jpg') {
        expect(large.height).toBe(400);
        expect(large.width).toBe(200);
        expect(large.orientation).toBeUndefined();
      }
      if (name === 'alpha.png') expect(large.hasAlpha).toBe(true);
    }
  });

  it('answers with an ETag, 304 when unchanged, long caching when the URL names the version, and pending meanwhile', async () => {
    const up = await alice.api.upload('cached.png', await gradient(800, 600).png().toBuffer());
    const first = await preview(alice.api, up.body.id, 'small');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"p-/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await alice.api.fetch(`/files/${up.body.id}/preview?size=small`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const named = await alice.api.fetch(`/files/${up.body.id}/preview?size=small&version=${up.body.version_id}`);
    expect(named.status).toBe(200);
    expect(named.headers.get('cache-control')).toContain('immutable');
    // A new version has previews of its own; the old version's stay reachable by its id.
    const v2 = await alice.api.upload('cached.png', await gradient(100, 300).png().toBuffer(), { overwrite: true });
    const newer = await pictureOf(await preview(alice.api, up.body.id, 'large'));
    expect([newer.width, newer.height]).toEqual([100, 300]);
    expect(v2.body.version_id).not.toBe(up.body.version_id);
    const older = await pictureOf(await preview(alice.api, up.body.id, 'large', up.body.version_id!));
    expect([older.width, older.height]).toEqual([800, 600]);
  });

  it('says why there is no preview: other types, folders, damaged and hostile images', async () => {
    const text = await alice.api.upload('notes.txt', 'just words');
    const none = await alice.api.json<Problem>(`/files/${text.body.id}/preview`);
    expect(none.status).toBe(404);
    expect(none.body.type).toMatch(/\/no-preview$/);
    expect(none.body.detail).toMatch(/text\/plain/);

    const jpeg = await gradient(1600, 1200).jpeg().toBuffer();
    const hostile: [string, Buffer, RegExp][] = [
      ['bomb.png', pngBomb(), /more than 100 million pixels/],
      ['truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 3)), /damaged|premature|truncated/i],
      ['garbage.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(3000, 7)]), /damaged|not an image/i],
    ];
    for (const [name, bytes, why] of hostile) {
      const up = await alice.api.upload(name, bytes);
      expect(up.status, name).toBe(201);
      const res = await preview(alice.api, up.body.id);
      expect(res.status, name).toBe(404);
      const body = (await res.json()) as Problem;
      expect(body.type, name).toMatch(/\/preview-failed$/);
      expect(body.detail, name).toMatch(why);
      // The job failed once, for good, with the same reason; the server is fine.
      const job = await server.core.db.selectFrom('jobs').selectAll().where('kind', '=', 'preview.generate').where('state', '=', 'failed').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(job.attempts, name).toBe(1);
      expect(job.last_error, name).toMatch(why);
    }
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBeLessThan(500);
  });

  it('shows only what the caller may read, counts toward no quota, and goes with the file', async () => {
    const before = (await alice.api.json<{ used: number }>('/account/quota')).body.used;
    const bytes = await gradient(1000, 1000).jpeg().toBuffer();
    const up = await alice.api.upload('private.jpg', bytes);
    await pictureOf(await preview(alice.api, up.body.id, 'large'));
    expect((await alice.api.json<{ used: number }>('/account/quota')).body.used).toBe(before + bytes.length);
    expect((await bob.api.fetch(`/files/${up.body.id}/preview`)).status).toBe(404);
    // A copy shares the bytes, and so the previews: ready at once, no new job.
    const copy = await alice.api.json<NodeBody>(`/files/${up.body.id}/copy`, { method: 'POST', json: { parent_id: 'root', name: 'copy.jpg' } });
    expect(copy.status).toBe(201);
    expect((await alice.api.fetch(`/files/${copy.body.id}/preview`)).status).toBe(200);

    const blob = await server.core.db.selectFrom('versions').select('blob_id').where('id', '=', up.body.version_id!).executeTakeFirstOrThrow();
    const derived = await server.core.db.selectFrom('derived_blobs').selectAll().where('blob_id', '=', blob.blob_id).execute();
    expect(derived.map((d) => d.kind).sort()).toEqual(['preview-1024', 'preview-256']);
    // Deleting the original keeps them (the copy still uses the bytes)…
    expect((await alice.api.fetch(`/files/${up.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await alice.api.fetch(`/trash/${up.body.id}`, { method: 'DELETE' })).status).toBe(204);
    for (const d of derived) expect(await server.core.blobs.stat(d.store_key!)).not.toBeNull();
    // …and purging the copy too removes their rows and their bytes.
    expect((await alice.api.fetch(`/files/${copy.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await alice.api.fetch(`/trash/${copy.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await server.core.db.selectFrom('derived_blobs').selectAll().where('blob_id', '=', blob.blob_id).execute()).toEqual([]);
    for (const d of derived) expect(await server.core.blobs.stat(d.store_key!)).toBeNull();
    // fsck sees nothing amiss: previews are no unreferenced bytes, and nothing is left over.
    const report = await server.core.fsck.run({ repair: false, graceSeconds: 0 });
    expect(report.problems).toEqual([]);
  });

  describe.skipIf(clientSuite('ffmpeg').skip || clientSuite('pdftoppm').skip)('with Debian tools', () => {
    it('makes a poster frame of a video (ffmpeg) and a picture of a PDF’s first page (pdftoppm)', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-video-'));
      const file = path.join(dir, 'clip.mp4');
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=3:size=640x360:rate=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-y', file]);
      const video = await alice.api.upload('clip.mp4', fs.readFileSync(file), { type: 'video/mp4' });
      fs.rmSync(dir, { recursive: true, force: true });
      const poster = await pictureOf(await preview(alice.api, video.body.id, 'large'));
      expect([poster.width, poster.height]).toEqual([640, 360]);

      const pdf = await alice.api.upload('letter.pdf', makePdf(['Hello from a PDF']));
      const page = await pictureOf(await preview(alice.api, pdf.body.id, 'large'));
      // A Letter page (612 × 792 points), scaled to fit 1,024 px.
      expect(page.height).toBe(1024);
      expect(Math.abs(page.width - (612 / 792) * 1024)).toBeLessThan(1.5);
      // Not a blank page: the text left dark pixels.
      const stats = await sharp(Buffer.from(await (await preview(alice.api, pdf.body.id, 'large')).arrayBuffer())).stats();
      expect(stats.channels[0]!.min).toBeLessThan(100);
    });
  });
});

describe('previews through public links', () => {
  let server: TestServer;
  let alice: Api;
  let worker: JobWorker | undefined;
  const nodes = {} as Record<'photos' | 'trip' | 'sunset' | 'notes' | 'beach' | 'private' | 'secret' | 'drop' | 'dropped', NodeBody>;

  /** A visitor's request: no account, the link's token and, once unlocked, its session. */
  const visit = (path: string, init: { session?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${server.url}/api/v1${path}`, { headers: { ...init.headers, ...(init.session ? { 'x-link-session': init.session } : {}) } });
  const previewPath = (token: string, id: string, size: 'small' | 'large' = 'small') => `/s/${token}/files/${encodeURIComponent(id)}/preview?size=${size}`;
  /** Asks as the public page does until the preview is made (or refused). */
  const publicPreview = (token: string, id: string, size: 'small' | 'large' = 'small', session?: string) =>
    until(`the ${size} preview of ${id} through a link`, async () => {
      const res = await visit(previewPath(token, id, size), session ? { session } : {});
      if (res.status !== 202) return res;
      await res.arrayBuffer();
      return undefined;
    });
  const link = async (nodeId: string, extra: Record<string, unknown> = {}) => {
    const r = await alice.json<{ id: string; token: string; downloads: number }>('/links', { method: 'POST', json: { node_id: nodeId, ...extra } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const mkdir = async (name: string, parent = 'root') => {
    const r = await alice.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: parent, name } });
    expect(r.status).toBe(201);
    return r.body;
  };
  const put = async (name: string, data: string | Buffer, parent: string) => {
    const r = await alice.upload(name, typeof data === 'string' ? data : new Uint8Array(data), { parent });
    expect(r.status).toBe(201);
    return r.body;
  };

  beforeAll(async () => {
    // No worker at first: the test sees a visitor's request move the waiting job up the queue.
    server = await startTestServer({ COFFER_WORKERS: 'false', COFFER_JOBS_POLL_MS: '50' });
    alice = (await (await Api.admin(server.url)).createUser('link-alice', 'link-alice-password')).api;
    nodes.photos = await mkdir('Photos');
    nodes.trip = await mkdir('Trip', nodes.photos.id);
    nodes.sunset = await put('sunset.jpg', await gradient(1600, 1200).jpeg().toBuffer(), nodes.photos.id);
    nodes.notes = await put('notes.txt', 'words, no picture', nodes.photos.id);
    nodes.beach = await put('beach.png', await gradient(300, 200).png().toBuffer(), nodes.trip.id);
    nodes.private = await mkdir('Private');
    nodes.secret = await put('secret.png', await gradient(200, 200).png().toBuffer(), nodes.private.id);
    nodes.drop = await mkdir('Drop');
    nodes.dropped = await put('dropped.png', await gradient(120, 120).png().toBuffer(), nodes.drop.id);
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.close();
  });

  it('shows a folder link’s pictures as the signed-in route does: 202 that moves the job up, then both sizes, counting no download', async () => {
    const l = await link(nodes.photos.id);
    const first = await visit(previewPath(l.token, nodes.sunset.id));
    expect(first.status).toBe(202);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(await first.json()).toMatchObject({ status: 'pending' });
    const blob = await server.core.db.selectFrom('versions').select('blob_id').where('id', '=', nodes.sunset.version_id!).executeTakeFirstOrThrow();
    const job = await server.core.db.selectFrom('jobs').selectAll().where('kind', '=', 'preview.generate').where('key', '=', blob.blob_id).executeTakeFirstOrThrow();
    expect(job.priority).toBe(JobPriority.waiting);

    worker = await startWorkers(server.core);
    const small = await publicPreview(l.token, nodes.sunset.id, 'small');
    const smallPicture = await pictureOf(small);
    expect([smallPicture.width, smallPicture.height]).toEqual([256, 192]);
    const large = await pictureOf(await publicPreview(l.token, nodes.sunset.id, 'large'));
    expect([large.width, large.height]).toEqual([1024, 768]);
    // A file in a folder below the link's, too.
    expect((await pictureOf(await publicPreview(l.token, nodes.beach.id))).width).toBe(256);

    const again = await visit(previewPath(l.token, nodes.sunset.id));
    expect(again.status).toBe(200);
    expect(again.headers.get('cache-control')).toBe('private, no-cache');
    const etag = again.headers.get('etag')!;
    await again.arrayBuffer();
    expect((await visit(previewPath(l.token, nodes.sunset.id), { headers: { 'if-none-match': etag } })).status).toBe(304);

    // No picture of a text file or a folder, with the same codes as the signed-in route.
    for (const id of [nodes.notes.id, nodes.trip.id]) {
      const none = await visit(previewPath(l.token, id));
      expect(none.status, id).toBe(404);
      expect(((await none.json()) as Problem).type, id).toMatch(/\/no-preview$/);
    }
    // Thumbnails are no downloads: the link's count is untouched.
    expect((await alice.json<{ downloads: number }>(`/links/${l.id}`)).body.downloads).toBe(0);
  });

  it('refuses exactly what a download through the link refuses', async () => {
    const l = await link(nodes.photos.id);
    // Outside the shared folder (a private file, the owner's folders) and nonsense: 404, as for downloads.
    for (const id of [nodes.secret.id, nodes.private.id, 'root', nodes.photos.parent_id!, '../Private', '00000000-0000-4000-8000-000000000000']) {
      expect((await visit(previewPath(l.token, id))).status, id).toBe(404);
      expect((await fetch(`${server.url}/s/${l.token}/files/${encodeURIComponent(id)}/content`)).status, id).toBe(404);
    }
    expect((await visit(previewPath('no-such-token-at-all-here', nodes.sunset.id))).status).toBe(404);

    // A file link shows its file, and nothing beside it.
    const one = await link(nodes.sunset.id);
    expect((await publicPreview(one.token, nodes.sunset.id)).status).toBe(200);
    expect((await visit(previewPath(one.token, nodes.beach.id))).status).toBe(404);

    // A password: nothing before it is given, the picture after.
    const locked = await link(nodes.photos.id, { password: 'open sesame' });
    expect((await visit(previewPath(locked.token, nodes.sunset.id))).status).toBe(401);
    const unlocked = await fetch(`${server.url}/api/v1/s/${locked.token}/unlock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'open sesame' }) });
    const { session } = (await unlocked.json()) as { session: string };
    expect((await publicPreview(locked.token, nodes.sunset.id, 'small', session)).status).toBe(200);

    // A file drop shows nothing of what others sent, not even as a picture.
    const drop = await link(nodes.drop.id, { permission: 'upload' });
    expect((await visit(previewPath(drop.token, nodes.dropped.id))).status).toBe(403);

    // Revoked and expired links: 410, like their downloads.
    expect((await alice.json(`/links/${l.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await visit(previewPath(l.token, nodes.sunset.id))).status).toBe(410);
    const soon = await link(nodes.photos.id, { expires_at: new Date(Date.now() + 1500).toISOString() });
    expect((await publicPreview(soon.token, nodes.sunset.id)).status).toBe(200);
    await until('the link to expire', async () => {
      const r = await visit(previewPath(soon.token, nodes.sunset.id));
      await r.arrayBuffer();
      return r.status === 410;
    });
  });
});

describe('the preview queue', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    // No worker in the server: the test decides when work starts.
    server = await startTestServer({ COFFER_WORKERS: 'false', COFFER_JOBS_POLL_MS: '50', COFFER_PREVIEW_CONCURRENCY: '1', COFFER_JOBS_LEASE_SECONDS: '2' }, { keepData: true });
    const admin = await Api.admin(server.url);
    api = (await admin.createUser('queue-carol', 'queue-carol-password')).api;
  });
  afterAll(async () => {
    await server?.close();
    await server?.removeData();
  });

  it('makes new uploads’ previews newest first, and one someone waits for before all of them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await api.upload(`q${i}.png`, await gradient(300 + i, 200).png().toBuffer())).body.id);
    const blobOf = async (id: string) => (await server.core.db.selectFrom('nodes').innerJoin('versions', 'versions.id', 'nodes.current_version_id').select('versions.blob_id').where('nodes.id', '=', id).executeTakeFirstOrThrow()).blob_id;
    // Asked for while nobody works: pending, and moved to the front.
    const waited = ids[1]!;
    expect((await api.fetch(`/files/${waited}/preview`)).status).toBe(202);
    const worker = await startWorkers(server.core);
    try {
      await until('every preview', async () => {
        const n = await server.core.db.selectFrom('jobs').select('id').where('kind', '=', 'preview.generate').where('state', '=', 'done').execute();
        return n.length === ids.length;
      });
      const jobs = await server.core.db.selectFrom('jobs').select(['key', 'started_at']).where('kind', '=', 'preview.generate').orderBy('started_at').execute();
      const order = jobs.map((j) => j.key);
      const blobs = await Promise.all(ids.map(blobOf));
      expect(order).toEqual([blobs[1], blobs[5], blobs[4], blobs[3], blobs[2], blobs[0]]);
    } finally {
      await worker.stop();
    }
  });

  it.skipIf(!usingPostgres())('a job whose `coffer worker` process is killed runs again elsewhere once its lease runs out', async () => {
    const ids: string[] = [];
    // Large enough that each takes a while to decode: one of them is running when the worker dies.
    const big = await gradient(6000, 4000).png({ compressionLevel: 1 }).toBuffer();
    for (let i = 0; i < 8; i++) ids.push((await api.upload(`big${i}.png`, Buffer.concat([big, Buffer.from([i])]))).body.id);
    const { command, args } = cliCommand(['worker']);
    const child = spawn(command, args, { env: childEnv({ ...server.env, COFFER_JOBS_POLL_MS: '50', COFFER_PREVIEW_CONCURRENCY: '1', COFFER_JOBS_LEASE_SECONDS: '2', LOG_LEVEL: 'silent' }), stdio: 'ignore' });
    try {
      const running = await until('the worker process to take a job', async () => {
        const row = await server.core.db.selectFrom('jobs').selectAll().where('kind', '=', 'preview.generate').where('state', '=', 'running').executeTakeFirst();
        return row ?? undefined;
      }, 60_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(running.locked_by).toMatch(new RegExp(`:${child.pid}:`));
      const worker = await startWorkers(server.core);
      try {
        const redone = await until('the killed job to run again and finish', async () => {
          const row = await server.core.db.selectFrom('jobs').selectAll().where('id', '=', running.id).executeTakeFirstOrThrow();
          return row.state === 'done' ? row : undefined;
        }, 60_000);
        expect(redone.attempts).toBe(2);
        expect(redone.locked_by).toBeNull();
        await until('all previews', async () => {
          const done = await server.core.db.selectFrom('jobs').select('id').where('kind', '=', 'preview.generate').where('state', '=', 'done').where('key', 'is not', null).execute();
          return done.length >= 6 + 8;
        }, 120_000);
        for (const id of ids) expect((await api.fetch(`/files/${id}/preview?size=large`)).status).toBe(200);
      } finally {
        await worker.stop();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe.skipIf(clientSuite('ffmpeg').skip || clientSuite('pdftoppm').skip)('previews on S3', () => {
  let s3: RunningS3rver;
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['previews'] });
    server = await startTestServer({ ...s3.env('previews'), COFFER_JOBS_POLL_MS: '50' });
    api = (await (await Api.admin(server.url)).createUser('s3-dave', 's3-dave-password')).api;
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it('reads images streamed, videos through a presigned URL and PDFs through a temporary copy, and stores the previews in the bucket', async () => {
    const image = await api.upload('photo.jpg', await gradient(1600, 900).jpeg().toBuffer());
    const small = await pictureOf(await preview(api, image.body.id, 'small'));
    expect([small.width, small.height]).toEqual([256, 144]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-video-'));
    const file = path.join(dir, 'clip.webm');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=10', '-c:v', 'libvpx', '-y', file]);
    const video = await api.upload('clip.webm', fs.readFileSync(file));
    fs.rmSync(dir, { recursive: true, force: true });
    const poster = await pictureOf(await preview(api, video.body.id, 'large'));
    expect([poster.width, poster.height]).toEqual([320, 240]);

    const pdf = await api.upload('doc.pdf', makePdf(['On S3']));
    const page = await pictureOf(await preview(api, pdf.body.id, 'small'));
    expect(page.height).toBe(256);
    expect(Math.abs(page.width - (612 / 792) * 256)).toBeLessThan(1.5);
    // No temporary copy is left behind.
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('coffer-preview-'))).toEqual([]);
    const keys = await server.core.db.selectFrom('derived_blobs').select('store_key').execute();
    expect(keys).toHaveLength(6);
    for (const { store_key } of keys) expect(await server.core.blobs.stat(store_key!)).toBeGreaterThan(0);
  });
});
