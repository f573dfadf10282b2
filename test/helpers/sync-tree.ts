import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

// A local tree that trips sync clients and servers: Unicode names in both normalisation forms,
// awkward characters, empty files, deep nesting, big files, and bulk small files. Shared by the
// suites that drive real sync clients (rclone, nextcloudcmd, owncloudcmd).

export interface LocalFile {
  /** Relative path exactly as written to the local disk (NFD where NFD was meant). */
  rel: string;
  size: number;
  sha1: string;
  mtime: number;
}

export const NFD_MULLER = 'Mu\u0308ller.txt';
export const NFD_FOLDER = 'Ordner-U\u0308bersicht';

/** Files with names that trip clients and servers; contents are derived from the name. */
const SPECIAL: { rel: string; empty?: boolean }[] = [
  { rel: `unicode/nfd/${NFD_MULLER}` },
  { rel: `unicode/nfd/${NFD_FOLDER}/Re\u0301sume\u0301.txt` },
  { rel: `unicode/nfd/${NFD_FOLDER}/leer.txt`, empty: true },
  { rel: 'unicode/nfc/Caf\u00e9.txt' },
  // The same name as the NFD one above, in NFC, in another folder.
  { rel: 'unicode/nfc/M\u00fcller.txt' },
  { rel: 'unicode/nfc/Stra\u00dfe.txt' },
  { rel: 'unicode/日本語/ファイル.txt' },
  { rel: 'unicode/emoji 😀.txt' },
  { rel: 'unicode/Ελληνικά.txt' },
  { rel: 'names/with space.txt' },
  { rel: 'names/percent%20literal.txt' },
  { rel: 'names/hash#tag.txt' },
  { rel: 'names/amp&plus+.txt' },
  { rel: "names/quote'.txt" },
  { rel: 'names/brackets[1].txt' },
  { rel: 'names/semi;colon=equals.txt' },
  { rel: 'names/question?mark.txt' },
  { rel: 'names/tilde~dollar$.txt' },
  { rel: 'names/comma,at@.txt' },
  { rel: 'names/.hidden' },
  { rel: 'names/._appledouble' },
  { rel: 'empty/zero', empty: true },
  { rel: 'empty/zero.txt', empty: true },
  { rel: 'empty/nested/zero.bin', empty: true },
  { rel: 'deep/1/2/3/4/5/6/7/8/leaf.txt' },
];

export interface TreeOptions {
  /** Files in all, the bulk ones filling up to this count. */
  count: number;
  /** Big random files: relative path → size in bytes. */
  big: Record<string, number>;
  /** Leave out the special names a client ignores by design (Nextcloud's excludes `._*` AppleDouble files). */
  skip?: RegExp;
  /** First modification time (Unix seconds); each file gets its own, whole seconds apart. */
  mtimeBase?: number;
}

/** Old, distinct, whole-second modification times: 2004-02-29T12:34:56Z + i × 7919 s. */
export const MTIME_BASE = Date.UTC(2004, 1, 29, 12, 34, 56) / 1000;

export const nfc = (s: string) => s.normalize('NFC');

export async function writeSmall(root: string, rel: string, data: Buffer): Promise<{ size: number; sha1: string }> {
  const file = path.join(root, rel);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await fs.promises.writeFile(file, data);
  return { size: data.length, sha1: createHash('sha1').update(data).digest('hex') };
}

/** Streams `size` random bytes to disk (never all in memory) and hashes them on the way. */
export async function writeRandom(root: string, rel: string, size: number): Promise<{ size: number; sha1: string }> {
  const file = path.join(root, rel);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const hash = createHash('sha1');
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let left = size; left > 0; ) {
      const chunk = randomBytes(Math.min(left, 1024 * 1024));
      hash.update(chunk);
      left -= chunk.length;
      yield chunk;
    }
  }
  await pipeline(chunks(), fs.createWriteStream(file));
  return { size, sha1: hash.digest('hex') };
}

/** Builds the local tree: the special names, the big files, and bulk files up to `count`. */
export async function buildTree(root: string, options: TreeOptions): Promise<LocalFile[]> {
  const made: { rel: string; size: number; sha1: string }[] = [];
  const special = options.skip ? SPECIAL.filter((s) => !options.skip!.test(s.rel)) : SPECIAL;
  for (const s of special) {
    made.push({ rel: s.rel, ...(await writeSmall(root, s.rel, s.empty ? Buffer.alloc(0) : Buffer.from(`content of ${s.rel}\n`))) });
  }
  for (const [rel, size] of Object.entries(options.big)) made.push({ rel, ...(await writeRandom(root, rel, size)) });
  for (let i = 0; made.length < options.count; i++) {
    const rel = `bulk/d${String(Math.floor(i / 25)).padStart(2, '0')}/file-${String(i).padStart(3, '0')}.dat`;
    // Mostly small random files of varied sizes; every 40th one empty.
    const size = i % 40 === 7 ? 0 : 1 + ((i * 7793) % 20_000);
    made.push({ rel, ...(await writeSmall(root, rel, randomBytes(size))) });
  }
  const base = options.mtimeBase ?? MTIME_BASE;
  return made.map((m, i) => {
    const mtime = base + i * 7919;
    fs.utimesSync(path.join(root, m.rel), mtime, mtime);
    return { ...m, mtime };
  });
}
