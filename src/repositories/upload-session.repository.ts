import type { Insertable } from 'kysely';
import type { UploadSession, UploadSessionsTable } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** What an append leaves behind: the bytes staged so far and where the hash stands. */
export interface AppendRecord {
  received: number;
  storeState: unknown;
  hashState: string;
  expiresAt: Date;
}

/**
 * SQL of upload sessions. One append (or completion, or abort) at a time holds a session's
 * lease: taken only at the offset the caller expects and while no live lease is held, renewed
 * while the body streams, released by recording the new offset. Servers share nothing else.
 */
export class UploadSessionRepository {
  async insert(db: Db, row: Insertable<UploadSessionsTable>): Promise<UploadSession> {
    return db.insertInto('upload_sessions').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async get(db: Db, id: string): Promise<UploadSession | undefined> {
    return db.selectFrom('upload_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Takes the lease of a live, unfinished session of `owner` that holds exactly `received` bytes
   * (any number when undefined); undefined when another holds it, the offset differs, or it is
   * gone, finished or expired (the caller then looks at the row to say which).
   */
  async takeLease(db: Db, q: { id: string; owner: string; received?: number | undefined; lease: string; until: Date; now: Date }): Promise<UploadSession | undefined> {
    let update = db
      .updateTable('upload_sessions')
      .set({ lease: q.lease, lease_until: q.until })
      .where('id', '=', q.id)
      .where('owner', '=', q.owner)
      .where('status', '=', 'receiving')
      .where('expires_at', '>', q.now)
      .where((eb) => eb.or([eb('lease', 'is', null), eb('lease_until', '<', q.now)]));
    if (q.received !== undefined) update = update.where('received', '=', q.received);
    return update.returningAll().executeTakeFirst();
  }

  /** Extends a lease still held; false when it was lost (expired and taken by another). */
  async renewLease(db: Db, id: string, lease: string, until: Date): Promise<boolean> {
    const r = await db.updateTable('upload_sessions').set({ lease_until: until }).where('id', '=', id).where('lease', '=', lease).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async releaseLease(db: Db, id: string, lease: string): Promise<void> {
    await db.updateTable('upload_sessions').set({ lease: null, lease_until: null }).where('id', '=', id).where('lease', '=', lease).execute();
  }

  /** Records an append and releases the lease in one statement; false when the lease was lost. */
  async recordAppend(db: Db, id: string, lease: string, a: AppendRecord): Promise<boolean> {
    const r = await db
      .updateTable('upload_sessions')
      .set({
        received: a.received,
        store_state: JSON.stringify(a.storeState),
        hash_state: a.hashState,
        expires_at: a.expiresAt,
        updated_at: new Date(),
        lease: null,
        lease_until: null,
      })
      .where('id', '=', id)
      .where('lease', '=', lease)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** The session made its file (inside the commit's transaction); false when the lease was lost. */
  async markCompleted(db: Db, id: string, lease: string, nodeId: string): Promise<boolean> {
    const r = await db
      .updateTable('upload_sessions')
      .set({ status: 'completed', node_id: nodeId, updated_at: new Date(), lease: null, lease_until: null })
      .where('id', '=', id)
      .where('lease', '=', lease)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Deletes a session whose lease the caller holds. */
  async deleteLeased(db: Db, id: string, lease: string): Promise<boolean> {
    const r = await db.deleteFrom('upload_sessions').where('id', '=', id).where('lease', '=', lease).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /**
   * Leases up to `limit` expired sessions nobody is using, for the purge; finished ones too (their
   * rows only remember what they made, for clients that ask again).
   */
  async leaseExpired(db: Db, q: { lease: string; until: Date; now: Date; limit: number }): Promise<UploadSession[]> {
    return db
      .updateTable('upload_sessions')
      .set({ lease: q.lease, lease_until: q.until })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('upload_sessions')
          .select('id')
          .where('expires_at', '<', q.now)
          .where((w) => w.or([w('lease', 'is', null), w('lease_until', '<', q.now)]))
          .orderBy('expires_at')
          .limit(q.limit),
      )
      .where((w) => w.or([w('lease', 'is', null), w('lease_until', '<', q.now)]))
      .returningAll()
      .execute();
  }
}
