import { createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes (incompressible, different for every seed). */
export function pseudoRandom(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(Math.ceil(size / 4) * 4);
  let x = (seed * 2654435761) >>> 0;
  for (let j = 0; j < buf.length; j += 4) {
    x = (x * 1664525 + 1013904223) >>> 0;
    buf.writeUInt32LE(x, j);
  }
  return buf.subarray(0, size);
}

export function sha256(buf: Buffer | Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}
