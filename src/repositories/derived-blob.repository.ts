import type { DerivedBlobsTable } from '../db/schema.js';
import type { Selectable } from 'kysely';
import type { Db } from './node.repository.js';

export type DerivedBlob = Selectable<DerivedBlobsTable>;

export interface NewDerivedBlob {
  kind: string;
  storeKey: string;
  size: number;
  mime: string;
  width: number;
  height: number;
}

/** SQL for bytes made from a blob's bytes (previews), and for the reasons none could be made. */
export class DerivedBlobRepository {
  async forBlob(db: Db, blobId: string): Promise<DerivedBlob[]> {
    return db.selectFrom('derived_blobs').selectAll().where('blob_id', '=', blobId).execute();
  }

  /** Inserts them all or, when the blob already has any of these kinds, none; false then. */
  async insertAll(db: Db, blobId: string, items: NewDerivedBlob[]): Promise<boolean> {
    const rows = await db
      .insertInto('derived_blobs')
      .values(items.map((i) => ({ blob_id: blobId, kind: i.kind, store_key: i.storeKey, size: i.size, mime: i.mime, width: i.width, height: i.height })))
      .onConflict((oc) => oc.columns(['blob_id', 'kind']).doNothing())
      .returning('kind')
      .execute();
    return rows.length === items.length;
  }

  async recordFailure(db: Db, blobId: string, kind: string, failure: string): Promise<void> {
    await db
      .insertInto('derived_blobs')
      .values({ blob_id: blobId, kind, failure })
      .onConflict((oc) => oc.columns(['blob_id', 'kind']).doUpdateSet({ failure, created_at: new Date() }))
      .execute();
  }

  /** Forgets a recorded failure, so the work is tried again (an admin retried the job). */
  async clearFailure(db: Db, blobId: string, kind: string): Promise<void> {
    await db.deleteFrom('derived_blobs').where('blob_id', '=', blobId).where('kind', '=', kind).where('store_key', 'is', null).execute();
  }
}
