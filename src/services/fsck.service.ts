import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/blob-store.js';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import type { Database } from '../db/database.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';

export type FsckProblemKind =
  | 'missing-blob'
  | 'size-mismatch'
  | 'hash-mismatch'
  | 'unreferenced-blob'
  | 'orphan-blob-row'
  | 'partial-upload'
  | 'usage-drift';

export interface FsckProblem {
  kind: FsckProblemKind;
  key?: string;
  spaceId?: string;
  detail: string;
  repaired: boolean;
}

export interface FsckOptions {
  repair: boolean;
  /** Skip reading every blob to verify its SHA-256 (sizes are still checked). */
  skipHashes?: boolean | undefined;
  /** Blobs younger than this may belong to an upload in progress on another server. */
  graceSeconds?: number | undefined;
}

export interface FsckReport {
  checkedBlobs: number;
  problems: FsckProblem[];
}

/**
 * Checks what the write order promises: every version's bytes exist with their size and hash,
 * no bytes are stored that nothing references, and each space's usage is the sum of its versions.
 */
export class FsckService {
  constructor(
    private readonly d: {
      db: Database;
      blobs: BlobStore;
      spaces: SpaceRepository;
      versions: VersionRepository;
      logger: Logger;
      graceSeconds: number;
    },
  ) {}

  async run(options: FsckOptions): Promise<FsckReport> {
    const { db, blobs } = this.d;
    const problems: FsckProblem[] = [];
    const graceMs = (options.graceSeconds ?? this.d.graceSeconds) * 1000;
    const cutoff = new Date(Date.now() - graceMs);

    // 1. Referenced blobs: present, right size, right hash.
    const known = new Set<string>();
    let checkedBlobs = 0;
    let after = '';
    for (;;) {
      const rows = await db.selectFrom('blobs').selectAll().where('store_key', '>', after).orderBy('store_key').limit(1000).execute();
      if (rows.length === 0) break;
      for (const blob of rows) {
        after = blob.store_key;
        known.add(blob.store_key);
        checkedBlobs++;
        const size = await blobs.stat(blob.store_key);
        if (size === null) {
          problems.push({ kind: 'missing-blob', key: blob.store_key, detail: `blob ${blob.id} is not in the store`, repaired: false });
          continue;
        }
        if (size !== blob.size) {
          problems.push({ kind: 'size-mismatch', key: blob.store_key, detail: `stored ${size} bytes, recorded ${blob.size}`, repaired: false });
          continue;
        }
        if (!options.skipHashes) {
          const hash = createHash('sha256');
          for await (const chunk of await blobs.read(blob.store_key)) hash.update(chunk as Buffer);
          const actual = hash.digest('hex');
          if (actual !== blob.sha256) {
            problems.push({ kind: 'hash-mismatch', key: blob.store_key, detail: `SHA-256 is ${actual}, recorded ${blob.sha256}`, repaired: false });
          }
        }
      }
    }

    // 2. Blob rows no version references (a purge whose cleanup was interrupted).
    for (const blob of await this.d.versions.unreferencedBlobs(db)) {
      if (blob.created_at > cutoff) continue;
      let repaired = false;
      if (options.repair) {
        const keys = await this.d.versions.deleteUnreferencedBlobs(db, [blob.id]);
        for (const key of keys) await blobs.delete(key);
        repaired = keys.length > 0;
      }
      problems.push({ kind: 'orphan-blob-row', key: blob.store_key, detail: `blob ${blob.id} is referenced by no version`, repaired });
    }

    // 3. Bytes in the store that no blob row names (a crash between writing bytes and committing).
    for await (const stored of blobs.list()) {
      if (known.has(stored.key) || stored.lastModified > cutoff) continue;
      const row = await db.selectFrom('blobs').select('id').where('store_key', '=', stored.key).executeTakeFirst();
      if (row) continue;
      let repaired = false;
      if (options.repair) {
        await blobs.delete(stored.key);
        repaired = true;
      }
      problems.push({ kind: 'unreferenced-blob', key: stored.key, detail: `${stored.size} bytes that no file references`, repaired });
    }
    if (blobs instanceof FsBlobStore) {
      for await (const name of blobs.listPartials(cutoff)) {
        let repaired = false;
        if (options.repair) {
          await blobs.deletePartial(name);
          repaired = true;
        }
        problems.push({ kind: 'partial-upload', key: name, detail: 'an upload interrupted before it finished', repaired });
      }
    }

    // 4. Quota counters.
    for (const drift of await this.d.spaces.usageDrift(db)) {
      if (drift.recorded === drift.actual) continue;
      let repaired = false;
      if (options.repair) {
        await this.d.spaces.setUsed(db, drift.id, drift.actual);
        repaired = true;
      }
      problems.push({
        kind: 'usage-drift',
        spaceId: drift.id,
        detail: `space records ${drift.recorded} bytes used, its versions add up to ${drift.actual}`,
        repaired,
      });
    }
    return { checkedBlobs, problems };
  }
}
