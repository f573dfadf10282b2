import fsp, { type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

const BUFFER_BYTES = 4 << 20;
/** Below this a file is written in one call from the chunks as they came, without copying. */
const SMALL_BYTES = 1 << 20;
/**
 * With `sync`, a flush of what is written so far starts in the background every this many bytes,
 * so the disk writes while the rest arrives and the fsync at the end has little left to do.
 */
const FLUSH_EVERY_BYTES = 64 << 20;
/** Spare 4 MiB blocks kept between uploads, so large uploads do not churn the garbage collector. */
const POOL_LIMIT = 8;
const pool: Buffer[] = [];

function takeBuffer(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES);
}

function giveBack(b: Buffer): void {
  if (pool.length < POOL_LIMIT) pool.push(b);
}

/**
 * Writes a stream to a new file in large blocks. Small files are written in one call once the
 * stream ends; larger ones are copied into one of two pooled 4 MiB blocks, and a full block is
 * written while the other fills, so a gigabyte costs a few hundred write calls instead of tens
 * of thousands. With `sync` the file is fsynced before the stream finishes.
 */
export class FileSink extends Writable {
  private handle: FileHandle | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private current: Buffer | null = null;
  private spare: Buffer | null = null;
  private used = 0;
  private position = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private flushing: Promise<void> | null = null;
  private flushedUpTo = 0;

  constructor(
    private readonly path: string,
    private readonly sync: boolean,
  ) {
    super({ highWaterMark: BUFFER_BYTES });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    fsp.open(this.path, 'wx').then(
      (h) => {
        this.handle = h;
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.current === null && this.pendingBytes + chunk.length <= SMALL_BYTES) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      callback();
      return;
    }
    this.append(chunk).then(() => callback(), (err: Error) => callback(err));
  }

  private async append(chunk: Buffer): Promise<void> {
    if (this.current === null) {
      // Past the small-file size: move what came so far into the first block.
      this.current = takeBuffer();
      const first = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      for (const c of first) await this.copyIn(c);
    }
    await this.copyIn(chunk);
  }

  private async copyIn(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, BUFFER_BYTES - this.used);
      chunk.copy(this.current!, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === BUFFER_BYTES) await this.rotate();
    }
  }

  /** Starts writing the full block and continues in the other one once it is free. */
  private async rotate(): Promise<void> {
    const full = this.current!;
    const at = this.position;
    this.position += this.used;
    this.used = 0;
    // Only one write in flight: wait for the previous one, whose block becomes the next spare.
    await this.inFlight;
    this.current = this.spare ?? takeBuffer();
    this.spare = null;
    this.inFlight = this.writeAll(full, at).then(() => {
      this.spare = full;
      this.flushInBackground();
    });
    // Surface a failed write on the next call rather than as an unhandled rejection.
    this.inFlight.catch(() => undefined);
  }

  /** One fdatasync at a time, each started once another FLUSH_EVERY_BYTES are written. */
  private flushInBackground(): void {
    if (!this.sync || this.flushing || this.position - this.flushedUpTo < FLUSH_EVERY_BYTES) return;
    const upTo = this.position;
    this.flushing = this.handle!.datasync().then(() => {
      this.flushedUpTo = upTo;
      this.flushing = null;
    });
    // A failed flush fails the final sync (awaited in _final), not the process.
    this.flushing.catch(() => undefined);
  }

  private async writeAll(data: Buffer, at: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle!.write(data, done, data.length - done, at + done);
      done += bytesWritten;
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      await this.inFlight;
      if (this.current === null) {
        if (this.pendingBytes > 0) await this.writeAll(this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending), 0);
      } else if (this.used > 0) {
        await this.writeAll(this.current.subarray(0, this.used), this.position);
      }
      this.used = 0;
      if (this.flushing) await this.flushing;
      if (this.sync) await this.handle!.sync();
      await this.handle!.close();
      this.handle = null;
    })().then(() => callback(), (err: Error) => callback(err));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const h = this.handle;
    this.handle = null;
    const release = () => {
      if (this.current) giveBack(this.current);
      if (this.spare) giveBack(this.spare);
      this.current = null;
      this.spare = null;
      this.pending = [];
    };
    const done = Promise.all([this.inFlight.catch(() => undefined), this.flushing?.catch(() => undefined)]).then(release);
    if (!h) {
      void done.then(() => callback(error));
      return;
    }
    void done
      .then(() => h.close())
      .then(() => callback(error), () => callback(error));
  }
}
