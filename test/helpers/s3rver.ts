import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { S3Config } from '../../src/config/config.js';

// s3rver ships no type declarations; this is the slice of its API the tests use.
interface S3rverOptions {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}
export interface S3rverEvent {
  Records: { eventName: string; s3: { object: { key: string } } }[];
}
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): this;
}
type S3rverConstructor = new (options: S3rverOptions) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** Credentials s3rver accepts (it checks none, but the SDK wants some). */
export const S3RVER_KEY = 'S3RVER';

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Where s3rver keeps its buckets: `<directory>/<bucket>/<object key>._S3rver_object` */
  directory: string;
  /** A blob-store configuration for one of the buckets (path style, us-east-1). */
  config(bucket: string, prefix?: string): S3Config;
  /** The `COFFER_S3_*` environment a server needs to use one of the buckets. */
  env(bucket: string): Record<string, string>;
  /** Multipart uploads s3rver still holds for a bucket (it cannot abort them). */
  pendingMultipartUploads(bucket: string): number;
  /** Stops listening; the directory stays until `close()`. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops and removes the directory. */
  close(): Promise<void>;
}

/**
 * Starts an in-process s3rver on a free port over a new temporary directory. Its quirks: it checks
 * no signature, cannot abort a multipart upload, and answers `Range: bytes=0-0` with everything.
 */
export async function startS3rver(options: { buckets?: string[]; onEvent?: (event: S3rverEvent) => void } = {}): Promise<RunningS3rver> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  if (options.onEvent) server.on('event', options.onEvent);
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    fs.rmSync(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    await server.close();
  };
  return {
    endpoint,
    directory,
    config: (bucket, prefix = '') => ({
      endpoint,
      bucket,
      region: 'us-east-1',
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      forcePathStyle: true,
      prefix,
      createBucket: false,
      redirectMinBytes: 1024 * 1024,
      presignedRedirect: false,
    }),
    env: (bucket) => ({
      COFFER_S3_ENDPOINT: endpoint,
      COFFER_S3_BUCKET: bucket,
      COFFER_S3_REGION: 'us-east-1',
      COFFER_S3_ACCESS_KEY_ID: S3RVER_KEY,
      COFFER_S3_SECRET_ACCESS_KEY: S3RVER_KEY,
      COFFER_S3_FORCE_PATH_STYLE: 'true',
    }),
    pendingMultipartUploads: (bucket) => {
      const uploads = path.join(directory, bucket, '._S3rver_uploads');
      return fs.existsSync(uploads) ? fs.readdirSync(uploads).length : 0;
    },
    stop,
    async close() {
      await stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
