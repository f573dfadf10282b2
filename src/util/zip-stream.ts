import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { CentralDirectory, ZIP64_LIMIT, dataDescriptorLength, endRecords, localHeaderLength, writeDataDescriptor, writeLocalHeader } from './zip-format.js';

/** One item of a ZIP: a folder (kept even when empty) or a file whose bytes are opened when their turn comes. */
export interface ZipEntry {
  /** Relative path inside the archive, "/"-separated, without a leading "/". */
  path: string;
  kind: 'file' | 'folder';
  /** Expected byte count of a file; the archive fails rather than ship a file of another length. */
  size: number;
  modifiedAt: Date;
  open(): Promise<Readable>;
}

export interface ZipStreamOptions {
  /** Write ZIP64 records even where not needed (they are written by themselves past 4 GiB or 65,535 entries). */
  forceZip64?: boolean;
}

/** Small pieces (headers, small files) are gathered up to this before they go out as one chunk. */
const GATHER = 64 * 1024;

/**
 * Streams a ZIP of `entries` built on the fly: files are stored uncompressed (most large files
 * are already compressed, and storing keeps CPU and throughput flat), names are UTF-8 with the
 * language-encoding flag, times are kept (DOS time plus the Info-ZIP UTC timestamp), and ZIP64
 * records are written where the sizes, offsets or the entry count need them (see zip-format.ts).
 *
 * One pass, one entry at a time: the next entry is taken from `entries` only when the previous
 * one has gone out, and bytes are produced only as fast as the returned stream is read. What is
 * kept for the end is the central directory, packed (about 40 bytes per entry in a folder walk,
 * see CentralDirectory): time is linear in the entry count, and memory is flat in the data size
 * and grows by a few MB per 100,000 entries.
 *
 * Any failure (the listing, opening or reading a file, a file of an unexpected length) destroys
 * the returned stream with the error, so a door can abort its response and no client mistakes a
 * truncated archive for a complete one. Destroying the returned stream (the client went away)
 * stops the walk and closes the file being read.
 */
export function streamZip(entries: AsyncIterable<ZipEntry>, options: ZipStreamOptions = {}): Readable {
  // Readable.from pulls the generator only while its buffer is below the high-water mark, and on
  // destroy closes it, which runs its `finally`s: those end the walk and destroy the open file.
  return Readable.from(writeZip(entries, options.forceZip64 ?? false), { objectMode: false, highWaterMark: GATHER });
}

async function* writeZip(entries: AsyncIterable<ZipEntry>, forceZip64: boolean): AsyncGenerator<Buffer> {
  const out = new Output();
  const central = new CentralDirectory();
  let full: Buffer | null;
  for await (const entry of entries) {
    const folder = entry.kind === 'folder';
    const name = Buffer.from(archivePath(entry.path, folder), 'utf8');
    if (name.length > 0xffff) throw new Error(`The path ${entry.path} is too long for a ZIP archive`);
    const offset = out.offset;
    // Known before the first byte: the size is announced and the offset is where we are.
    const zip64 = forceZip64 || offset > ZIP64_LIMIT || (!folder && entry.size > ZIP64_LIMIT);
    const header = { name, folder, mtime: entry.modifiedAt, zip64 };
    if ((full = out.room(localHeaderLength(header)))) yield full;
    out.wrote(writeLocalHeader(out.block, out.used, header));
    if (folder) {
      central.add({ name, folder, mtime: entry.modifiedAt, zip64, crc: 0, size: 0, offset });
      continue;
    }
    let crc = 0;
    let size = 0;
    // Leaving this loop early (an error, or the consumer went away) destroys the file's stream.
    for await (const piece of await entry.open()) {
      const chunk = asBuffer(piece);
      size += chunk.length;
      if (size > entry.size) throw lengthError(entry, size);
      crc = crc32(chunk, crc);
      if (chunk.length >= GATHER / 4) {
        // A large chunk goes out as it is, after what was gathered, without being copied.
        if ((full = out.take())) yield full;
        out.offset += chunk.length;
        yield chunk;
      } else {
        if ((full = out.room(chunk.length))) yield full;
        out.wrote(out.used + chunk.copy(out.block, out.used));
      }
    }
    if (size !== entry.size) throw lengthError(entry, size);
    if ((full = out.room(dataDescriptorLength(zip64)))) yield full;
    out.wrote(writeDataDescriptor(out.block, out.used, crc, size, zip64));
    central.add({ name, folder, mtime: entry.modifiedAt, zip64, crc, size, offset });
  }
  const directoryOffset = out.offset;
  if ((full = out.take())) yield full;
  yield* central.drain();
  yield endRecords(central.count, directoryOffset, central.byteLength, forceZip64);
}

/**
 * Where the archive's small pieces (headers, descriptors, small files) are written, into one
 * block that goes out when full, so that 100,000 files of 1 KiB are neither 300,000 chunks through
 * the stream nor 200,000 buffers for the garbage collector. Counts the archive's bytes, which
 * give the offsets of the local headers and of the central directory.
 */
class Output {
  offset = 0;
  block = Buffer.allocUnsafe(GATHER);
  used = 0;

  /** Makes room for `length` more bytes; returns the full block that must go out first, if any. */
  room(length: number): Buffer | null {
    if (this.used + length <= this.block.length) return null;
    const full = this.take();
    if (length > this.block.length) this.block = Buffer.allocUnsafe(length);
    return full;
  }

  /** Records that the block is written up to `end`. */
  wrote(end: number): void {
    this.offset += end - this.used;
    this.used = end;
  }

  /** What was gathered, handed out for good (a new block takes its place); null when nothing was. */
  take(): Buffer | null {
    if (this.used === 0) return null;
    const gathered = this.block.subarray(0, this.used);
    this.block = Buffer.allocUnsafe(GATHER);
    this.used = 0;
    return gathered;
  }
}

function asBuffer(piece: unknown): Buffer {
  if (Buffer.isBuffer(piece)) return piece;
  if (piece instanceof Uint8Array) return Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  throw new Error('A file stream gave something other than bytes');
}

function lengthError(entry: ZipEntry, got: number): Error {
  const seen = got > entry.size ? `more than ${entry.size}` : String(got);
  return new Error(`${entry.path}: file data stream has an unexpected number of bytes (${seen} instead of ${entry.size})`);
}

/**
 * Names are already free of "/" and NUL, and never "." or ".."; a "\" would read as a separator
 * and a leading "C:" as a drive on Windows, so those become "_" to keep every name one entry.
 * A folder's path ends in "/", which is what marks it as a folder in a ZIP.
 */
function archivePath(path: string, folder: boolean): string {
  const safe = path.replace(/\\/g, '_').replace(/^([a-zA-Z]):/, '$1_').replace(/^\/+/, '');
  if (safe === '' || safe.split('/').some((s, i, all) => s === '..' || s === '.' || (s === '' && !(folder && i === all.length - 1)))) {
    throw new Error(`The path ${JSON.stringify(path)} cannot be an entry of a ZIP archive`);
  }
  if (folder) return safe.endsWith('/') ? safe : `${safe}/`;
  if (safe.endsWith('/')) throw new Error(`The file path ${JSON.stringify(path)} ends in "/"`);
  return safe;
}
