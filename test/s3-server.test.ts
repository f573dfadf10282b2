import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../src/blobs/s3-blob-store.js';
import { Api, type NodeBody } from './helpers/api.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MiB = 1024 * 1024;
const PART = 8 * MiB; // S3BlobStore's multipart part size

/** Deterministic pseudo-random content, generated 64 KiB at a time so it can also be streamed. */
function content(size: number, seed: number) {
  const CHUNK = 64 * 1024;
  const chunk = (i: number): Buffer => {
    const len = Math.min(CHUNK, size - i * CHUNK);
    const buf = Buffer.alloc(Math.ceil(len / 4) * 4);
    let x = (seed * 2654435761 + i * 40503) >>> 0;
    for (let j = 0; j < buf.length; j += 4) {
      x = (x * 1664525 + 1013904223) >>> 0;
      buf.writeUInt32LE(x, j);
    }
    return buf.subarray(0, len);
  };
  const count = Math.ceil(size / CHUNK);
  const bytes = (): Buffer => Buffer.concat(Array.from({ length: count }, (_, i) => chunk(i)));
  return {
    size,
    bytes,
    sha256: createHash('sha256').update(bytes()).digest('hex'),
    /** A request body with no known length: fetch sends it with Transfer-Encoding: chunked. */
    stream: (): ReadableStream<Uint8Array> => {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i < count) controller.enqueue(chunk(i++));
          else controller.close();
        },
      });
    },
  };
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

async function body(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

async function uploadStream(api: Api, name: string, stream: ReadableStream<Uint8Array>, query: Record<string, string> = {}) {
  const q = new URLSearchParams({ path: name, parent_id: 'root', ...query });
  const res = await api.fetch(`/files?${q}`, { method: 'POST', body: stream, headers: { 'content-type': 'application/octet-stream' } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as NodeBody & Record<string, unknown> };
}

async function storedBlobs(store: S3BlobStore): Promise<Map<string, number>> {
  const all = new Map<string, number>();
  for await (const info of store.list()) all.set(info.key, info.size);
  return all;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('Coffer on S3 (s3rver)', () => {
  const BUCKET = 'coffer-e2e';
  let s3: RunningS3rver;
  let server: TestServer;
  let store: S3BlobStore;
  let admin: Api;
  /** How each object came to be, by object key: `ObjectCreated:Post` is a completed multipart upload. */
  const created = new Map<string, string>();

  beforeAll(async () => {
    s3 = await startS3rver({
      buckets: [BUCKET],
      onEvent: (event) => {
        for (const record of event.Records) created.set(record.s3.object.key, record.eventName);
      },
    });
    // Asking to create a bucket that already exists is fine.
    server = await startTestServer({ ...s3.env(BUCKET), COFFER_S3_CREATE_BUCKET: 'true' });
    store = new S3BlobStore(s3.config(BUCKET));
    admin = await Api.admin(server.url);
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await s3?.close();
  });

  const big = content(20 * MiB + 4321, 1);
  const big2 = content(20 * MiB + 1, 2);
  let chunked: NodeBody;
  let sized: NodeBody;

  it('is really on S3: the blob store is s3 and nothing lands on local disk', () => {
    expect(server.core.blobs.kind).toBe('s3');
    expect(fs.existsSync(path.join(server.dataDir, 'blobs'))).toBe(false);
  });

  it('streams a chunked 20 MiB upload (no Content-Length) to S3 in several parts and serves it back', async () => {
    const before = await storedBlobs(store);
    const up = await uploadStream(admin, 'big-chunked.bin', big.stream());
    expect(up.status).toBe(201);
    expect(up.body.size).toBe(big.size);
    chunked = up.body;

    const after = await storedBlobs(store);
    const added = [...after].filter(([key]) => !before.has(key));
    expect(added).toEqual([[expect.any(String), big.size]]);
    expect(created.get(`blobs/${added[0]![0].slice(0, 2)}/${added[0]![0]}`)).toBe('ObjectCreated:Post');

    const res = await admin.fetch(`/files/${chunked.id}/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(big.size));
    expect(sha256(await body(res))).toBe(big.sha256);
  });

  it('streams an upload with Content-Length and serves exact ranges across part boundaries', async () => {
    const up = await admin.upload('big-sized.bin', big2.bytes());
    expect(up.status).toBe(201);
    expect(up.body.size).toBe(big2.size);
    sized = up.body;

    const whole = await admin.fetch(`/files/${sized.id}/content`);
    expect(whole.status).toBe(200);
    expect(sha256(await body(whole))).toBe(big2.sha256);

    const all = big2.bytes();
    const cases: [string, number, number][] = [
      [`bytes=${PART - 100}-${PART + 99}`, PART - 100, PART + 99],
      [`bytes=1-2`, 1, 2],
      [`bytes=${big2.size - 1}-`, big2.size - 1, big2.size - 1],
      ['bytes=-1000', big2.size - 1000, big2.size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await admin.fetch(`/files/${sized.id}/content`, { headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${big2.size}`);
      expect(await body(res), range).toEqual(all.subarray(start, end + 1));
    }
    const outside = await admin.fetch(`/files/${sized.id}/content`, { headers: { range: `bytes=${big2.size}-` } });
    expect(outside.status).toBe(416);
  });

  it('keeps the previous version on S3 when a file is overwritten', async () => {
    const next = content(3 * MiB + 17, 3);
    const before = await storedBlobs(store);
    const up = await uploadStream(admin, 'big-chunked.bin', next.stream(), { overwrite: 'true' });
    expect(up.status).toBe(200);
    expect(up.body.id).toBe(chunked.id);
    expect(up.body.size).toBe(next.size);
    const after = await storedBlobs(store);
    expect(after.size).toBe(before.size + 1);

    const versions = await admin.json<{ items: { id: string; size: number; sha256: string; current: boolean }[] }>(`/files/${chunked.id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.items.map((v) => [v.size, v.sha256, v.current])).toEqual([
      [next.size, next.sha256, true],
      [big.size, big.sha256, false],
    ]);
    const old = await admin.fetch(`/files/${chunked.id}/versions/${versions.body.items[1]!.id}/content`);
    expect(old.status).toBe(200);
    expect(sha256(await body(old))).toBe(big.sha256);
    const current = await admin.fetch(`/files/${chunked.id}/content`);
    expect(sha256(await body(current))).toBe(next.sha256);
  });

  it('removes the objects from the bucket when a trashed file is purged', async () => {
    const before = await storedBlobs(store);
    const versionsBefore = before.size;
    expect(await admin.fetch(`/files/${chunked.id}`, { method: 'DELETE' }).then((r) => r.status)).toBe(204);
    // In the trash the bytes stay (they can be restored, and still count against the quota).
    expect((await storedBlobs(store)).size).toBe(versionsBefore);

    const purge = await admin.fetch(`/trash/${chunked.id}`, { method: 'DELETE' });
    expect(purge.status).toBe(204);
    const after = await storedBlobs(store);
    // Both versions of the file (20 MiB + 3 MiB) are gone; the other file's object is untouched.
    expect(after.size).toBe(versionsBefore - 2);
    expect([...before.values()].filter((size) => size === big.size || size === 3 * MiB + 17)).toHaveLength(2);
    expect([...after.values()]).not.toContain(big.size);
    expect([...after.values()]).not.toContain(3 * MiB + 17);
    expect([...after.values()]).toContain(big2.size);
    // And so are they on s3rver's disk, not merely hidden from listings.
    const onDisk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? onDisk(path.join(dir, e.name)) : [e.name]));
    const objects = onDisk(path.join(s3.directory, BUCKET, 'blobs')).filter((n) => n.endsWith('._S3rver_object'));
    expect(objects.sort()).toEqual([...after.keys()].map((k) => `${k}._S3rver_object`).sort());

    expect((await admin.fetch(`/files/${chunked.id}/content`)).status).toBe(404);
  });

  it('enforces the quota while streaming to S3: the crossing upload gets 507 and leaves no object', async () => {
    const { api: user } = await admin.createUser('quota-s3', 'quota-s3-password', 12 * MiB);
    const before = await storedBlobs(store);
    const pendingBefore = s3.pendingMultipartUploads(BUCKET);

    const over = await uploadStream(user, 'too-big.bin', content(20 * MiB, 4).stream());
    expect(over.status).toBe(507);
    expect(over.body).toMatchObject({ status: 507, limit: 12 * MiB });

    expect(await storedBlobs(store)).toEqual(before);
    // The limit was crossed after the first part had gone out as a multipart upload (which s3rver
    // cannot abort, so it stays in its scratch directory, invisible to listings and reads).
    expect(s3.pendingMultipartUploads(BUCKET)).toBe(pendingBefore + 1);

    // The client's very next request must not stall behind the unread rest of the refused body.
    const quota = await user.json<{ used: number; quota: number | null }>('/account/quota');
    expect(quota.status).toBe(200);
    expect(quota.body).toMatchObject({ used: 0, quota: 12 * MiB });
    const listing = await user.json<{ items: unknown[] }>('/folders/root/children');
    expect(listing.body.items).toEqual([]);

    // The space is still usable up to its limit.
    const fits = content(11 * MiB, 5);
    const ok = await uploadStream(user, 'fits.bin', fits.stream());
    expect(ok.status).toBe(201);
    expect((await user.json<{ used: number }>('/account/quota')).body.used).toBe(fits.size);
    const back = await user.fetch(`/files/${ok.body.id}/content`);
    expect(sha256(await body(back))).toBe(fits.sha256);
  });

  describe('presigned download redirect', () => {
    const name = 'Bericht über “Q3”.bin';
    const file = content(2 * MiB, 6);
    let node: NodeBody;

    beforeAll(async () => {
      const up = await admin.upload(name, file.bytes());
      expect(up.status).toBe(201);
      node = up.body;
    });

    it('answers ?redirect=true with 302 to a 5-minute presigned URL that serves the bytes', async () => {
      const res = await admin.fetch(`/files/${node.id}/content?redirect=true`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toContain('no-store');
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.origin).toBe(s3.endpoint);
      expect(location.pathname.startsWith(`/${BUCKET}/blobs/`)).toBe(true);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(location.searchParams.get('response-content-disposition')).toContain(`filename*=UTF-8''Bericht%20%C3%BCber%20%E2%80%9CQ3%E2%80%9D.bin`);

      // Fetched without our credentials, as a browser following the redirect to another origin does.
      const direct = await fetch(location);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-disposition')).toMatch(/^attachment; /);
      expect(sha256(await body(direct))).toBe(file.sha256);

      // A client that follows redirects simply gets the file.
      const followed = await admin.fetch(`/files/${node.id}/content?redirect=true`);
      expect(followed.status).toBe(200);
      expect(followed.url.startsWith(s3.endpoint)).toBe(true);
      expect(sha256(await body(followed))).toBe(file.sha256);
    });

    it('records a redirected download in the audit log with the full size', async () => {
      type AuditPage = { items: { id: number; action: string; node_id: string | null; bytes: number | null; result: string }[] };
      const earlier = await admin.json<AuditPage>('/admin/audit?limit=1');
      const lastId = earlier.body.items[0]?.id ?? 0;
      const res = await admin.fetch(`/files/${node.id}/content?redirect=true`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const audit = await admin.json<AuditPage>('/admin/audit?action=file.download');
      expect(audit.status).toBe(200);
      expect(audit.body.items.filter((e) => e.id > lastId && e.node_id === node.id)).toEqual([
        expect.objectContaining({ action: 'file.download', node_id: node.id, bytes: file.size }),
      ]);
    });

    it('redirects to an old version too', async () => {
      const newer = content(1500 * 1024, 7);
      const up = await admin.upload(name, newer.bytes(), { overwrite: true });
      expect(up.status).toBe(200);
      const versions = await admin.json<{ items: { id: string; current: boolean }[] }>(`/files/${node.id}/versions`);
      const old = versions.body.items.find((v) => !v.current)!;
      const res = await admin.fetch(`/files/${node.id}/versions/${old.id}/content?redirect=true`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const direct = await fetch(res.headers.get('location')!);
      expect(sha256(await body(direct))).toBe(file.sha256);
      const current = await admin.fetch(`/files/${node.id}/content?redirect=true`, { redirect: 'manual' });
      expect(current.status).toBe(302);
      expect(sha256(await body(await fetch(current.headers.get('location')!)))).toBe(newer.sha256);
    });

    it('streams instead for small files, HEAD, conditional requests, inline previews and without the flag', async () => {
      const small = await admin.upload('small.txt', 'just a few bytes', { type: 'text/plain' });
      expect(small.status).toBe(201);
      const smallRes = await admin.fetch(`/files/${small.body.id}/content?redirect=true`, { redirect: 'manual' });
      expect(smallRes.status).toBe(200);
      expect(await smallRes.text()).toBe('just a few bytes');

      const head = await admin.fetch(`/files/${node.id}/content?redirect=true`, { method: 'HEAD', redirect: 'manual' });
      expect(head.status).toBe(200);
      expect(head.headers.get('location')).toBeNull();
      const etag = head.headers.get('etag')!;
      expect(etag).toMatch(/^".+"$/);

      const notModified = await admin.fetch(`/files/${node.id}/content?redirect=true`, { headers: { 'if-none-match': etag }, redirect: 'manual' });
      expect(notModified.status).toBe(304);

      const inline = await admin.fetch(`/files/${node.id}/content?redirect=true&inline=true`, { redirect: 'manual' });
      expect(inline.status).toBe(200);
      expect(inline.headers.get('content-disposition')).toMatch(/^inline; /);
      expect((await body(inline)).length).toBeGreaterThan(MiB);

      const plain = await admin.fetch(`/files/${node.id}/content`, { redirect: 'manual' });
      expect(plain.status).toBe(200);
      expect((await body(plain)).length).toBeGreaterThan(MiB);
    });
  });

  it('passes fsck with nothing to report after all of that', async () => {
    const report = await server.core.fsck.run({ repair: false, graceSeconds: 0 });
    expect(report.problems).toEqual([]);
    expect(report.checkedBlobs).toBeGreaterThanOrEqual(4);
  });

  // Last: stops s3rver.
  it('is ready while S3 answers and not ready once it is gone', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', blobStore: 'ok' } });

    await s3.stop();
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    const downBody = (await down.json()) as { status: string; checks: { database: string; blobStore: string } };
    expect(downBody.status).toBe('not-ready');
    expect(downBody.checks.database).toBe('ok');
    expect(downBody.checks.blobStore).toMatch(/^error: /);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('S3 start-up checks', () => {
  let s3: RunningS3rver;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['present'] });
  });
  afterAll(async () => s3?.close());

  it('refuses to start when the bucket does not exist, naming it', async () => {
    const err = await startTestServer(s3.env('no-such-bucket')).then(
      async (server) => {
        await server.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain('"no-such-bucket" (COFFER_S3_BUCKET)');
    expect(message).toContain(`${s3.endpoint} (COFFER_S3_ENDPOINT)`);
    expect(message).toContain('COFFER_S3_CREATE_BUCKET');
  });

  it('refuses to start when the endpoint cannot be reached, naming it', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const err = await startTestServer({ ...s3.env('present'), COFFER_S3_ENDPOINT: endpoint }).then(
      async (server) => {
        await server.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`Cannot reach the S3 bucket "present" (COFFER_S3_BUCKET) at ${endpoint} (COFFER_S3_ENDPOINT)`);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('creates a missing bucket with COFFER_S3_CREATE_BUCKET=true and works over it', async () => {
    const probe = new S3BlobStore(s3.config('created-at-start'));
    try {
      await expect(probe.ping()).rejects.toThrow();
      const server = await startTestServer({ ...s3.env('created-at-start'), COFFER_S3_CREATE_BUCKET: 'true' });
      try {
        await probe.ping();
        const admin = await Api.admin(server.url);
        const up = await admin.upload('hello.txt', 'hello S3', { type: 'text/plain' });
        expect(up.status).toBe(201);
        const res = await admin.fetch(`/files/${up.body.id}/content`);
        expect(await res.text()).toBe('hello S3');
        const keys: string[] = [];
        for await (const info of probe.list()) keys.push(info.key);
        expect(keys).toHaveLength(1);
      } finally {
        await server.close();
      }
    } finally {
      await probe.close();
    }
  });
});
