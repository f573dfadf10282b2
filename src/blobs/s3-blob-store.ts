import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Config } from '../config/config.js';
import { contentDisposition } from '../util/content-disposition.js';
import type { BlobStore, BlobWriteResult, ByteRange, ReservedName, StoredBlobInfo, WriteLimits } from './blob-store.js';
import { HashingMeter } from './hashing-meter.js';
import { S3Staging } from './s3-staging.js';

const KEY_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Bounds memory per upload at roughly partSize * (queueSize + 1) whatever the blob's size,
// while 8 MiB parts still allow 80 GB blobs within S3's 10,000-part ceiling.
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** Marks our own teardown of the meter, so it is never mistaken for the error that caused it. */
const TEARDOWN = new Error('blob write torn down');

function createClient(config: S3Config): S3Client {
  const options: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    // The SDK's default (checksums whenever supported) sends headers and trailers that many
    // S3-compatible servers reject; integrity is covered by our own SHA-256 and SigV4.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (config.endpoint !== undefined) options.endpoint = config.endpoint;
  if (config.accessKeyId !== undefined && config.secretAccessKey !== undefined) {
    options.credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  }
  return new S3Client(options);
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.name === 'NoSuchBucket' || err.$metadata.httpStatusCode === 404;
}

/**
 * Blobs as objects under `<prefix>/blobs/ab/<key>`. Uploads stream through multipart upload, so a
 * blob of any size needs only a few parts' worth of memory; a failed write aborts the upload and
 * removes whatever reached the bucket.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly blobsPrefix: string;
  private readonly reservedPrefix: string;
  readonly staging: S3Staging;

  constructor(config: S3Config) {
    this.client = createClient(config);
    this.bucket = config.bucket;
    this.blobsPrefix = `${config.prefix ? config.prefix + '/' : ''}blobs/`;
    this.reservedPrefix = `${config.prefix ? config.prefix + '/' : ''}reserved/`;
    this.staging = new S3Staging(this.client, this.bucket, (key) => this.objectKey(key), `${config.prefix ? config.prefix + '/' : ''}uploads/`);
  }

  private objectKey(key: string): string {
    // Keys reach us from the database and URLs; refusing anything but our own uuids means no
    // caller can address another installation's objects or anything outside the blobs prefix.
    if (!KEY_PATTERN.test(key)) throw new Error(`Invalid blob key: ${key}`);
    return `${this.blobsPrefix}${key.slice(0, 2)}/${key}`;
  }

  async write(source: Readable, limits?: WriteLimits): Promise<BlobWriteResult> {
    const key = randomUUID();
    const objectKey = this.objectKey(key);
    const meter = new HashingMeter(limits);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: meter },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    });
    const uploading = upload.done();
    const piping = pipeline(source, meter);
    try {
      await Promise.all([uploading, piping]);
    } catch (err) {
      // When S3 fails first nobody reads the meter any more. Upload happens to destroy its body
      // when it gives up, but does not promise to; without this the pipeline (and the caller's
      // source) could wait forever.
      meter.destroy(TEARDOWN);
      await upload.abort();
      const [uploaded, piped] = await Promise.allSettled([uploading, piping]);
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })).catch(() => undefined);
      // The meter's LimitExceededError / SizeMismatchError (or the source's own error) is what the
      // caller must see; the upload only reports it second-hand or as an AbortError.
      if (piped.status === 'rejected' && piped.reason !== TEARDOWN) throw piped.reason;
      if (uploaded.status === 'rejected') throw uploaded.reason;
      throw err;
    }
    return { key, size: meter.bytes, sha256: meter.digest(), sha1: meter.sha1(), head: meter.head() };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const out = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
    );
    if (!(out.Body instanceof Readable)) throw new Error(`S3 returned no readable body for blob ${key}`);
    return out.Body;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async stat(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async *list(): AsyncIterable<StoredBlobInfo> {
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.blobsPrefix });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const rest = object.Key.slice(this.blobsPrefix.length);
        const key = rest.slice(3);
        // Anything else under the prefix was not written by us; garbage collection must not see it.
        if (!KEY_PATTERN.test(key) || rest !== `${key.slice(0, 2)}/${key}`) continue;
        yield { key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
    }
  }

  /** Reserved objects live under `<prefix>/reserved/`, outside the blobs prefix that list() walks. */
  async readReserved(name: ReservedName): Promise<Buffer | null> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.reservedPrefix + name }));
      return Buffer.from(await got.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async createReserved(name: ReservedName, content: Buffer): Promise<Buffer> {
    try {
      // If-None-Match: a conditional create where the service supports it (AWS, MinIO, R2);
      // callers also hold a database lock around first creation for services that ignore it.
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.reservedPrefix + name, Body: content, IfNoneMatch: '*' }));
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 412 && status !== 409) throw err;
    }
    return (await this.readReserved(name))!;
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async presignedGetUrl(key: string, options: { expiresInSeconds: number; fileName: string; contentType: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentDisposition: contentDisposition('attachment', options.fileName),
      ResponseContentType: options.contentType,
    });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Creates the configured bucket when it does not exist yet (fresh installations, tests). */
export async function ensureBucket(config: S3Config): Promise<void> {
  const client = createClient(config);
  try {
    try {
      await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await client.send(
        new CreateBucketCommand({
          Bucket: config.bucket,
          // AWS rejects a LocationConstraint of us-east-1 and requires one for every other region.
          ...(config.region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: config.region as BucketLocationConstraint } }),
        }),
      );
    } catch (err) {
      // Another server of the cluster may have created it between our two requests.
      if (!(err instanceof S3ServiceException && err.name === 'BucketAlreadyOwnedByYou')) throw err;
    }
  } finally {
    client.destroy();
  }
}
