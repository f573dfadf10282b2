import { PassThrough, type Readable } from 'node:stream';
import { ZipFile } from 'yazl';

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
  /** Write ZIP64 records even where not needed (yazl does so by itself past 4 GiB or 65,535 entries). */
  forceZip64?: boolean;
  /** How many files may be queued ahead of the one being streamed; bounds memory and database work. */
  lookahead?: number;
}

/**
 * Streams a ZIP of `entries` built on the fly by yazl: files are stored uncompressed (most large
 * files are already compressed, and storing keeps CPU and throughput flat), names are UTF-8 with
 * the language-encoding flag, times are kept (DOS time plus the Info-ZIP UTC timestamp), and
 * ZIP64 records are written where the sizes or the entry count need them.
 *
 * Bytes flow one file at a time with back-pressure from the returned stream. Any failure (the
 * listing, opening or reading a file, a file of an unexpected length) destroys the returned
 * stream with the error, so a door can abort its response and no client mistakes a truncated
 * archive for a complete one.
 */
export function streamZip(entries: AsyncIterable<ZipEntry>, options: ZipStreamOptions = {}): Readable {
  const lookahead = options.lookahead ?? 16;
  const zip = new ZipFile();
  const out = new PassThrough();
  let failed = false;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  zip.on('error', fail);
  zip.outputStream.on('error', fail);
  zip.outputStream.pipe(out);

  // Files added but not yet opened by yazl; the walk waits while this many are queued.
  let queued = 0;
  let wake: (() => void) | null = null;
  const opened = () => {
    queued--;
    wake?.();
    wake = null;
  };

  const feed = async () => {
    for await (const entry of entries) {
      if (failed) return;
      const path = archivePath(entry.path);
      if (entry.kind === 'folder') {
        zip.addEmptyDirectory(path, { mtime: entry.modifiedAt });
        continue;
      }
      queued++;
      zip.addReadStreamLazy(path, { size: entry.size, mtime: entry.modifiedAt, compress: false, forceZip64Format: options.forceZip64 ?? false }, (cb) => {
        opened();
        entry.open().then(
          (stream) => {
            // yazl does not listen for errors of the streams it reads.
            stream.on('error', fail);
            cb(null, stream);
          },
          (err: unknown) => {
            fail(err);
          },
        );
      });
      while (queued >= lookahead && !failed) await new Promise<void>((resolve) => (wake = resolve));
    }
    if (!failed) zip.end({ forceZip64Format: options.forceZip64 ?? false, comment: '' });
  };
  // The client went away: stop walking and reading.
  out.on('close', () => {
    if (!out.readableEnded) {
      failed = true;
      wake?.();
    }
  });
  feed().catch(fail);
  return out;
}

/**
 * Names are already free of "/" and NUL; yazl would read a "\" as a separator and a leading
 * "C:" as an absolute path, so those become "_" to keep every name one entry.
 */
function archivePath(path: string): string {
  return path.replace(/\\/g, '_').replace(/^([a-zA-Z]):/, '$1_');
}
