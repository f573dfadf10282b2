import { sql } from 'kysely';
import type { Link, LinkPermission, SharePolicy } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** A link with the names its owner recognises it by. */
export interface LinkRow extends Link {
  node_name: string;
  node_kind: 'file' | 'folder';
  owner_id: string | null;
  /** What the link's space allows to be shared (links work only while it is 'all'). */
  space_share_policy: SharePolicy;
  created_by_username: string | null;
}

export interface NewLink {
  id: string;
  token: string;
  node_id: string;
  space_id: string;
  created_by: string;
  name: string;
  permission: LinkPermission;
  password_hash: string | null;
  expires_at: Date | null;
  max_downloads: number | null;
  max_views: number | null;
}

export type LinkPatch = Partial<Pick<Link, 'name' | 'permission' | 'password_hash' | 'expires_at' | 'max_downloads' | 'max_views'>>;

/** SQL for public links. No rules here, only queries. */
export class LinkRepository {
  private select(db: Db) {
    return db
      .selectFrom('links as l')
      .innerJoin('nodes as n', 'n.id', 'l.node_id')
      .innerJoin('spaces as sp', 'sp.id', 'l.space_id')
      .leftJoin('users as c', 'c.id', 'l.created_by')
      .selectAll('l')
      .select(['n.name as node_name', 'n.kind as node_kind', 'sp.owner_user_id as owner_id', 'sp.share_policy as space_share_policy', 'c.username as created_by_username']);
  }

  async getById(db: Db, id: string): Promise<LinkRow | undefined> {
    return this.select(db).where('l.id', '=', id).executeTakeFirst();
  }

  async byToken(db: Db, token: string): Promise<LinkRow | undefined> {
    return this.select(db).where('l.token', '=', token).executeTakeFirst();
  }

  /** Live (unrevoked) links of a node, newest first. */
  /** The id of the live link with this number (the Nextcloud apps' share id), if any. */
  async idByNumber(db: Db, number: number): Promise<string | undefined> {
    return (await db.selectFrom('links').select('id').where('number', '=', number).where('revoked_at', 'is', null).executeTakeFirst())?.id;
  }

  async forNode(db: Db, nodeId: string): Promise<LinkRow[]> {
    return this.select(db).where('l.node_id', '=', nodeId).where('l.revoked_at', 'is', null).orderBy('l.created_at', 'desc').execute();
  }

  /** Live links of items in spaces the user owns, and links the user made anywhere. */
  async outgoing(db: Db, userId: string): Promise<LinkRow[]> {
    return this.select(db)
      .where('l.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('sp.owner_user_id', '=', userId), eb('l.created_by', '=', userId)]))
      .orderBy('l.created_at', 'desc')
      .execute();
  }

  async insert(db: Db, row: NewLink): Promise<void> {
    await db.insertInto('links').values(row).execute();
  }

  async update(db: Db, id: string, patch: LinkPatch): Promise<void> {
    await db.updateTable('links').set({ ...patch, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async revoke(db: Db, id: string): Promise<boolean> {
    const r = await db
      .updateTable('links')
      .set({ revoked_at: new Date(), password_hash: null, updated_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Takes one download (or view) from a live link, or nothing when none is left. A single
   * conditional UPDATE: concurrent takers queue on the row, so a limit of 5 yields exactly 5.
   */
  async take(db: Db, id: string, what: 'downloads' | 'views'): Promise<boolean> {
    const limit = what === 'downloads' ? sql.ref('max_downloads') : sql.ref('max_views');
    const count = sql.ref(what);
    const r = await sql<{ id: string }>`
      update links set ${count} = ${count} + 1
       where id = ${id} and revoked_at is null and (expires_at is null or expires_at > now())
         and (${limit} is null or ${count} < ${limit})
       returning id`.execute(db);
    return r.rows.length > 0;
  }
}
