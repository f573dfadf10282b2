import { sql } from 'kysely';
import type { Db } from './node.repository.js';

/** What the ownCloud and Nextcloud apps show beside a node for one user: their star, and how they share it. */
export interface NodeMarks {
  favorite: boolean;
  /**
   * Nextcloud's share types of the node's live shares the user made, or any in their own
   * personal space: 0 with a user, 3 by link.
   */
  shareTypes: number[];
}

/** SQL for users' favourites (migration 0029) and the marks listings show. No rules here, only queries. */
export class FavoriteRepository {
  /**
   * The user's marks on each of `nodeIds`, in one query whatever their number (a listing asks
   * for a page at a time). Nodes with no mark are missing from the result.
   */
  async marks(db: Db, userId: string, nodeIds: readonly string[]): Promise<Map<string, NodeMarks>> {
    const out = new Map<string, NodeMarks>();
    if (nodeIds.length === 0) return out;
    const { rows } = await sql<{ id: string; favorite: boolean; share_types: number[] }>`
      -- The owner of a personal space sees every share of its nodes (a manager's re-shares too).
      with own as (select sp.id from spaces sp where sp.owner_user_id = ${userId} and sp.kind = 'personal')
      select n.id,
             exists (select 1 from favorites f where f.user_id = ${userId} and f.node_id = n.id) as favorite,
             array_remove(array[
               case when exists (select 1 from shares s where s.node_id = n.id and (s.created_by = ${userId} or s.space_id = (select id from own))
                                  and (s.expires_at is null or s.expires_at > now())) then 0 end,
               case when exists (select 1 from links l where l.node_id = n.id and (l.created_by = ${userId} or l.space_id = (select id from own))
                                  and l.revoked_at is null and (l.expires_at is null or l.expires_at > now())) then 3 end
             ], null) as share_types
        from unnest(${[...nodeIds]}::uuid[]) as n(id)`.execute(db);
    for (const r of rows) {
      if (r.favorite || r.share_types.length > 0) out.set(r.id, { favorite: r.favorite, shareTypes: r.share_types });
    }
    return out;
  }

  async set(db: Db, userId: string, nodeId: string, favorite: boolean): Promise<void> {
    if (favorite) {
      await db.insertInto('favorites').values({ user_id: userId, node_id: nodeId }).onConflict((oc) => oc.columns(['user_id', 'node_id']).doNothing()).execute();
    } else {
      await db.deleteFrom('favorites').where('user_id', '=', userId).where('node_id', '=', nodeId).execute();
    }
  }

  /** The user's favourites, newest first, at most `limit` (trashed ones included: the caller filters by access). */
  async list(db: Db, userId: string, limit: number): Promise<string[]> {
    const rows = await db.selectFrom('favorites').select('node_id').where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('node_id').limit(limit).execute();
    return rows.map((r) => r.node_id);
  }
}
