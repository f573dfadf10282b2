import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStaging, StagingState } from './blob-store.js';
import { FileSink } from './file-sink.js';

const KEY_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Staged blobs on disk: one file per upload under `root/uploads/<key>.upload`, each append
 * written at its offset and fsynced (unless COFFER_FSYNC=false) before it counts; finishing
 * renames the file into the blob's place, so no byte is copied. A separate directory from
 * `tmp/`, whose leftovers fsck removes after an hour: a resumable upload may rest for a day.
 */
export class FsStaging implements BlobStaging {
  private readonly dir: string;

  constructor(
    private readonly root: string,
    private readonly fsync: boolean,
    /** Moves a finished file into the blob's place (the store's own fan-out and directory sync). */
    private readonly place: (file: string, key: string) => Promise<void>,
  ) {
    this.dir = path.join(root, 'uploads');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  private fileOf(state: StagingState): string {
    if (!KEY_PATTERN.test(state.key)) throw new Error(`Invalid staging key: ${state.key}`);
    return path.join(this.dir, `${state.key}.upload`);
  }

  async begin(): Promise<StagingState> {
    const state: StagingState = { key: randomUUID() };
    await fsp.writeFile(this.fileOf(state), '', { flag: 'wx' });
    if (this.fsync) await syncDir(this.dir);
    return state;
  }

  async append(state: StagingState, offset: number, source: Readable): Promise<{ state: StagingState; bytes: number }> {
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // The sink cuts the file back to `offset` first: bytes past it belong to no recorded append.
    await pipeline(source, count, new FileSink(this.fileOf(state), this.fsync, offset, this.fsync));
    return { state, bytes };
  }

  async release(): Promise<void> {
    // One file holds every append; an append the database refused is cut off by the next one.
  }

  async finish(state: StagingState, length: number): Promise<void> {
    const file = this.fileOf(state);
    const size = (await fsp.stat(file)).size;
    if (size < length) throw new Error(`Staged upload ${state.key} holds ${size} bytes, not ${length}`);
    if (size > length) {
      const handle = await fsp.open(file, 'r+');
      try {
        await handle.truncate(length);
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await this.place(file, state.key);
  }

  async read(state: StagingState, end: number): Promise<Readable> {
    if (end === 0) return Readable.from([]);
    return fs.createReadStream(this.fileOf(state), { start: 0, end: end - 1, highWaterMark: 1 << 20 });
  }

  async abort(state: StagingState): Promise<void> {
    await fsp.rm(this.fileOf(state), { force: true });
  }
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
