import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  paginateListParts,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobStaging, StagingState, StoredPart } from './blob-store.js';

const MiB = 1024 * 1024;
/** S3's smallest part but the last. */
export const S3_MIN_PART = 5 * MiB;
const MAX_PARTS = 10_000;
/** Parts in flight per append while the next one fills: memory per append stays near (2 + 1) parts. */
const IN_FLIGHT = 2;

interface S3State extends StagingState {
  uploadId: string;
  partSize: number;
  parts: StoredPart[];
  /** Bytes past the last part, too few for a part of their own (S3 wants 5 MiB): an object apart. */
  tail: { object: string; size: number } | null;
}

function asS3(state: StagingState): S3State {
  const s = state as Partial<S3State>;
  if (typeof s.uploadId !== 'string' || typeof s.partSize !== 'number' || !Array.isArray(s.parts)) throw new Error(`Not an S3 staging state: ${state.key}`);
  return state as S3State;
}

/**
 * Staged blobs on S3: a real multipart upload to the blob's own object key, streamed part by
 * part and never reassembled through the server. An append that ends short of a part (the
 * client's chunk was smaller than 5 MiB, or the connection dropped) keeps its last bytes as a
 * "tail" object, which the next append reads first and sends on inside its first part (as
 * @tus/s3-store does with its incomplete parts). Completing makes the object appear at once.
 */
export class S3Staging implements BlobStaging {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** The blob's object key (validated by the store). */
    private readonly objectKey: (key: string) => string,
    /** Where tails live: outside the blobs prefix, so no listing or garbage collection sees them. */
    private readonly uploadsPrefix: string,
  ) {}

  async begin(length: number): Promise<StagingState> {
    const key = randomUUID();
    // 8 MiB parts, larger for blobs that would need more than S3's 10,000 (whole MiB, with room).
    const partSize = Math.max(8 * MiB, Math.ceil(length / (MAX_PARTS - 100) / MiB) * MiB);
    const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    if (!out.UploadId) throw new Error('S3 started a multipart upload without an upload id');
    const state: S3State = { key, uploadId: out.UploadId, partSize, parts: [], tail: null };
    return state;
  }

  async append(state: StagingState, offset: number, source: Readable, length: number): Promise<{ state: StagingState; bytes: number }> {
    const s = asS3(state);
    const staged = s.parts.reduce((n, p) => n + p.size, 0) + (s.tail?.size ?? 0);
    if (staged !== offset) throw new Error(`Staged upload ${s.key} holds ${staged} bytes, not ${offset}`);
    const parts = [...s.parts];
    let nextNumber = (parts.at(-1)?.partNumber ?? 0) + 1;
    const inFlight: Promise<void>[] = [];
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let bytes = 0;
    let newTail: S3State['tail'] = null;

    const sendPart = async (chunks: Buffer[], size: number) => {
      const partNumber = nextNumber++;
      if (partNumber > MAX_PARTS) throw new Error(`Upload ${s.key} needs more than ${MAX_PARTS} parts`);
      const body = Buffer.concat(chunks, size);
      const task = (async () => {
        const out = await this.client.send(
          new UploadPartCommand({ Bucket: this.bucket, Key: this.objectKey(s.key), UploadId: s.uploadId, PartNumber: partNumber, Body: body, ContentLength: size }),
        );
        if (!out.ETag) throw new Error(`S3 took part ${partNumber} without an ETag`);
        parts.push({ partNumber, etag: out.ETag, size });
      })();
      inFlight.push(task);
      // Awaited below or in Promise.all; until then its failure must not count as unhandled.
      task.catch(() => undefined);
      // Never more than IN_FLIGHT parts travel at once: back-pressure reaches the client.
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    };
    const take = async (chunk: Buffer) => {
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      while (bufferedBytes >= s.partSize) {
        const all = Buffer.concat(buffered, bufferedBytes);
        buffered = bufferedBytes > s.partSize ? [all.subarray(s.partSize)] : [];
        bufferedBytes -= s.partSize;
        await sendPart([all.subarray(0, s.partSize)], s.partSize);
      }
    };

    try {
      if (s.tail) {
        const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: s.tail.object }));
        for await (const chunk of got.Body as Readable) await take(chunk as Buffer);
        if (bufferedBytes !== s.tail.size) throw new Error(`The tail of upload ${s.key} is ${bufferedBytes} bytes, not ${s.tail.size}`);
      }
      // Bytes before this append's (the former tail) were counted when they came.
      for await (const chunk of source) {
        bytes += (chunk as Buffer).length;
        await take(chunk as Buffer);
      }
      const final = offset + bytes === length;
      if (bufferedBytes > 0) {
        // The last part of the blob may be of any size; another one only from 5 MiB on.
        if (final || bufferedBytes >= S3_MIN_PART) await sendPart(buffered, bufferedBytes);
        else {
          const object = `${this.uploadsPrefix}${s.key}/${randomUUID()}`;
          const body = Buffer.concat(buffered, bufferedBytes);
          await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: object, Body: body, ContentLength: body.length }));
          newTail = { object, size: body.length };
        }
      }
      await Promise.all(inFlight);
    } catch (err) {
      await Promise.allSettled(inFlight);
      // Parts sent under numbers no recorded state names are dropped by S3 at completion, or
      // overwritten by the next append; only a new tail is ours to remove.
      if (newTail) await this.deleteObject(newTail.object);
      throw err;
    }
    parts.sort((a, b) => a.partNumber - b.partNumber);
    const next: S3State = { ...s, parts, tail: newTail };
    return { state: next, bytes };
  }

  async release(unused: StagingState, kept: StagingState): Promise<void> {
    const a = asS3(unused).tail;
    if (a && a.object !== asS3(kept).tail?.object) await this.deleteObject(a.object);
  }

  async finish(state: StagingState, length: number): Promise<void> {
    const s = asS3(state);
    let parts = s.parts;
    if (s.tail) {
      // Normally the append that reaches the length sends its last bytes as the last part.
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: s.tail.object }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      const partNumber = (parts.at(-1)?.partNumber ?? 0) + 1;
      const out = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: this.objectKey(s.key), UploadId: s.uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
      );
      parts = [...parts, { partNumber, etag: out.ETag ?? '', size: body.length }];
    }
    const total = parts.reduce((n, p) => n + p.size, 0);
    if (total !== length) throw new Error(`Staged upload ${s.key} holds ${total} bytes, not ${length}`);
    if (parts.length === 0) {
      // An empty file: S3 completes no multipart upload without a part.
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(s.key), Body: Buffer.alloc(0), ContentLength: 0 }));
      await this.abortUpload(s);
    } else {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(s.key),
          UploadId: s.uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    }
    if (s.tail) await this.deleteObject(s.tail.object);
  }

  async abort(state: StagingState): Promise<void> {
    const s = asS3(state);
    await this.abortUpload(s);
    if (s.tail) await this.deleteObject(s.tail.object);
  }

  async presignPart(state: StagingState, partNumber: number, expiresInSeconds: number): Promise<string> {
    const s = asS3(state);
    const command = new UploadPartCommand({ Bucket: this.bucket, Key: this.objectKey(s.key), UploadId: s.uploadId, PartNumber: partNumber });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  /** The parts S3 holds for the upload, as S3 says (sizes and ETags), whatever a client claims. */
  async listParts(state: StagingState): Promise<StoredPart[]> {
    const s = asS3(state);
    const out: StoredPart[] = [];
    const pages = paginateListParts({ client: this.client }, { Bucket: this.bucket, Key: this.objectKey(s.key), UploadId: s.uploadId });
    for await (const page of pages) {
      for (const p of page.Parts ?? []) {
        if (p.PartNumber === undefined || p.ETag === undefined) continue;
        out.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size ?? 0 });
      }
    }
    return out.sort((a, b) => a.partNumber - b.partNumber);
  }

  withParts(state: StagingState, parts: StoredPart[]): StagingState {
    return { ...asS3(state), parts, tail: null };
  }

  private async abortUpload(s: S3State): Promise<void> {
    // Some S3-compatible servers (s3rver) cannot abort; a bucket lifecycle rule is the backstop.
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(s.key), UploadId: s.uploadId })).catch(() => undefined);
  }

  private async deleteObject(object: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: object })).catch(() => undefined);
  }
}
