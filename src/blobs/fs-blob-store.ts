import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { BlobStore, BlobWriteResult, ByteRange, ReservedName, StoredBlobInfo, WriteLimits } from './blob-store.js';
import { FileSink } from './file-sink.js';
import { FsStaging } from './fs-staging.js';
import { HashingMeter } from './hashing-meter.js';

const KEY_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Blobs as files under `root/ab/cd/<key>`. A write goes to `root/tmp/<key>.part`, is fsynced,
 * then renamed into place and the directory fsynced, so an acknowledged blob survives a crash
 * and a crashed write leaves only a `.part` file that garbage collection removes.
 */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs' as const;
  private readonly tmpDir: string;
  /** Fan-out directories known to exist (at most 65,536), to skip a mkdir per write. */
  private readonly knownDirs = new Set<string>();
  readonly staging: FsStaging;

  constructor(
    private readonly root: string,
    private readonly fsync: boolean,
  ) {
    this.tmpDir = path.join(root, 'tmp');
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.staging = new FsStaging(root, fsync, (file, key) => this.place(file, key));
  }

  private pathFor(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new Error(`Invalid blob key: ${key}`);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  localPath(key: string): string {
    return this.pathFor(key);
  }

  async write(source: Readable, limits?: WriteLimits): Promise<BlobWriteResult> {
    const key = randomUUID();
    const tmp = path.join(this.tmpDir, `${key}.part`);
    const meter = new HashingMeter(limits);
    const sink = new FileSink(tmp, this.fsync);
    try {
      // The sink fsyncs the file before finishing, so the bytes are durable before the rename.
      await pipeline(source, meter, sink);
    } catch (err) {
      // The sink may still be opening the file when the pipeline gives up; remove it only once
      // the sink is closed, or the open would create it again after the removal.
      if (!sink.closed) await once(sink, 'close').catch(() => undefined);
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    try {
      await this.place(tmp, key);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    return { key, size: meter.bytes, sha256: meter.digest(), sha1: meter.sha1(), head: meter.head() };
  }

  /** Renames a complete, synced file into the place of blob `key`, durably (the directory synced too). */
  private async place(file: string, key: string): Promise<void> {
    const final = this.pathFor(key);
    const dir = path.dirname(final);
    // Directory entries are page-cache work, done here rather than round the thread pool
    // (see FileSink); only the directory's fsync waits for the disk.
    if (!this.knownDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.knownDirs.add(dir);
    }
    try {
      fs.renameSync(file, final);
    } catch (err) {
      // The directory was removed behind our back (an operator, a restore): make it again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.mkdirSync(dir, { recursive: true });
      fs.renameSync(file, final);
    }
    if (this.fsync) await syncDir(dir);
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathFor(key);
    const handle = await fsp.open(file, 'r');
    return handle.createReadStream({
      highWaterMark: readChunkBytes(range),
      ...(range ? { start: range.start, end: range.end } : {}),
    });
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathFor(key), { force: true });
  }

  async stat(key: string): Promise<number | null> {
    try {
      return (await fsp.stat(this.pathFor(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async *list(): AsyncIterable<StoredBlobInfo> {
    for (const a of await readdirSafe(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await readdirSafe(path.join(this.root, a))) {
        const dir = path.join(this.root, a, b);
        for (const key of await readdirSafe(dir)) {
          if (!KEY_PATTERN.test(key)) continue;
          const st = await fsp.stat(path.join(dir, key)).catch(() => null);
          if (st) yield { key, size: st.size, lastModified: st.mtime };
        }
      }
    }
  }

  /** Reserved objects live in `root/reserved/`, which the blob listing (two hex digits) never enters. */
  async readReserved(name: ReservedName): Promise<Buffer | null> {
    try {
      return await fsp.readFile(path.join(this.root, 'reserved', name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async createReserved(name: ReservedName, content: Buffer): Promise<Buffer> {
    const dir = path.join(this.root, 'reserved');
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(this.tmpDir, `${randomUUID()}.reserved`);
    await fsp.writeFile(tmp, content, { mode: 0o600, flush: true });
    try {
      // link() fails when the name exists, so a server that loses the race keeps the winner's content.
      await fsp.link(tmp, path.join(dir, name));
      await syncDir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    return (await this.readReserved(name))!;
  }

  /** Partial writes left by a crash, older than `olderThan`. */
  async *listPartials(olderThan: Date): AsyncIterable<string> {
    for (const name of await readdirSafe(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      const st = await fsp.stat(file).catch(() => null);
      if (st && st.mtime < olderThan) yield name;
    }
  }

  async deletePartial(name: string): Promise<void> {
    if (!/^[0-9a-f-]{36}\.part$/.test(name)) throw new Error(`Invalid partial name: ${name}`);
    await fsp.rm(path.join(this.tmpDir, name), { force: true });
  }

  /** Uploads need both the fan-out root and the directory partial writes go to. */
  async ping(): Promise<void> {
    await fsp.access(this.root, fs.constants.W_OK);
    await fsp.access(this.tmpDir, fs.constants.W_OK);
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const fsyncAsync = promisify(fs.fsync);

async function syncDir(dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    await fsyncAsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whole files stream in 1 MiB reads, the size that keeps a download at disk speed. A short range
 * (a video seek, a multi-part download's slice) is read in 256 KiB pieces: each read fills a new
 * buffer, and a lone 1 MiB allocation is returned to the OS when freed, so every such request paid
 * for faulting 256 fresh pages in (about 3 ms on a virtual machine) before its first byte.
 */
function readChunkBytes(range: ByteRange | undefined): number {
  return range && range.end - range.start < 4 << 20 ? 256 << 10 : 1 << 20;
}
