import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitExceededError, SizeMismatchError } from '../src/blobs/blob-store.js';
import { ensureBucket, S3BlobStore } from '../src/blobs/s3-blob-store.js';
import type { S3Config } from '../src/config/config.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';

const MiB = 1024 * 1024;

/** A deterministic pseudo-random stream of `size` bytes, produced chunk by chunk, plus its digest. */
function generated(size: number, seed = 1): { stream: Readable; sha256: string; bytes: () => Buffer } {
  const chunk = (i: number, len: number): Buffer => {
    const buf = Buffer.alloc(Math.ceil(len / 4) * 4);
    let x = (seed * 2654435761 + i * 40503) >>> 0;
    for (let j = 0; j < buf.length; j += 4) {
      x = (x * 1664525 + 1013904223) >>> 0;
      buf.writeUInt32LE(x, j);
    }
    return buf.subarray(0, len);
  };
  const CHUNK = 64 * 1024;
  function* chunks(): Generator<Buffer> {
    for (let off = 0, i = 0; off < size; off += CHUNK, i++) yield chunk(i, Math.min(CHUNK, size - off));
  }
  const hash = createHash('sha256');
  for (const c of chunks()) hash.update(c);
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    sha256: hash.digest('hex'),
    bytes: () => Buffer.concat([...chunks()]),
  };
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const c of stream) {
    hash.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** How each object was created, by object key: `ObjectCreated:Post` is a completed multipart upload. */
const created = new Map<string, string>();

async function listKeys(store: S3BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list()) keys.push(info.key);
  return keys.sort();
}

describe('S3BlobStore (s3rver)', () => {
  let s3: RunningS3rver;
  let config: S3Config;
  let store: S3BlobStore;

  function pendingMultipartUploads(): number {
    return s3.pendingMultipartUploads('coffer-test');
  }

  beforeAll(async () => {
    s3 = await startS3rver({
      buckets: ['coffer-test'],
      onEvent: (event) => {
        for (const record of event.Records) created.set(record.s3.object.key, record.eventName);
      },
    });
    config = s3.config('coffer-test', 'install-a');
    await ensureBucket(config);
    store = new S3BlobStore(config);
  });

  afterAll(async () => {
    await store?.close();
    await s3?.close();
  });

  it('streams a multi-part blob in and reads it back intact', async () => {
    const size = 20 * MiB + 12345;
    const src = generated(size, 7);
    const result = await store.write(src.stream);
    expect(result.size).toBe(size);
    expect(result.sha256).toBe(src.sha256);
    expect(result.head.length).toBeGreaterThan(0);
    expect(created.get(`install-a/blobs/${result.key.slice(0, 2)}/${result.key}`)).toBe('ObjectCreated:Post');
    expect(await store.stat(result.key)).toBe(size);
    expect(await hashStream(await store.read(result.key))).toEqual({ sha256: src.sha256, size });
  });

  it('writes a small blob with a single request and serves exact ranges', async () => {
    const src = generated(100_000, 3);
    const result = await store.write(src.stream, { expectedBytes: 100_000, maxBytes: 1_000_000 });
    const all = src.bytes();
    expect(created.get(`install-a/blobs/${result.key.slice(0, 2)}/${result.key}`)).toBe('ObjectCreated:Put');
    expect(result.head).toEqual(all.subarray(0, result.head.length));
    // Not 0-0: s3rver reads an end of 0 as "no end" and answers with the whole object.
    expect(await drain(await store.read(result.key, { start: 0, end: 1 }))).toEqual(all.subarray(0, 2));
    expect(await drain(await store.read(result.key, { start: 1000, end: 54_321 }))).toEqual(all.subarray(1000, 54_322));
    expect(await drain(await store.read(result.key, { start: 99_990, end: 99_999 }))).toEqual(all.subarray(99_990));
  });

  it('writes an empty blob', async () => {
    const result = await store.write(Readable.from([]));
    expect(result.size).toBe(0);
    expect(result.sha256).toBe(createHash('sha256').digest('hex'));
    expect(await store.stat(result.key)).toBe(0);
  });

  it('rejects with LimitExceededError past maxBytes and leaves nothing behind', async () => {
    const before = await listKeys(store);
    const uploadsBefore = pendingMultipartUploads();
    // Over one part, so a multipart upload is already under way when the limit trips.
    const err = await store.write(generated(12 * MiB).stream, { maxBytes: 10 * MiB }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).limit).toBe(10 * MiB);
    expect(await listKeys(store)).toEqual(before);
    // s3rver cannot abort multipart uploads (it answers MethodNotAllowed), so the started upload
    // stays on its disk: proof that this test went through the multipart path.
    expect(pendingMultipartUploads()).toBe(uploadsBefore + 1);
  });

  it('rejects with LimitExceededError on a small body and leaves nothing behind', async () => {
    const before = await listKeys(store);
    await expect(store.write(generated(5000).stream, { maxBytes: 4096 })).rejects.toBeInstanceOf(LimitExceededError);
    expect(await listKeys(store)).toEqual(before);
  });

  it('rejects with SizeMismatchError when the stream is shorter or longer than announced', async () => {
    const before = await listKeys(store);
    const short = await store.write(generated(9 * MiB).stream, { expectedBytes: 9 * MiB + 1 }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(SizeMismatchError);
    expect(short).toMatchObject({ expected: 9 * MiB + 1, actual: 9 * MiB });
    await expect(store.write(generated(2000).stream, { expectedBytes: 1000 })).rejects.toBeInstanceOf(SizeMismatchError);
    expect(await listKeys(store)).toEqual(before);
  });

  it('passes on the source error and leaves nothing behind', async () => {
    const before = await listKeys(store);
    const boom = new Error('client went away');
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(9 * MiB);
      throw boom;
    }
    await expect(store.write(Readable.from(failing()))).rejects.toBe(boom);
    expect(await listKeys(store)).toEqual(before);
  });

  it('reports the S3 error when the bucket is gone, without hanging on the source', async () => {
    const broken = new S3BlobStore({ ...config, bucket: 'no-such-bucket' });
    try {
      const source = generated(20 * MiB).stream;
      const err = await broken.write(source).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(LimitExceededError);
      expect((err as Error).name).toBe('NoSuchBucket');
      expect(source.destroyed).toBe(true);
    } finally {
      await broken.close();
    }
  });

  it('stats, lists and deletes', async () => {
    const a = await store.write(generated(1234, 11).stream);
    const b = await store.write(generated(4321, 12).stream);
    expect(await store.stat(a.key)).toBe(1234);
    expect(await store.stat('00000000-0000-4000-8000-000000000000')).toBeNull();

    const listed = new Map<string, { size: number; lastModified: Date }>();
    for await (const info of store.list()) listed.set(info.key, info);
    expect(listed.get(a.key)?.size).toBe(1234);
    expect(listed.get(b.key)?.size).toBe(4321);
    expect(listed.get(a.key)?.lastModified).toBeInstanceOf(Date);
    expect(Math.abs((listed.get(a.key)?.lastModified.getTime() ?? 0) - Date.now())).toBeLessThan(5 * 60_000);

    await store.delete(a.key);
    expect(await store.stat(a.key)).toBeNull();
    expect(await listKeys(store)).not.toContain(a.key);
    expect(await listKeys(store)).toContain(b.key);
    // Deleting what is already gone is not an error, as with the fs store.
    await store.delete(a.key);
  });

  it('keeps installations apart by prefix and ignores foreign objects', async () => {
    const other = new S3BlobStore({ ...config, prefix: 'install-b' });
    const raw = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      const mine = await store.write(generated(10).stream);
      const theirs = await other.write(generated(20).stream);
      const stray = '11111111-1111-4111-8111-111111111111';
      for (const Key of ['install-b/blobs/readme.txt', `install-b/blobs/22/${stray}`, `install-b/blobs/11/${stray}/x`, `install-b/${stray}`]) {
        await raw.send(new PutObjectCommand({ Bucket: config.bucket, Key, Body: 'not a blob' }));
      }
      expect(await listKeys(store)).toContain(mine.key);
      expect(await listKeys(store)).not.toContain(theirs.key);
      expect(await listKeys(other)).toEqual([theirs.key]);
      expect(await store.stat(theirs.key)).toBeNull();
    } finally {
      raw.destroy();
      await other.close();
    }
  });

  it('serves a presigned GET URL with the asked-for disposition and type', async () => {
    const src = generated(3000, 5);
    const { key } = await store.write(src.stream);
    const url = await store.presignedGetUrl(key, { expiresInSeconds: 60, fileName: 'Bericht über “Q3”.pdf', contentType: 'application/pdf' });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(src.bytes());
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const disposition = res.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; /);
    expect(disposition).toContain(`filename*=UTF-8''Bericht%20%C3%BCber%20%E2%80%9CQ3%E2%80%9D.pdf`);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
    // Tampering with the URL cannot be tested here: s3rver accepts any SigV4 signature.
  });

  it('pings the bucket and fails to ping a missing one', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const broken = new S3BlobStore({ ...config, bucket: 'no-such-bucket' });
    try {
      await expect(broken.ping()).rejects.toThrow();
    } finally {
      await broken.close();
    }
  });

  it('creates a missing bucket once and accepts an existing one', async () => {
    const fresh = { ...config, bucket: 'coffer-fresh' };
    const probe = new S3BlobStore(fresh);
    try {
      await expect(probe.ping()).rejects.toThrow();
      await ensureBucket(fresh);
      await probe.ping();
      await ensureBucket(fresh);
    } finally {
      await probe.close();
    }
  });

  it('refuses keys that are not blob uuids', async () => {
    for (const bad of ['../x', 'x', '00000000-0000-4000-8000-000000000000/../../etc', '', 'ABCDEF00-0000-4000-8000-000000000000']) {
      await expect(store.read(bad)).rejects.toThrow(/Invalid blob key/);
      await expect(store.stat(bad)).rejects.toThrow(/Invalid blob key/);
      await expect(store.delete(bad)).rejects.toThrow(/Invalid blob key/);
      await expect(store.presignedGetUrl(bad, { expiresInSeconds: 60, fileName: 'a', contentType: 'text/plain' })).rejects.toThrow(
        /Invalid blob key/,
      );
    }
  });
});
