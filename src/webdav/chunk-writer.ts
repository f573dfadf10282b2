/**
 * Gathers text into byte chunks of about `size` for a streamed response. Each piece is encoded
 * into the chunk as it comes: a listing of 10,000 entries then hands the socket ready buffers,
 * instead of long concatenated strings that are flattened and encoded again on the way out
 * (those were a quarter of a large PROPFIND's time, half of it garbage collection).
 */
export class ChunkWriter {
  private chunk: Buffer;
  private used = 0;

  constructor(private readonly size: number) {
    this.chunk = this.fresh();
  }

  /** Adds `text`; returns true once a chunk is full enough to be taken. */
  write(text: string): boolean {
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair is 4 bytes for 2 units).
    if (text.length * 3 > this.chunk.length - this.used) this.grow(text.length * 3);
    this.used += this.chunk.write(text, this.used, 'utf8');
    return this.used >= this.size;
  }

  /** The bytes gathered so far, handed over; the writer starts a new chunk. */
  take(): Buffer {
    const full = this.chunk.subarray(0, this.used);
    this.chunk = this.fresh();
    this.used = 0;
    return full;
  }

  get length(): number {
    return this.used;
  }

  // Room past `size`, so the piece that fills a chunk seldom needs it enlarged.
  private fresh(): Buffer {
    return Buffer.allocUnsafe(this.size + (this.size >> 2));
  }

  private grow(needed: number): void {
    // Only a piece larger than what is left gets here; the chunk is enlarged, not split, so a
    // character is never cut.
    const bigger = Buffer.allocUnsafe(this.used + Math.max(needed, this.size));
    this.chunk.copy(bigger, 0, 0, this.used);
    this.chunk = bigger;
  }
}
