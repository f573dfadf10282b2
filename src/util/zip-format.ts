/**
 * The byte records of a ZIP archive written in one pass (PKWARE APPNOTE 6.3.10), for stored
 * (uncompressed) entries whose CRC-32 is known only once their bytes have gone out: each file has
 * a local header with general-purpose bit 3 set and a data descriptor after its bytes; the central
 * directory at the end carries the real values. Names are UTF-8 (bit 11). Times are the DOS time
 * (the server's local time, as every ZIP tool reads it) plus the Info-ZIP "UT" field with the
 * exact UTC second. ZIP64 fields appear only where a size, an offset or the entry count needs them
 * (or when forced), so small archives stay readable by old tools.
 */

/** A 32-bit size or offset at or above this is written as ZIP64 (0xffffffff itself means "see ZIP64"). */
export const ZIP64_LIMIT = 0xfffffffe;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

const VERSION_MADE_BY = (3 << 8) | 63; // Unix, APPNOTE 6.3 (the version that defines the UTF-8 flag)
const VERSION_NEEDED = 20;
const VERSION_NEEDED_ZIP64 = 45;
const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_UTF8 = 1 << 11;
// Unix modes in the high 16 bits; 0x10 is the MS-DOS directory attribute Windows tools look at.
const FILE_ATTRIBUTES = (0o100664 << 16) >>> 0;
const DIR_ATTRIBUTES = ((0o40775 << 16) | 0x10) >>> 0;

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const UT_EXTRA = 9; // tag, size, flags, mtime
const ZIP64_LOCAL_EXTRA = 20; // tag, size, uncompressed and compressed size
const ZIP64_CENTRAL_EXTRA = 28; // tag, size, both sizes and the local header's offset

/** What the central directory says of one entry; it is written from these fields once the entry's bytes have gone out. */
export interface EntryRecord {
  /** UTF-8 path, ending in "/" for a folder. */
  name: Buffer;
  folder: boolean;
  mtime: Date;
  /** Whether the local header announced ZIP64 (8-byte sizes in the data descriptor). */
  zip64: boolean;
  crc: number;
  size: number;
  /** Offset of the entry's local header from the start of the archive. */
  offset: number;
}

/** The byte length of an entry's local header. */
export function localHeaderLength(e: Pick<EntryRecord, 'name' | 'folder' | 'zip64'>): number {
  return LOCAL_HEADER + e.name.length + UT_EXTRA + (e.zip64 && !e.folder ? ZIP64_LOCAL_EXTRA : 0);
}

/**
 * Writes the local header that starts an entry into `b` at `at` (every byte of it, so `b` may be
 * unzeroed memory); returns where it ends. Files defer CRC and sizes to their data descriptor.
 */
export function writeLocalHeader(b: Buffer, at: number, e: Pick<EntryRecord, 'name' | 'folder' | 'mtime' | 'zip64'>): number {
  // A ZIP64 file announces itself here so that readers that stream (rather than seek to the central
  // directory) know its data descriptor has 8-byte sizes; the sizes themselves are in the
  // descriptor, hence zeros. A folder has no descriptor and sizes of 0 fit anyway.
  const zip64Extra = e.zip64 && !e.folder;
  const dos = dosDateTime(e.mtime);
  b.writeUInt32LE(0x04034b50, at);
  b.writeUInt16LE(e.zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, at + 4);
  b.writeUInt16LE(FLAG_UTF8 | (e.folder ? 0 : FLAG_DATA_DESCRIPTOR), at + 6);
  b.writeUInt16LE(0, at + 8); // stored
  b.writeUInt16LE(dos.time, at + 10);
  b.writeUInt16LE(dos.date, at + 12);
  // CRC-32 and both sizes stay 0: a folder has none, a file's follow in its descriptor.
  b.fill(0, at + 14, at + 26);
  b.writeUInt16LE(e.name.length, at + 26);
  b.writeUInt16LE(UT_EXTRA + (zip64Extra ? ZIP64_LOCAL_EXTRA : 0), at + 28);
  let end = writeUtExtra(b, at + LOCAL_HEADER + e.name.copy(b, at + LOCAL_HEADER), unixSeconds(e.mtime));
  if (zip64Extra) {
    b.writeUInt16LE(0x0001, end);
    b.writeUInt16LE(ZIP64_LOCAL_EXTRA - 4, end + 2);
    b.fill(0, end + 4, end + ZIP64_LOCAL_EXTRA);
    end += ZIP64_LOCAL_EXTRA;
  }
  return end;
}

/** The byte length of a file's data descriptor. */
export const dataDescriptorLength = (zip64: boolean): number => (zip64 ? 24 : 16);

/**
 * Writes the record that follows a file's bytes, with the CRC-32 and sizes its local header could
 * not know, into `b` at `at`; returns where it ends.
 */
export function writeDataDescriptor(b: Buffer, at: number, crc: number, size: number, zip64: boolean): number {
  b.writeUInt32LE(0x08074b50, at);
  b.writeUInt32LE(crc, at + 4);
  if (!zip64) {
    b.writeUInt32LE(size, at + 8);
    return b.writeUInt32LE(size, at + 12);
  }
  writeUInt64(b, size, at + 8);
  return writeUInt64(b, size, at + 16);
}

/**
 * The central directory, gathered while the entries go out and written after them. It is kept
 * packed in 1 MiB blocks rather than as an object (with its buffers) per entry: the fixed fields
 * (33 bytes) and the part of the path that differs from the previous entry's, which in a
 * depth-first walk is mostly the last name. So 200,000 entries take a few MB, however deep the
 * folders, the garbage collector has nothing per entry to trace, and the real records (46 bytes
 * plus the path, the timestamp and any ZIP64 field) are made only while the directory is sent.
 */
export class CentralDirectory {
  private static readonly BLOCK = 1024 * 1024;
  private static readonly FIXED = 33;
  private readonly blocks: Buffer[] = [];
  private block = Buffer.allocUnsafe(0);
  private used = 0;
  private previous: Buffer = Buffer.alloc(0);
  /** How many entries, and how many bytes their records will take once written. */
  count = 0;
  byteLength = 0;

  add(e: EntryRecord): void {
    const zip64 = e.zip64 || e.offset > ZIP64_LIMIT;
    let shared = 0;
    const most = Math.min(e.name.length, this.previous.length);
    while (shared < most && e.name[shared] === this.previous[shared]) shared++;
    const length = CentralDirectory.FIXED + e.name.length - shared;
    if (this.used + length > this.block.length) {
      if (this.used > 0) this.blocks.push(this.block.subarray(0, this.used));
      this.block = Buffer.allocUnsafe(Math.max(CentralDirectory.BLOCK, length));
      this.used = 0;
    }
    const b = this.block;
    let at = this.used;
    at = b.writeUInt8((e.folder ? 1 : 0) | (zip64 ? 2 : 0), at);
    at = b.writeUInt32LE(e.crc, at);
    at = writeUInt64(b, e.size, at);
    at = writeUInt64(b, e.offset, at);
    at = b.writeInt32LE(unixSeconds(e.mtime), at);
    const dos = dosDateTime(e.mtime);
    at = b.writeUInt16LE(dos.time, at);
    at = b.writeUInt16LE(dos.date, at);
    at = b.writeUInt16LE(shared, at);
    at = b.writeUInt16LE(e.name.length - shared, at);
    at += e.name.copy(b, at, shared);
    this.used = at;
    this.previous = e.name;
    this.count++;
    this.byteLength += CENTRAL_HEADER + e.name.length + UT_EXTRA + (zip64 ? ZIP64_CENTRAL_EXTRA : 0);
  }

  /**
   * The records, in the order the entries were added, in chunks of about 1 MiB (each a buffer of
   * its own, since the reader may keep it); the packed blocks are let go as they are read.
   */
  *drain(): Generator<Buffer> {
    if (this.used > 0) this.blocks.push(this.block.subarray(0, this.used));
    this.block = Buffer.allocUnsafe(0);
    this.used = 0;
    const name = Buffer.allocUnsafe(0xffff);
    let out = Buffer.allocUnsafe(CentralDirectory.BLOCK);
    let filled = 0;
    let packed: Buffer | undefined;
    while ((packed = this.blocks.shift()) !== undefined) {
      let at = 0;
      while (at < packed.length) {
        const flags = packed.readUInt8(at);
        const folder = (flags & 1) !== 0;
        const zip64 = (flags & 2) !== 0;
        const crc = packed.readUInt32LE(at + 1);
        const size = readUInt64(packed, at + 5);
        const offset = readUInt64(packed, at + 13);
        const seconds = packed.readInt32LE(at + 21);
        const dosTime = packed.readUInt16LE(at + 25);
        const dosDate = packed.readUInt16LE(at + 27);
        const shared = packed.readUInt16LE(at + 29);
        const rest = packed.readUInt16LE(at + 31);
        at += CentralDirectory.FIXED;
        packed.copy(name, shared, at, at + rest);
        at += rest;
        const nameLength = shared + rest;
        const length = CENTRAL_HEADER + nameLength + UT_EXTRA + (zip64 ? ZIP64_CENTRAL_EXTRA : 0);
        if (filled + length > out.length) {
          yield out.subarray(0, filled);
          out = Buffer.allocUnsafe(Math.max(CentralDirectory.BLOCK, length));
          filled = 0;
        }
        filled = writeCentralRecord(out, filled, { folder, zip64, crc, size, offset, seconds, dosTime, dosDate }, name.subarray(0, nameLength));
      }
    }
    if (filled > 0) yield out.subarray(0, filled);
  }
}

/** Writes one central directory record at `at` (every byte of it: the buffer may be unzeroed); returns where it ends. */
function writeCentralRecord(
  b: Buffer,
  at: number,
  e: { folder: boolean; zip64: boolean; crc: number; size: number; offset: number; seconds: number; dosTime: number; dosDate: number },
  name: Buffer,
): number {
  b.writeUInt32LE(0x02014b50, at);
  b.writeUInt16LE(VERSION_MADE_BY, at + 4);
  b.writeUInt16LE(e.zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, at + 6);
  b.writeUInt16LE(FLAG_UTF8 | (e.folder ? 0 : FLAG_DATA_DESCRIPTOR), at + 8);
  b.writeUInt16LE(0, at + 10); // stored
  b.writeUInt16LE(e.dosTime, at + 12);
  b.writeUInt16LE(e.dosDate, at + 14);
  b.writeUInt32LE(e.crc, at + 16);
  // With ZIP64, the 32-bit fields say "see the ZIP64 field", which holds all three values.
  b.writeUInt32LE(e.zip64 ? MAX32 : e.size, at + 20);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.size, at + 24);
  b.writeUInt16LE(name.length, at + 28);
  b.writeUInt16LE(UT_EXTRA + (e.zip64 ? ZIP64_CENTRAL_EXTRA : 0), at + 30);
  b.writeUInt16LE(0, at + 32); // comment length
  b.writeUInt16LE(0, at + 34); // disk number
  b.writeUInt16LE(0, at + 36); // internal attributes
  b.writeUInt32LE(e.folder ? DIR_ATTRIBUTES : FILE_ATTRIBUTES, at + 38);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.offset, at + 42);
  let end = at + CENTRAL_HEADER + name.copy(b, at + CENTRAL_HEADER);
  end = writeUtExtra(b, end, e.seconds);
  if (e.zip64) {
    end = b.writeUInt16LE(0x0001, end);
    end = b.writeUInt16LE(ZIP64_CENTRAL_EXTRA - 4, end);
    end = writeUInt64(b, e.size, end);
    end = writeUInt64(b, e.size, end);
    end = writeUInt64(b, e.offset, end);
  }
  return end;
}

/**
 * The end of the archive: the ZIP64 end record and its locator when the entry count, the
 * directory's size or offset need them (or when forced), then the classic end record, whose
 * fields that do not fit hold their "see ZIP64" maximum.
 */
export function endRecords(count: number, directoryOffset: number, directorySize: number, forceZip64: boolean): Buffer {
  const zip64 = forceZip64 || count >= MAX16 || directorySize >= MAX32 || directoryOffset >= MAX32;
  const b = Buffer.alloc((zip64 ? 56 + 20 : 0) + 22);
  let at = 0;
  if (zip64) {
    b.writeUInt32LE(0x06064b50, 0);
    writeUInt64(b, 56 - 12, 4); // size of the rest of this record
    b.writeUInt16LE(VERSION_MADE_BY, 12);
    b.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
    // Disk numbers (16..23) are 0.
    writeUInt64(b, count, 24);
    writeUInt64(b, count, 32);
    writeUInt64(b, directorySize, 40);
    writeUInt64(b, directoryOffset, 48);
    // The locator: where the ZIP64 end record starts (right after the directory), on disk 0 of 1.
    b.writeUInt32LE(0x07064b50, 56);
    writeUInt64(b, directoryOffset + directorySize, 64);
    b.writeUInt32LE(1, 72);
    at = 76;
  }
  b.writeUInt32LE(0x06054b50, at);
  // Disk numbers (at + 4..7) are 0.
  b.writeUInt16LE(forceZip64 ? MAX16 : Math.min(count, MAX16), at + 8);
  b.writeUInt16LE(forceZip64 ? MAX16 : Math.min(count, MAX16), at + 10);
  b.writeUInt32LE(forceZip64 ? MAX32 : Math.min(directorySize, MAX32), at + 12);
  b.writeUInt32LE(forceZip64 ? MAX32 : Math.min(directoryOffset, MAX32), at + 16);
  // Comment length (at + 20) is 0.
  return b;
}

/** Info-ZIP's extended timestamp with the modification time only (flags 1), the same in both headers. */
function writeUtExtra(b: Buffer, at: number, seconds: number): number {
  b.writeUInt16LE(0x5455, at);
  b.writeUInt16LE(UT_EXTRA - 4, at + 2);
  b.writeUInt8(1, at + 4);
  b.writeInt32LE(seconds, at + 5);
  return at + UT_EXTRA;
}

/** The Unix time of `d` as a signed 32-bit value: clamped rather than wrapped outside 1901–2038. */
function unixSeconds(d: Date): number {
  const seconds = Math.floor(d.getTime() / 1000);
  return Number.isFinite(seconds) ? Math.max(-0x80000000, Math.min(0x7fffffff, seconds)) : 0;
}

// DOS time covers 1980–2107 in the local time zone, in 2-second steps; times outside are clamped.
const MIN_DOS = new Date(1980, 0, 1);
const MAX_DOS = new Date(2107, 11, 31, 23, 59, 58);

/** The MS-DOS date and time fields of `d`, read as local time as unzip, 7-Zip and zipfile do. */
export function dosDateTime(d: Date): { date: number; time: number } {
  const t = Number.isNaN(d.getTime()) || d < MIN_DOS ? MIN_DOS : d > MAX_DOS ? MAX_DOS : d;
  return {
    date: ((t.getFullYear() - 1980) << 9) | ((t.getMonth() + 1) << 5) | t.getDate(),
    time: (t.getHours() << 11) | (t.getMinutes() << 5) | Math.floor(t.getSeconds() / 2),
  };
}

/** Writes a safe integer (< 2^53) as an unsigned 64-bit little-endian value; returns where it ends. */
function writeUInt64(b: Buffer, n: number, at: number): number {
  b.writeUInt32LE(n % 0x100000000, at);
  return b.writeUInt32LE(Math.floor(n / 0x100000000), at + 4);
}

function readUInt64(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 0x100000000;
}
