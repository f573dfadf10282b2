import { sql } from 'kysely';
import type { Space } from '../db/schema.js';
import type { Db } from './node.repository.js';

export class SpaceRepository {
  async getById(db: Db, id: string): Promise<Space | undefined> {
    return db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The space a user owns: their own files. */
  async ownedBy(db: Db, userId: string): Promise<Space | undefined> {
    return db.selectFrom('spaces').selectAll().where('owner_user_id', '=', userId).executeTakeFirst();
  }

  /**
   * Locks the space row for the rest of the transaction. Every write to a space takes this
   * lock first, which orders all tree changes of one space and so rules out deadlocks between
   * the ancestor updates of concurrent writes.
   */
  async lock(db: Db, id: string): Promise<Space> {
    return db.selectFrom('spaces').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
  }

  /**
   * Adds `delta` bytes to the space's usage only if that stays within its quota; returns the
   * new usage, or null when the quota would be exceeded. Atomic, so parallel uploads can
   * never overshoot together.
   */
  async reserve(db: Db, id: string, delta: number): Promise<number | null> {
    const row = await db
      .updateTable('spaces')
      .set({ used_bytes: sql`used_bytes + ${delta}` })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('quota_bytes', 'is', null), eb(sql`used_bytes + ${delta}`, '<=', eb.ref('quota_bytes'))]))
      .returning('used_bytes')
      .executeTakeFirst();
    return row ? Number(row.used_bytes) : null;
  }

  async release(db: Db, id: string, bytes: number): Promise<void> {
    await db
      .updateTable('spaces')
      .set({ used_bytes: sql`greatest(used_bytes - ${bytes}, 0)` })
      .where('id', '=', id)
      .execute();
  }

  async setQuota(db: Db, id: string, quota: number | null): Promise<void> {
    await db.updateTable('spaces').set({ quota_bytes: quota }).where('id', '=', id).execute();
  }

  /** Per space: recorded usage beside the sum of its versions' sizes (what it should be). */
  async usageDrift(db: Db): Promise<{ id: string; recorded: number; actual: number }[]> {
    const result = await sql<{ id: string; recorded: number; actual: number }>`
      select s.id, s.used_bytes as recorded,
             coalesce((select sum(v.size) from versions v join nodes n on n.id = v.node_id where n.space_id = s.id), 0)::bigint as actual
        from spaces s`.execute(db);
    return result.rows.map((r) => ({ id: r.id, recorded: Number(r.recorded), actual: Number(r.actual) }));
  }

  /** What one space's usage should be: the sum of its versions' sizes (trash and old versions included). */
  async actualUsage(db: Db, id: string): Promise<number> {
    const result = await sql<{ actual: number }>`
      select coalesce(sum(v.size), 0)::bigint as actual
        from versions v join nodes n on n.id = v.node_id where n.space_id = ${id}`.execute(db);
    return Number(result.rows[0]?.actual ?? 0);
  }

  async setUsed(db: Db, id: string, used: number): Promise<void> {
    await db.updateTable('spaces').set({ used_bytes: used }).where('id', '=', id).execute();
  }

  /**
   * Storage across every space: used bytes (what quotas count), live file bytes (the roots'
   * sizes), bytes held by trashed items and the quota handed out (null once any space is unlimited).
   */
  async totals(db: Db): Promise<{ spaces: number; used: number; files: number; trash: number; quotaTotal: number | null }> {
    const row = await db
      .selectFrom('spaces as s')
      .leftJoin('nodes as r', 'r.id', 's.root_node_id')
      .select([
        sql<number>`count(*)`.as('spaces'),
        sql<number>`coalesce(sum(s.used_bytes), 0)`.as('used'),
        sql<number>`coalesce(sum(r.size), 0)`.as('files'),
        sql<number | null>`case when bool_or(s.quota_bytes is null) then null else coalesce(sum(s.quota_bytes), 0) end`.as('quota_total'),
      ])
      .executeTakeFirstOrThrow();
    const trash = await sql<{ bytes: number | null }>`
      with recursive down(id) as (
        select id from nodes where deleted_at is not null
        union
        select n.id from nodes n join down d on n.parent_id = d.id
      )
      select sum(v.size)::bigint as bytes from versions v where v.node_id in (select id from down)`.execute(db);
    return {
      spaces: Number(row.spaces),
      used: Number(row.used),
      files: Number(row.files),
      trash: Number(trash.rows[0]?.bytes ?? 0),
      quotaTotal: row.quota_total === null ? null : Number(row.quota_total),
    };
  }
}
