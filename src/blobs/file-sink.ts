import fsp, { type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

const BUFFER_BYTES = 4 << 20;

/**
 * Writes a stream to a new file in large blocks: incoming chunks (64 KiB from a socket) are
 * copied into one of two 4 MiB buffers, and a full buffer is written while the other fills, so
 * a gigabyte costs a few hundred write calls instead of tens of thousands. With `sync` the
 * file is fsynced before the stream finishes.
 */
export class FileSink extends Writable {
  private handle: FileHandle | null = null;
  private current: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private spare: Buffer | null = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private position = 0;
  private inFlight: Promise<void> = Promise.resolve();

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
    this.append(chunk).then(() => callback(), (err: Error) => callback(err));
  }

  private async append(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, BUFFER_BYTES - this.used);
      chunk.copy(this.current, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === BUFFER_BYTES) await this.rotate();
    }
  }

  /** Starts writing the full buffer and continues in the other one once it is free. */
  private async rotate(): Promise<void> {
    const full = this.current.subarray(0, this.used);
    const at = this.position;
    this.position += this.used;
    this.used = 0;
    // Only one write in flight: wait for the previous one, whose buffer becomes the next spare.
    await this.inFlight;
    const next = this.spare ?? Buffer.allocUnsafe(BUFFER_BYTES);
    this.spare = null;
    const fullBuffer = this.current;
    this.current = next;
    this.inFlight = this.writeAll(full, at).then(() => {
      this.spare = fullBuffer;
    });
    // Surface a failed write on the next call rather than as an unhandled rejection.
    this.inFlight.catch(() => undefined);
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
      if (this.used > 0) await this.writeAll(this.current.subarray(0, this.used), this.position);
      this.position += this.used;
      this.used = 0;
      if (this.sync) await this.handle!.sync();
      await this.handle!.close();
      this.handle = null;
    })().then(() => callback(), (err: Error) => callback(err));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const h = this.handle;
    this.handle = null;
    if (!h) {
      callback(error);
      return;
    }
    this.inFlight
      .catch(() => undefined)
      .then(() => h.close())
      .then(() => callback(error), () => callback(error));
  }
}
