import { sql } from 'kysely';
import type { Db } from './node.repository.js';

/** A live child as a walk of the tree needs it: where its current bytes are. */
export interface WalkedChild {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  modified_at: Date;
  /** Size of the current version (files), 0 for folders. */
  size: number;
  store_key: string | null;
}

/** A node with where its current bytes are, as a walk of the tree reads it. */
const SELECT_WALKED = sql`
      select n.id, n.name, n.kind, n.modified_at, coalesce(v.size, 0)::bigint as size, b.store_key
        from nodes n
        left join versions v on v.id = n.current_version_id
        left join blobs b on b.id = v.blob_id`;

function toWalked(r: WalkedChild): WalkedChild {
  return { ...r, size: Number(r.size), modified_at: new Date(r.modified_at) };
}

/** SQL for walking subtrees page by page and locating many nodes at once. */
export class SubtreeRepository {
  /**
   * A page of a folder's live children of one kind in name order after `after`: keyset on the
   * nodes_children_by_name index (parent, kind, name), so every page costs the same however
   * large the folder.
   */
  async childPage(db: Db, parentId: string, kind: WalkedChild['kind'], after: { name: string; id: string } | null, limit: number): Promise<WalkedChild[]> {
    const afterClause = after
      ? sql`and (lower(n.name) collate "C", n.name collate "C", n.id) > (lower(${after.name}) collate "C", ${after.name} collate "C", ${after.id}::uuid)`
      : sql``;
    const result = await sql<WalkedChild>`
      ${SELECT_WALKED}
       where n.parent_id = ${parentId} and n.deleted_at is null and n.kind = ${kind}
       ${afterClause}
       order by lower(n.name) collate "C", n.name collate "C", n.id
       limit ${limit}`.execute(db);
    return result.rows.map(toWalked);
  }

  /** The live nodes among `ids`, as `childPage` gives them (for files picked one by one). */
  async walkedByIds(db: Db, ids: string[]): Promise<WalkedChild[]> {
    if (ids.length === 0) return [];
    const result = await sql<WalkedChild>`
      ${SELECT_WALKED}
       where n.id = any(${ids}::uuid[]) and n.deleted_at is null`.execute(db);
    return result.rows.map(toWalked);
  }
}
