import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { BlobStore, StoredBlobInfo } from '../blobs/blob-store.js';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import type { CallContext } from '../core/context.js';
import type { Database } from '../db/database.js';
import type { NodeRepository } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';
import type { AuditService } from './audit.service.js';
import { pathOf } from './tree.service.js';
import type { PropertyRepository } from '../repositories/property.repository.js';

export type FsckProblemKind =
  | 'missing-blob'
  | 'size-mismatch'
  | 'hash-mismatch'
  | 'unreferenced-blob'
  | 'orphan-blob-row'
  | 'partial-upload'
  | 'usage-drift';

/** Kinds fsck can repair; lost or corrupted bytes cannot be recovered by it (restore them from a backup). */
export const REPAIRABLE_KINDS: ReadonlySet<FsckProblemKind> = new Set(['unreferenced-blob', 'orphan-blob-row', 'partial-upload', 'usage-drift']);

export interface FsckProblem {
  kind: FsckProblemKind;
  key?: string;
  spaceId?: string;
  detail: string;
  /** Whether `--repair` can fix this kind of problem. */
  repairable: boolean;
  repaired: boolean;
  /** For damaged blobs: the files (space name and path) whose versions use them. */
  files?: string[];
}

export interface FsckOptions {
  repair: boolean;
  /** Skip reading every blob to verify its SHA-256 (sizes are still checked). */
  skipHashes?: boolean | undefined;
  /** Blobs younger than this may belong to an upload in progress on another server. */
  graceSeconds?: number | undefined;
  /** Who asked, for the audit events of repairs (null: the system). */
  ctx?: CallContext | null | undefined;
  /**
   * 'storage': only what a scheduled job repairs (bytes nothing references, interrupted uploads,
   * quota counters), without reading or even stat-ing every referenced blob.
   */
  scope?: 'all' | 'storage' | undefined;
}

export interface FsckReport {
  checkedBlobs: number;
  checkedSpaces: number;
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
      nodes: NodeRepository;
      properties: PropertyRepository;
      audit: AuditService;
      logger: Logger;
      graceSeconds: number;
    },
  ) {}

  async run(options: FsckOptions): Promise<FsckReport> {
    const { db, blobs } = this.d;
    const ctx = options.ctx ?? null;
    const problems: FsckProblem[] = [];
    const graceMs = (options.graceSeconds ?? this.d.graceSeconds) * 1000;
    const cutoff = new Date(Date.now() - graceMs);
    const problem = (p: Omit<FsckProblem, 'repairable'>): FsckProblem => {
      const full = { ...p, repairable: REPAIRABLE_KINDS.has(p.kind) };
      problems.push(full);
      return full;
    };

    // 1. Referenced blobs: present, right size, right hash.
    const known = new Set<string>();
    let checkedBlobs = 0;
    let after = '';
    for (;;) {
      if (options.scope === 'storage') break;
      const rows = await db.selectFrom('blobs').selectAll().where('store_key', '>', after).orderBy('store_key').limit(1000).execute();
      if (rows.length === 0) break;
      for (const blob of rows) {
        after = blob.store_key;
        known.add(blob.store_key);
        checkedBlobs++;
        const size = await blobs.stat(blob.store_key);
        if (size === null) {
          problem({ kind: 'missing-blob', key: blob.store_key, detail: `blob ${blob.id} (${blob.size} bytes) is not in the store`, repaired: false, files: await this.filesUsing(blob.id) });
          continue;
        }
        if (size !== blob.size) {
          problem({ kind: 'size-mismatch', key: blob.store_key, detail: `stored ${size} bytes, recorded ${blob.size}`, repaired: false, files: await this.filesUsing(blob.id) });
          continue;
        }
        if (!options.skipHashes) {
          const actual = await this.sha256(blob.store_key);
          if (actual === null) {
            problem({ kind: 'missing-blob', key: blob.store_key, detail: `blob ${blob.id} vanished while it was being read`, repaired: false, files: await this.filesUsing(blob.id) });
          } else if (actual !== blob.sha256) {
            problem({ kind: 'hash-mismatch', key: blob.store_key, detail: `SHA-256 is ${actual}, recorded ${blob.sha256}`, repaired: false, files: await this.filesUsing(blob.id) });
          }
        }
      }
    }

    // 2. Blob rows no version references (a purge whose cleanup was interrupted).
    const deleted: Partial<Record<FsckProblemKind, number>> = {};
    const count = (kind: FsckProblemKind) => (deleted[kind] = (deleted[kind] ?? 0) + 1);
    for (const blob of await this.d.versions.unreferencedBlobs(db)) {
      if (blob.created_at > cutoff) continue;
      let repaired = false;
      if (options.repair) {
        // Deletes the row only if still unreferenced (a restore may have raced us).
        const keys = await this.d.versions.deleteUnreferencedBlobs(db, [blob.id]);
        for (const key of keys) await blobs.delete(key);
        repaired = keys.length > 0;
        if (repaired) count('orphan-blob-row');
      }
      problem({ kind: 'orphan-blob-row', key: blob.store_key, detail: `blob ${blob.id} is referenced by no version`, repaired });
    }

    // 3. Bytes in the store that no blob row names (a crash between writing bytes and committing).
    // Looked up a batch at a time: the store may hold millions of blobs.
    const unreferenced = async (batch: StoredBlobInfo[]) => {
      const keys = batch.map((b) => b.key);
      const rows = await db
        .selectFrom('blobs')
        .select('store_key')
        .where('store_key', 'in', keys)
        .unionAll(db.selectFrom('derived_blobs').select((eb) => eb.fn.coalesce('store_key', eb.val('')).as('store_key')).where('store_key', 'in', keys))
        // A direct upload being finished: its parts became the object, which a job is reading back (for hours, when it is big).
        .unionAll(
          db
            .selectFrom('upload_sessions')
            .select(sql<string>`store_state->>'key'`.as('store_key'))
            .where('status', 'in', ['receiving', 'finishing'])
            .where(sql<string>`store_state->>'key'`, 'in', keys),
        )
        .execute();
      const referenced = new Set(rows.map((r) => r.store_key));
      for (const stored of batch) {
        if (referenced.has(stored.key)) continue;
        let repaired = false;
        if (options.repair) {
          await blobs.delete(stored.key);
          repaired = true;
          count('unreferenced-blob');
        }
        problem({ kind: 'unreferenced-blob', key: stored.key, detail: `${stored.size} bytes that no file references`, repaired });
      }
    };
    let batch: StoredBlobInfo[] = [];
    for await (const stored of blobs.list()) {
      if (known.has(stored.key) || stored.lastModified > cutoff) continue;
      batch.push(stored);
      if (batch.length >= 500) {
        await unreferenced(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await unreferenced(batch);
    if (blobs instanceof FsBlobStore) {
      for await (const name of blobs.listPartials(cutoff)) {
        let repaired = false;
        if (options.repair) {
          await blobs.deletePartial(name);
          repaired = true;
          count('partial-upload');
        }
        problem({ kind: 'partial-upload', key: name, detail: 'an upload interrupted before it finished', repaired });
      }
    }
    if (Object.keys(deleted).length > 0) {
      await this.d.audit.recordAlone(ctx, { action: 'fsck.repair', detail: { deleted } });
    }

    // 4. Quota counters: file versions plus dead properties, both of which the quota counts.
    const propertyBytes = await this.d.properties.bytesBySpace(db);
    const drifts = (await this.d.spaces.usageDrift(db)).map((d) => ({ ...d, actual: d.actual + (propertyBytes.get(d.id) ?? 0) }));
    for (const drift of drifts) {
      if (drift.recorded === drift.actual) continue;
      let repaired = false;
      if (options.repair) {
        // Under the space lock, from a fresh sum, so an upload committing meanwhile is not lost.
        await db.transaction().execute(async (tx) => {
          const space = await this.d.spaces.lock(tx, drift.id);
          const actual = (await this.d.spaces.actualUsage(tx, drift.id)) + (await this.d.properties.bytesOfSpace(tx, drift.id));
          if (space.used_bytes === actual) return;
          await this.d.spaces.setUsed(tx, drift.id, actual);
          await this.d.audit.record(tx, ctx, {
            action: 'fsck.repair.usage',
            detail: { spaceId: drift.id, space: space.name, recorded: space.used_bytes, actual },
          });
        });
        repaired = true;
      }
      problem({
        kind: 'usage-drift',
        spaceId: drift.id,
        detail: `space records ${drift.recorded} bytes used, its versions and properties add up to ${drift.actual}`,
        repaired,
      });
    }
    return { checkedBlobs, checkedSpaces: drifts.length, problems };
  }

  /** SHA-256 of a stored blob, or null when it is gone. */
  private async sha256(key: string): Promise<string | null> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of await this.d.blobs.read(key)) hash.update(chunk as Buffer);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (await this.d.blobs.stat(key)) === null) return null;
      throw err;
    }
    return hash.digest('hex');
  }

  /** "space:/path/to/file" for up to five files whose versions use the blob, so an operator knows what to restore. */
  private async filesUsing(blobId: string): Promise<string[]> {
    const { db } = this.d;
    const rows = await db
      .selectFrom('versions')
      .innerJoin('nodes', 'nodes.id', 'versions.node_id')
      .innerJoin('spaces', 'spaces.id', 'nodes.space_id')
      .select(['nodes.id as node_id', 'spaces.name as space', 'versions.id as version_id', 'nodes.current_version_id'])
      .where('versions.blob_id', '=', blobId)
      .limit(5)
      .execute();
    const out: string[] = [];
    for (const row of rows) {
      const chain = await this.d.nodes.ancestry(db, row.node_id);
      const trashed = chain.some((n) => n.deleted_at !== null);
      const which = row.current_version_id === row.version_id ? '' : ` (older version ${row.version_id})`;
      out.push(`${row.space}:${pathOf(chain)}${which}${trashed ? ' (in the trash)' : ''}`);
    }
    return out;
  }
}
