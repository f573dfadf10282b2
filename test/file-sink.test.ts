import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSink } from '../src/blobs/file-sink.js';

/** Chunks of uneven sizes, as a socket delivers them, adding up to `total` bytes. */
function chunksOf(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(data.length - at, [65536, 1, 16384, 7, 65535, 300_000][i % 6]!);
    // A copy each: a sink must not depend on chunks sharing memory with one another.
    out.push(Buffer.from(data.subarray(at, at + n)));
    at += n;
  }
  return out;
}

describe('FileSink (gathered writes)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-sink-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [label, size] of [
    ['empty', 0],
    ['small (one write at the end)', 5000],
    ['exactly one batch', 4 << 20],
    ['several batches and a tail, with fsync', (9 << 20) + 12345],
  ] as const) {
    it(`writes ${label} byte for byte`, async () => {
      const data = randomBytes(size);
      const file = join(dir, `f-${size}`);
      await pipeline(Readable.from(chunksOf(data)), new FileSink(file, size > 4 << 20));
      expect((await stat(file)).size).toBe(size);
      expect((await readFile(file)).equals(data)).toBe(true);
    });
  }

  it('refuses to write over an existing file and fails the pipeline with the error', async () => {
    const file = join(dir, 'taken');
    await pipeline(Readable.from([Buffer.from('first')]), new FileSink(file, false));
    await expect(pipeline(Readable.from([Buffer.from('second')]), new FileSink(file, false))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(file, 'utf8')).toBe('first');
  });

  it('fails with the source and closes the file when the stream breaks halfway', async () => {
    const file = join(dir, 'broken');
    const data = randomBytes(6 << 20);
    async function* broken() {
      yield data.subarray(0, 5 << 20);
      throw new Error('connection reset');
    }
    const sink = new FileSink(file, true);
    await expect(pipeline(Readable.from(broken()), sink)).rejects.toThrow('connection reset');
    await new Promise((resolve) => (sink.closed ? resolve(undefined) : sink.once('close', resolve)));
    // What was written stays for the caller to remove, and no descriptor of it is left open.
    const open = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    expect(open).not.toContain(file);
    await rm(file, { force: true });
  });
});
