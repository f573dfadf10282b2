import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Every stored blob file of a local-disk store (not the temporary partial writes), as absolute paths. */
export function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((p) => !p.startsWith('tmp') && fs.statSync(path.join(root, p)).isFile())
    .map((p) => path.join(root, p));
}

/** Partial writes an interrupted upload left behind. */
export function partialFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'blobs', 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** A ReadableStream over the chunks, so fetch sends it with Transfer-Encoding: chunked. */
export function chunkedBody(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}
