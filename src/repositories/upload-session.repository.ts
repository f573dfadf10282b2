import type { Insertable } from 'kysely';
import type { UploadFailure, UploadSession, UploadSessionsTable, UploadSessionStatus } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** What an append leaves behind: the bytes staged so far and where the hash stands. */
export interface AppendRecord {
  received: number;
  storeState: unknown;
  hashState: string | null;
  hashChain: string | null;
  expiresAt: Date;
  /** The protocol's metadata after the append, when it keeps track of it (Nextcloud's chunk list). */
  metadata?: Record<string, string | null> | undefined;
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
  async takeLease(
    db: Db,
    q: { id: string; owner: string; received?: number | undefined; lease: string; until: Date; now: Date; status?: 'receiving' | 'finishing' | undefined },
  ): Promise<UploadSession | undefined> {
    let update = db
      .updateTable('upload_sessions')
      .set({ lease: q.lease, lease_until: q.until })
      .where('id', '=', q.id)
      .where('owner', '=', q.owner)
      .where('status', '=', q.status ?? 'receiving')
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
        hash_chain: a.hashChain,
        ...(a.metadata ? { metadata: JSON.stringify(a.metadata) } : {}),
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

  /**
   * A direct upload whose finishing is handed to a job (enqueued in the same transaction): the
   * lease is released for the job to take, and the session kept at least `expiresAt`.
   */
  async markFinishing(db: Db, id: string, lease: string, expiresAt: Date): Promise<UploadSession | undefined> {
    return db
      .updateTable('upload_sessions')
      .set({ status: 'finishing', expires_at: expiresAt, updated_at: new Date(), lease: null, lease_until: null })
      .where('id', '=', id)
      .where('lease', '=', lease)
      .returningAll()
      .executeTakeFirst();
  }

  /** Finishing failed for `failure` (the staged bytes are removed by then); the row stays for the client to read. */
  async markFailed(db: Db, id: string, lease: string, failure: UploadFailure): Promise<boolean> {
    const r = await db
      .updateTable('upload_sessions')
      .set({ status: 'failed', failure: JSON.stringify(failure), updated_at: new Date(), lease: null, lease_until: null })
      .where('id', '=', id)
      .where('lease', '=', lease)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * Deletes the sessions of a space that goes, or of an owner who goes, whatever their lease;
   * returns those whose bytes may still be staged (the caller has them removed).
   */
  async deleteAll(db: Db, of: { spaceId: string } | { owner: string }): Promise<Pick<UploadSession, 'id' | 'store_state' | 'status'>[]> {
    const rows = await db
      .deleteFrom('upload_sessions')
      .where('spaceId' in of ? 'space_id' : 'owner', '=', 'spaceId' in of ? of.spaceId : of.owner)
      .returning(['id', 'store_state', 'status'])
      .execute();
    // A failed one's bytes are normally gone already; removing them again is harmless.
    const staged: UploadSessionStatus[] = ['receiving', 'finishing', 'failed'];
    return rows.filter((r) => staged.includes(r.status));
  }

  /** Deletes a failed session (nothing of it is staged any more). */
  async deleteFailed(db: Db, id: string): Promise<void> {
    await db.deleteFrom('upload_sessions').where('id', '=', id).where('status', '=', 'failed').execute();
  }

  /**
   * Deletes a completed or failed session (its row only remembers what became of it), or an
   * expired one nobody holds; false when it was neither (or the purge took it first).
   */
  async deleteFinished(db: Db, id: string, now: Date): Promise<boolean> {
    const r = await db
      .deleteFrom('upload_sessions')
      .where('id', '=', id)
      .where((w) => w.or([w('status', 'in', ['completed', 'failed']), w('expires_at', '<=', now)]))
      .where((w) => w.or([w('lease', 'is', null), w('lease_until', '<', now)]))
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
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
