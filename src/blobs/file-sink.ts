import fs from 'node:fs';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';

/** Chunks gathered into one write call; also the sink's buffer before it pushes back. */
const BATCH_BYTES = 4 << 20;
/**
 * With `sync`, a flush of what is written so far starts in the background every this many bytes,
 * so the disk writes while the rest arrives and the fsync at the end has little left to do.
 */
const FLUSH_EVERY_BYTES = 64 << 20;
/** Batch and background flush of a chunked sink (see the constructor). */
const CHUNKED_BATCH_BYTES = 1 << 20;
/** What one writev takes at most (Linux's IOV_MAX). */
const MAX_IOV = 1024;
/**
 * A tail up to this size is written by the calling thread at the end. Opening, closing and
 * writing a few KiB into the page cache take microseconds, while handing each call to the
 * thread pool and back costs two thread wake-ups (100–200 µs of the main thread apiece on a
 * virtual machine, measured): a small upload made nine such round trips.
 */
const DIRECT_WRITE_BYTES = 256 << 10;

const writevAsync = promisify(fs.writev);
const fdatasyncAsync = promisify(fs.fdatasync);
const fsyncAsync = promisify(fs.fsync);

/**
 * Writes a stream to a new file in large gathered writes: chunks are kept as they came and
 * written about 4 MiB at a time by one writev, while the next 4 MiB arrive; a gigabyte costs a
 * few hundred write calls and no copy in user space. (Copying them into blocks first cost a
 * fifth of the CPU of a big upload on a machine of two cores, where every copy competes with
 * receiving, hashing and the kernel's own writes.) With `sync` the file is fsynced before the
 * stream finishes.
 */
export class FileSink extends Writable {
  private fd: number | null = null;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private position = 0;
  /** One gathered write at a time, the next batch gathering meanwhile. */
  private inFlight: Promise<void> = Promise.resolve();
  private flushing: Promise<void> | null = null;
  private flushedUpTo = 0;

  private readonly batchLimit: number;
  private readonly flushEvery: number;

  /**
   * `at`: write into an existing file from this offset (a staged upload's next append), cutting
   * off whatever lay beyond it (bytes of an append that was never recorded); otherwise the file
   * is created and must not exist. `chunked` (with `sync`): the stream is one short piece of a
   * file that must be durable when it ends (a resumable upload's append, a few MiB): smaller
   * writes, each flushed in the background as soon as it is written, so the disk writes while
   * the rest arrives rather than all at the end. (Without sync the smaller writes only cost:
   * bench/results/2026-12-07-tus.md.)
   */
  constructor(
    private readonly path: string,
    private readonly sync: boolean,
    private readonly at?: number,
    chunked = false,
  ) {
    const batchLimit = chunked ? CHUNKED_BATCH_BYTES : BATCH_BYTES;
    super({ highWaterMark: batchLimit });
    this.batchLimit = batchLimit;
    this.flushEvery = chunked ? CHUNKED_BATCH_BYTES : FLUSH_EVERY_BYTES;
    this.position = at ?? 0;
    this.flushedUpTo = this.position;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    // Creating a file is metadata in the page cache; only the syncs wait for the disk.
    try {
      if (this.at === undefined) this.fd = fs.openSync(this.path, 'wx');
      else {
        this.fd = fs.openSync(this.path, 'r+');
        // Only when there is something to cut: a truncate is a metadata change the sync must then write too.
        if (fs.fstatSync(this.fd).size !== this.at) fs.ftruncateSync(this.fd, this.at);
      }
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes < this.batchLimit) {
      callback();
      return;
    }
    this.rotate().then(() => callback(), (err: Error) => callback(err));
  }

  /** Hands the batch to the writer once the previous write is done. */
  private async rotate(): Promise<void> {
    const chunks = this.batch;
    const at = this.position;
    this.position += this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    await this.inFlight;
    this.inFlight = this.writeAll(chunks, at).then(() => this.flushInBackground());
    // Surface a failed write on the next call rather than as an unhandled rejection.
    this.inFlight.catch(() => undefined);
  }

  /** One fdatasync at a time, each started once another FLUSH_EVERY_BYTES are written. */
  private flushInBackground(): void {
    if (!this.sync || this.flushing || this.position - this.flushedUpTo < this.flushEvery) return;
    const upTo = this.position;
    this.flushing = fdatasyncAsync(this.fd!).then(() => {
      this.flushedUpTo = upTo;
      this.flushing = null;
    });
    // A failed flush fails the final sync (awaited in _final), not the process.
    this.flushing.catch(() => undefined);
  }

  /** Writes `chunks` at `at`, carrying on after a short write; `direct`: on this thread. */
  private async writeAll(chunks: Buffer[], at: number, direct = false): Promise<void> {
    let i = 0;
    let position = at;
    while (i < chunks.length) {
      const part = chunks.slice(i, i + MAX_IOV);
      let bytesWritten = direct ? fs.writevSync(this.fd!, part, position) : (await writevAsync(this.fd!, part, position)).bytesWritten;
      position += bytesWritten;
      while (bytesWritten > 0) {
        const c = chunks[i]!;
        if (bytesWritten >= c.length) {
          bytesWritten -= c.length;
          i++;
        } else {
          chunks[i] = c.subarray(bytesWritten);
          bytesWritten = 0;
        }
      }
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      await this.inFlight;
      if (this.batchBytes > 0) await this.writeAll(this.batch, this.position, this.batchBytes <= DIRECT_WRITE_BYTES);
      this.position += this.batchBytes;
      this.batch = [];
      this.batchBytes = 0;
      if (this.flushing) await this.flushing;
      // An append to an existing file needs its data and size on disk (fdatasync); a new file its inode too.
      if (this.sync) await (this.at === undefined ? fsyncAsync : fdatasyncAsync)(this.fd!);
      const fd = this.fd!;
      this.fd = null;
      fs.closeSync(fd);
    })().then(() => callback(), (err: Error) => callback(err));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = null;
    this.batch = [];
    // The descriptor is closed only once no write or flush is using it any more.
    void Promise.all([this.inFlight.catch(() => undefined), this.flushing?.catch(() => undefined)]).then(() => {
      if (fd !== null) {
        try {
          fs.closeSync(fd);
        } catch {
          // Closing after a failure: the error that matters is the one being reported.
        }
      }
      callback(error);
    });
  }
}
