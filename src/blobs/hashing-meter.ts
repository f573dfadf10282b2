import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { LimitExceededError, SizeMismatchError, type WriteLimits } from './blob-store.js';

const HEAD_BYTES = 4100;

/** Passes bytes through while counting them, hashing them with SHA-256 and enforcing limits. */
export class HashingMeter extends Transform {
  private readonly hash = createHash('sha256');
  // SHA-1 only because ownCloud-style sync clients (rclone, nextcloudcmd) verify with it.
  private readonly sha1Hash: Hash | null;
  private readonly headChunks: Buffer[] = [];
  private headBytes = 0;
  bytes = 0;

  constructor(private readonly limits: WriteLimits = {}) {
    super();
    this.sha1Hash = limits.sha1 ? createHash('sha1') : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const { maxBytes, expectedBytes } = this.limits;
    if (maxBytes !== undefined && this.bytes > maxBytes) {
      done(new LimitExceededError(maxBytes));
      return;
    }
    if (expectedBytes !== undefined && this.bytes > expectedBytes) {
      done(new SizeMismatchError(expectedBytes, this.bytes));
      return;
    }
    this.hash.update(chunk);
    this.sha1Hash?.update(chunk);
    if (this.headBytes < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headBytes);
      this.headChunks.push(Buffer.from(part));
      this.headBytes += part.length;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const { expectedBytes } = this.limits;
    if (expectedBytes !== undefined && this.bytes !== expectedBytes) {
      done(new SizeMismatchError(expectedBytes, this.bytes));
      return;
    }
    done();
  }

  /** The first bytes seen, enough for content-type detection without reading the blob back. */
  head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  sha1(): string | null {
    return this.sha1Hash?.digest('hex') ?? null;
  }
}
