import { sql } from 'kysely';
import type { Organisation, OrgGroup, OrgRole, OrgStatus, ShareRole, Space, SupportAccess } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** A member of an organisation, with who they are. */
export interface OrgMemberRow {
  user_id: string;
  username: string;
  display_name: string;
  email: string | null;
  role: OrgRole;
  created_at: Date;
}

/** An organisation as a caller sees it: with their own role (null for an instance admin who is no member). */
export type OrgRow = Organisation & { my_role: OrgRole | null; member_count: number; space_count: number };

/** A space with the caller's role on it (null for a personal space, which its owner holds whole). */
export type SpaceRow = Space & {
  my_role: ShareRole | null;
  org_slug: string | null;
  org_name: string | null;
  root_etag: string | null;
  /** A live support session's access where the user holds no role (see coffer_support_access). */
  support_access?: SupportAccess | null | undefined;
};

/** A user's or a group's role on a space. */
export interface SpaceMemberRow {
  id: string;
  role: ShareRole;
  user_id: string | null;
  username: string | null;
  display_name: string | null;
  group_id: string | null;
  group_name: string | null;
  created_at: Date;
}

export type GroupRow = OrgGroup & { members: { user_id: string; username: string; display_name: string }[] };

/** SQL for organisations, their members and groups, and the spaces and space members they hold. */
export class OrgRepository {
  async insert(db: Db, org: { id: string; slug: string; name: string; tenant?: boolean | undefined }): Promise<Organisation> {
    return db.insertInto('organisations').values(org).returningAll().executeTakeFirstOrThrow();
  }

  async getById(db: Db, id: string): Promise<Organisation | undefined> {
    return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getBySlug(db: Db, slug: string): Promise<Organisation | undefined> {
    return db.selectFrom('organisations').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  /** Locks the organisation's row: membership changes of one organisation take turns (the last owner stays). */
  async lock(db: Db, id: string): Promise<Organisation | undefined> {
    return db.selectFrom('organisations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Organisations with `userId`'s role in each; every organisation when `all` (an instance admin's view); one with `onlyId`. */
  async list(db: Db, userId: string, all: boolean, onlyId?: string): Promise<OrgRow[]> {
    const result = await sql<OrgRow>`
      select o.*, m.role as my_role,
             (select count(*) from org_members x where x.org_id = o.id)::int as member_count,
             (select count(*) from spaces s where s.org_id = o.id)::int as space_count
        from organisations o
        left join org_members m on m.org_id = o.id and m.user_id = ${userId}::uuid
       where (${all} or m.user_id is not null) and (${onlyId ?? null}::uuid is null or o.id = ${onlyId ?? null}::uuid)
       order by lower(o.name), o.id`.execute(db);
    return result.rows;
  }

  async update(db: Db, id: string, patch: { name?: string | undefined; status?: OrgStatus | undefined; signed_url_max_seconds?: number | undefined; tenant?: boolean | undefined }): Promise<Organisation> {
    return db
      .updateTable('organisations')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async delete(db: Db, id: string): Promise<void> {
    await db.deleteFrom('organisations').where('id', '=', id).execute();
  }

  async roleOf(db: Db, orgId: string, userId: string): Promise<OrgRole | undefined> {
    const row = await db.selectFrom('org_members').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
    return row?.role;
  }

  async members(db: Db, orgId: string): Promise<OrgMemberRow[]> {
    return db
      .selectFrom('org_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.username', 'u.display_name', 'u.email', 'm.role', 'm.created_at'])
      .where('m.org_id', '=', orgId)
      .orderBy(sql`lower(u.username)`)
      .execute();
  }

  async setMember(db: Db, orgId: string, userId: string, role: OrgRole): Promise<void> {
    await db
      .insertInto('org_members')
      .values({ org_id: orgId, user_id: userId, role })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }

  /**
   * Takes a user out of an organisation: their membership, their groups there and their own
   * roles on its spaces (their shares and links stay with the items, as anyone's do).
   */
  async removeMember(db: Db, orgId: string, userId: string): Promise<boolean> {
    await sql`delete from space_members where user_id = ${userId}::uuid and space_id in (select id from spaces where org_id = ${orgId}::uuid)`.execute(db);
    await sql`delete from org_group_members where user_id = ${userId}::uuid and group_id in (select id from org_groups where org_id = ${orgId}::uuid)`.execute(db);
    const result = await db.deleteFrom('org_members').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async ownerCount(db: Db, orgId: string): Promise<number> {
    const row = await db.selectFrom('org_members').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).where('role', '=', 'owner').executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // ---- groups ---------------------------------------------------------------------------------

  async groups(db: Db, orgId: string): Promise<GroupRow[]> {
    const result = await sql<GroupRow>`
      select g.*, coalesce((
               select json_agg(json_build_object('user_id', u.id, 'username', u.username, 'display_name', u.display_name) order by lower(u.username))
                 from org_group_members gm join users u on u.id = gm.user_id where gm.group_id = g.id
             ), '[]'::json) as members
        from org_groups g where g.org_id = ${orgId}::uuid
       order by lower(g.name), g.id`.execute(db);
    return result.rows;
  }

  async getGroup(db: Db, orgId: string, groupId: string): Promise<OrgGroup | undefined> {
    return db.selectFrom('org_groups').selectAll().where('org_id', '=', orgId).where('id', '=', groupId).executeTakeFirst();
  }

  async groupByName(db: Db, orgId: string, name: string): Promise<OrgGroup | undefined> {
    return db.selectFrom('org_groups').selectAll().where('org_id', '=', orgId).where(sql`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
  }

  async insertGroup(db: Db, group: { id: string; org_id: string; name: string }): Promise<OrgGroup> {
    return db.insertInto('org_groups').values(group).returningAll().executeTakeFirstOrThrow();
  }

  async renameGroup(db: Db, groupId: string, name: string): Promise<void> {
    await db.updateTable('org_groups').set({ name }).where('id', '=', groupId).execute();
  }

  async deleteGroup(db: Db, groupId: string): Promise<void> {
    await db.deleteFrom('org_groups').where('id', '=', groupId).execute();
  }

  async addToGroup(db: Db, groupId: string, userId: string): Promise<void> {
    await db.insertInto('org_group_members').values({ group_id: groupId, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
  }

  async removeFromGroup(db: Db, groupId: string, userId: string): Promise<boolean> {
    const result = await db.deleteFrom('org_group_members').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // ---- spaces ---------------------------------------------------------------------------------

  /** The caller's personal space and every organisation space they hold a role on, by name. */
  async spacesOf(db: Db, userId: string): Promise<SpaceRow[]> {
    const result = await sql<SpaceRow & { support: string | null }>`
      select * from (
        select y.*, case when y.org_id is not null and y.my_role is null then coffer_support_access(y.id, ${userId}::uuid) end as support
          from (
            select s.*, case when s.org_id is null then null else coffer_space_role(s.id, ${userId}::uuid) end as my_role,
                   o.slug as org_slug, o.name as org_name, r.etag as root_etag
              from spaces s left join organisations o on o.id = s.org_id left join nodes r on r.id = s.root_node_id
             where s.owner_user_id = ${userId}::uuid
                or s.org_id in (select org_id from org_members where user_id = ${userId}::uuid)
                -- An instance admin in a support session is no member.
                or s.id in (select space_id from support_requests where requested_by = ${userId}::uuid and status = 'active')
          ) y
      ) x
       where x.org_id is null or x.my_role is not null or x.support is not null
       order by x.org_id is not null, lower(x.org_name), lower(x.name), x.id`.execute(db);
    return result.rows.map(({ support, ...row }) => ({ ...row, support_access: support?.startsWith('write:') ? 'write' : support ? 'read' : null }));
  }

  /** An organisation's spaces, with `userId`'s role on each (null where they hold none). */
  async spacesOfOrg(db: Db, orgId: string, userId: string): Promise<SpaceRow[]> {
    const result = await sql<SpaceRow>`
      select s.*, coffer_space_role(s.id, ${userId}::uuid) as my_role, o.slug as org_slug, o.name as org_name, r.etag as root_etag
        from spaces s join organisations o on o.id = s.org_id left join nodes r on r.id = s.root_node_id
       where s.org_id = ${orgId}::uuid
       order by lower(s.name), s.id`.execute(db);
    return result.rows;
  }

  async spaceByName(db: Db, orgId: string, name: string): Promise<Space | undefined> {
    return db.selectFrom('spaces').selectAll().where('org_id', '=', orgId).where(sql`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
  }

  async updateSpace(
    db: Db,
    spaceId: string,
    patch: { name?: string | undefined; quota_bytes?: number | null | undefined; trash_retention_days?: number | null | undefined; share_policy?: Space['share_policy'] | undefined },
  ): Promise<void> {
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length === 0) return;
    await db.updateTable('spaces').set(set).where('id', '=', spaceId).execute();
  }

  /** The blobs a space's versions use: what may be freed once the space is gone. */
  async spaceBlobIds(db: Db, spaceId: string): Promise<string[]> {
    const result = await sql<{ blob_id: string }>`
      select distinct v.blob_id from versions v join nodes n on n.id = v.node_id where n.space_id = ${spaceId}::uuid`.execute(db);
    return result.rows.map((r) => r.blob_id);
  }

  /** Deletes a space with everything in it (nodes, versions, shares, links, locks cascade). */
  async deleteSpace(db: Db, spaceId: string): Promise<void> {
    await db.deleteFrom('spaces').where('id', '=', spaceId).execute();
  }

  async spaceMembers(db: Db, spaceId: string): Promise<SpaceMemberRow[]> {
    return db
      .selectFrom('space_members as sm')
      .leftJoin('users as u', 'u.id', 'sm.user_id')
      .leftJoin('org_groups as g', 'g.id', 'sm.group_id')
      .select(['sm.id', 'sm.role', 'sm.user_id', 'u.username', 'u.display_name', 'sm.group_id', 'g.name as group_name', 'sm.created_at'])
      .where('sm.space_id', '=', spaceId)
      .orderBy(sql`sm.group_id is null`)
      .orderBy(sql`lower(coalesce(g.name, u.username))`)
      .execute();
  }

  async setSpaceMember(db: Db, row: { id: string; space_id: string; user_id: string | null; group_id: string | null; role: ShareRole }): Promise<string> {
    const existing = await db
      .selectFrom('space_members')
      .select('id')
      .where('space_id', '=', row.space_id)
      .where((eb) => (row.user_id !== null ? eb('user_id', '=', row.user_id) : eb('group_id', '=', row.group_id)))
      .executeTakeFirst();
    if (existing) {
      await db.updateTable('space_members').set({ role: row.role }).where('id', '=', existing.id).execute();
      return existing.id;
    }
    await db.insertInto('space_members').values(row).execute();
    return row.id;
  }

  async getSpaceMember(db: Db, spaceId: string, memberId: string): Promise<SpaceMemberRow | undefined> {
    return (await this.spaceMembers(db, spaceId)).find((m) => m.id === memberId);
  }

  async removeSpaceMember(db: Db, spaceId: string, memberId: string): Promise<boolean> {
    const result = await db.deleteFrom('space_members').where('space_id', '=', spaceId).where('id', '=', memberId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
