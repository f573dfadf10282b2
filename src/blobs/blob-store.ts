import type { Readable } from 'node:stream';

export interface BlobWriteResult {
  key: string;
  size: number;
  sha256: string;
  /** Only when asked for with `WriteLimits.sha1`. */
  sha1: string | null;
  /** The first few KiB of the content (from HashingMeter.head()), for type detection. */
  head: Buffer;
}

export interface WriteLimits {
  /** Abort the write with a LimitExceededError once more than this many bytes arrive. */
  maxBytes?: number | undefined;
  /** Reject the write with a SizeMismatchError if the stream ends at another length. */
  expectedBytes?: number | undefined;
  /** Also compute SHA-1 (ownCloud-style clients verify with it); costs CPU, so only on request. */
  sha1?: boolean | undefined;
}

export interface ByteRange {
  start: number;
  /** Inclusive end offset. */
  end: number;
}

/** Names of the reserved objects; a fixed list, so no caller can address anything else. */
export type ReservedName = 'audit-key';

export interface StoredBlobInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * A blob being staged over several requests (resumable uploads), as JSON the database keeps:
 * whichever server takes the next append carries on from it. `key` is the blob's key once
 * finished; the rest belongs to the store (a multipart upload, its parts, a short tail).
 */
export interface StagingState {
  key: string;
  [detail: string]: unknown;
}

/** A part a client sent straight to the store (direct uploads). */
export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
}

/**
 * Bytes of one blob arriving in appends. Each append is durable when it resolves and leaves the
 * previous state intact, so the database decides which state counts (the one it recorded) and
 * the other is released: two appends can never both become the blob. Nothing staged is a blob
 * (listed, or garbage-collected as one) until `finish`.
 */
export interface BlobStaging {
  /** Begins a blob of `length` bytes (declared; S3 picks its part size from it). */
  begin(length: number): Promise<StagingState>;
  /**
   * Stages the bytes of `source` after the `offset` bytes `state` holds, durably; resolves with the
   * new state and how many bytes it took. `length`: the blob's declared length (an append that
   * reaches it may write its last part). Rejects if `source` fails: then `state` still holds.
   */
  append(state: StagingState, offset: number, source: Readable, length: number): Promise<{ state: StagingState; bytes: number }>;
  /** Frees what `unused` holds and `kept` does not (a replaced tail, or an append the database refused). */
  release(unused: StagingState, kept: StagingState): Promise<void>;
  /** Makes the `length` staged bytes the blob `state.key`. */
  finish(state: StagingState, length: number): Promise<void>;
  /** Removes whatever is staged. */
  abort(state: StagingState): Promise<void>;
  /**
   * Reads the first `end` staged bytes back, where the store can (the local disk; S3 cannot read
   * the parts of an unfinished multipart upload). A live SHA-256 that its server lost is rebuilt from them.
   */
  read?(state: StagingState, end: number): Promise<Readable>;
  /**
   * Direct uploads (S3 only): a presigned URL a client PUTs part `partNumber` to, and the parts the
   * store holds, as the store lists them; the state the parts make, to finish.
   */
  presignPart?(state: StagingState, partNumber: number, expiresInSeconds: number): Promise<string>;
  listParts?(state: StagingState): Promise<StoredPart[]>;
  withParts?(state: StagingState, parts: StoredPart[]): StagingState;
}

/**
 * Where file bytes live. Every blob is written once under a new random key and never changed;
 * implementations stream in both directions and hash while writing.
 */
export interface BlobStore {
  readonly kind: 'fs' | 's3';
  /** Streams `source` into a new blob; on any failure nothing under the returned key remains. */
  write(source: Readable, limits?: WriteLimits): Promise<BlobWriteResult>;
  read(key: string, range?: ByteRange): Promise<Readable>;
  delete(key: string): Promise<void>;
  /** Size of a stored blob, or null when it does not exist. */
  stat(key: string): Promise<number | null>;
  /** Every stored blob, for consistency checks and garbage collection. */
  list(): AsyncIterable<StoredBlobInfo>;
  /**
   * A small named object kept apart from the blobs (never listed, never garbage-collected), for
   * secrets every server of a cluster must share but the database must not hold (the audit key).
   * Null when it does not exist.
   */
  readReserved(name: ReservedName): Promise<Buffer | null>;
  /** Stores a reserved object only if none exists yet; returns what is stored afterwards. */
  createReserved(name: ReservedName, content: Buffer): Promise<Buffer>;
  /** Throws when the store cannot be reached (readiness probe). */
  ping(): Promise<void>;
  /** Blobs written over several requests (resumable and direct uploads). */
  readonly staging: BlobStaging;
  /** Where the blob lies on this machine's disk, for tools that must seek in a file (ffmpeg, pdftoppm); only local stores have one. */
  localPath?(key: string): string;
  /** A short-lived URL that serves the blob directly, where the store supports it. */
  presignedGetUrl?(key: string, options: { expiresInSeconds: number; fileName: string; contentType: string }): Promise<string>;
  close?(): Promise<void>;
}

export class LimitExceededError extends Error {
  constructor(readonly limit: number) {
    super(`Upload exceeds the limit of ${limit} bytes`);
    this.name = 'LimitExceededError';
  }
}

export class SizeMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Expected ${expected} bytes but received ${actual}`);
    this.name = 'SizeMismatchError';
  }
}
