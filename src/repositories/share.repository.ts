import { sql } from 'kysely';
import type { Share, ShareRole } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** A share with the names people recognise it by. */
export interface ShareRow extends Share {
  node_name: string;
  node_kind: 'file' | 'folder';
  owner_id: string | null;
  owner_username: string | null;
  owner_display_name: string | null;
  recipient_username: string;
  recipient_display_name: string;
  created_by_username: string | null;
}

const LIVE = sql<boolean>`(s.expires_at is null or s.expires_at > now())`;
/** The share's space still allows sharing (a space's policy set to 'off' stops its shares). */
const ALLOWED = sql<boolean>`exists (select 1 from spaces sp where sp.id = s.space_id and sp.share_policy <> 'off')`;

/** SQL for shares of nodes with users. No rules here, only queries. */
export class ShareRepository {
  private select(db: Db) {
    return db
      .selectFrom('shares as s')
      .innerJoin('nodes as n', 'n.id', 's.node_id')
      .innerJoin('spaces as sp', 'sp.id', 's.space_id')
      .leftJoin('users as o', 'o.id', 'sp.owner_user_id')
      .innerJoin('users as r', 'r.id', 's.recipient_id')
      .leftJoin('users as c', 'c.id', 's.created_by')
      .selectAll('s')
      .select([
        'n.name as node_name',
        'n.kind as node_kind',
        'sp.owner_user_id as owner_id',
        'o.username as owner_username',
        'o.display_name as owner_display_name',
        'r.username as recipient_username',
        'r.display_name as recipient_display_name',
        'c.username as created_by_username',
      ]);
  }

  async getById(db: Db, id: string): Promise<ShareRow | undefined> {
    return this.select(db).where('s.id', '=', id).executeTakeFirst();
  }

  /** The id of the share with this number (the Nextcloud apps' share id), if any. */
  async idByNumber(db: Db, number: number): Promise<string | undefined> {
    return (await db.selectFrom('shares').select('id').where('number', '=', number).executeTakeFirst())?.id;
  }

  async forNode(db: Db, nodeId: string): Promise<ShareRow[]> {
    return this.select(db).where('s.node_id', '=', nodeId).orderBy('r.username').execute();
  }

  /** Unexpired shares with the user, by the name they see them under. */
  async incoming(db: Db, recipientId: string): Promise<ShareRow[]> {
    return this.select(db).where('s.recipient_id', '=', recipientId).where(LIVE).where(ALLOWED).orderBy('s.mount_name').execute();
  }

  /** Shares of nodes in the spaces the user owns, and shares the user made anywhere. */
  async outgoing(db: Db, userId: string): Promise<ShareRow[]> {
    return this.select(db)
      .where((eb) => eb.or([eb('sp.owner_user_id', '=', userId), eb('s.created_by', '=', userId)]))
      .orderBy('n.name')
      .orderBy('r.username')
      .execute();
  }

  /** Names of the user's shares starting with `stem` (for picking a free one). */
  async mountNamesLike(db: Db, recipientId: string, stem: string): Promise<string[]> {
    const like = stem.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
    const rows = await db.selectFrom('shares').select('mount_name').where('recipient_id', '=', recipientId).where('mount_name', 'like', like).execute();
    return rows.map((r) => r.mount_name);
  }

  async existing(db: Db, nodeId: string, recipientId: string): Promise<Share | undefined> {
    return db.selectFrom('shares').selectAll().where('node_id', '=', nodeId).where('recipient_id', '=', recipientId).executeTakeFirst();
  }

  async insert(db: Db, row: { id: string; node_id: string; space_id: string; created_by: string; recipient_id: string; role: ShareRole; mount_name: string; expires_at: Date | null }): Promise<void> {
    await db.insertInto('shares').values(row).execute();
  }

  async update(db: Db, id: string, patch: { role?: ShareRole; expires_at?: Date | null }): Promise<void> {
    await db.updateTable('shares').set({ ...patch, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async delete(db: Db, id: string): Promise<boolean> {
    const r = await db.deleteFrom('shares').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * A tag that changes whenever anything in any of the user's live shares changes (an ETag of
   * a shared node, a role, an expiry, a share added or removed); null when they have none.
   */
  async tagOf(db: Db, recipientId: string): Promise<string | null> {
    const r = await sql<{ tag: string | null }>`
      select md5(string_agg(s.id::text || ':' || n.etag || ':' || s.role || ':' || s.mount_name, ',' order by s.id)) as tag
        from shares s join nodes n on n.id = s.node_id
       where s.recipient_id = ${recipientId} and ${LIVE} and ${ALLOWED} and n.deleted_at is null`.execute(db);
    return r.rows[0]?.tag ?? null;
  }
}
