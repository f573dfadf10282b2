import type { Blob, Version } from '../db/schema.js';
import type { Db } from './node.repository.js';

export interface NewVersion {
  id: string;
  nodeId: string;
  blobId: string;
  size: number;
  sha256: string;
  sha1?: string | null | undefined;
  mime: string | null;
  authorId: string | null;
}

/** SQL for versions and the blobs they reference. */
export class VersionRepository {
  async insertBlob(db: Db, blob: { id: string; storeKey: string; size: number; sha256: string }): Promise<void> {
    await this.insertBlobs(db, [blob]);
  }


  async insertBlobs(db: Db, blobs: { id: string; storeKey: string; size: number; sha256: string }[]): Promise<void> {
    await db
      .insertInto('blobs')
      .values(blobs.map((b) => ({ id: b.id, store_key: b.storeKey, size: b.size, sha256: b.sha256 })))
      .execute();
  }

  async insertVersions(db: Db, versions: NewVersion[]): Promise<Version[]> {
    return db
      .insertInto('versions')
      .values(
        versions.map((v) => ({
          id: v.id,
          node_id: v.nodeId,
          blob_id: v.blobId,
          size: v.size,
          sha256: v.sha256,
          sha1: v.sha1 ?? null,
          mime: v.mime,
          author_id: v.authorId,
        })),
      )
      .returningAll()
      .execute();
  }

  async insertVersion(db: Db, v: NewVersion): Promise<Version> {
    const [inserted] = await this.insertVersions(db, [v]);
    return inserted!;
  }


  async getVersion(db: Db, id: string): Promise<Version | undefined> {
    return db.selectFrom('versions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getBlob(db: Db, id: string): Promise<Blob | undefined> {
    return db.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listForNode(db: Db, nodeId: string): Promise<(Version & { author_name: string | null })[]> {
    return db
      .selectFrom('versions')
      .leftJoin('users', 'users.id', 'versions.author_id')
      .selectAll('versions')
      .select('users.username as author_name')
      .where('node_id', '=', nodeId)
      .orderBy('versions.created_at', 'desc')
      .orderBy('versions.id', 'desc')
      .execute();
  }

  /**
   * Deletes the rows of those blobs no version references any more and returns their store
   * keys; the caller removes the bytes after commit.
   */
  async deleteUnreferencedBlobs(db: Db, blobIds: string[]): Promise<string[]> {
    if (blobIds.length === 0) return [];
    // What was made from them (previews) goes with them; their rows would go by the cascade, their bytes not.
    const derived = await db
      .deleteFrom('derived_blobs')
      .where('blob_id', 'in', blobIds)
      .where('store_key', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('versions').select('versions.id').whereRef('versions.blob_id', '=', 'derived_blobs.blob_id'))),
      )
      .returning('store_key')
      .execute();
    const rows = await db
      .deleteFrom('blobs')
      .where('id', 'in', blobIds)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('versions').select('versions.id').whereRef('versions.blob_id', '=', 'blobs.id'))),
      )
      .returning('store_key')
      .execute();
    return [...rows.map((r) => r.store_key), ...derived.map((r) => r.store_key!)];
  }

  /** All blob rows no version references (left by a purge whose cleanup did not finish). */
  async unreferencedBlobs(db: Db): Promise<Blob[]> {
    return db
      .selectFrom('blobs')
      .selectAll()
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('versions').select('versions.id').whereRef('versions.blob_id', '=', 'blobs.id'))),
      )
      .execute();
  }
}
