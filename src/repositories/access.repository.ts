import { isUuid } from '../core/names.js';
import { sql } from 'kysely';
import type { Node, ShareRole, Space, SupportAccess } from '../db/schema.js';
import type { Db } from './node.repository.js';
import { spaceColumns, spaceFromColumns, splitSpaceColumns, type SpaceColumns } from './space-columns.js';

/** A node found for an access check: its space, its ancestors and every share of them with the actor. */
export interface NodeWithSources {
  node: Node;
  space: Space;
  /** The node and its ancestors, nearest first. */
  chain: Node[];
  /** The actor's role on the node's space when it is an organisation's (see coffer_space_role), else null. */
  memberRole: ShareRole | null;
  /** The actor's live support session on the space, where they hold no role there (see coffer_support_access). */
  support: SupportSession | null;
  /** False while the space's organisation is suspended: nothing in it is reachable, by any source. */
  orgActive: boolean;
  /** Unexpired shares with the actor on the node or an ancestor, nearest first. */
  shares: { id: string; nodeId: string; role: ShareRole; mountName: string }[];
  /** The current version's stored key and SHA-1 (files), so a download needs no second lookup. */
  storeKey: string | null;
  sha1: string | null;
  versionId: string | null;
}

export interface SupportSession {
  requestId: string;
  access: SupportAccess;
}

/** coffer_support_access answers "read:<request id>" or "write:<request id>". */
function supportOf(value: string | null): SupportSession | null {
  if (!value) return null;
  const [access, requestId] = value.split(':');
  return (access === 'read' || access === 'write') && requestId ? { access, requestId } : null;
}

type Row = Node & SpaceColumns & {
  target: string;
  depth: number;
  s_member_role: ShareRole | null;
  s_org_active: boolean | null;
  s_support: string | null;
  sh_id: string | null;
  sh_role: ShareRole | null;
  sh_mount: string | null;
  b_store_key: string | null;
  v_sha1: string | null;
};

/** SQL for the access check: every source of access to a batch of nodes, in one query. */
export class AccessRepository {
  /**
   * The nodes with their ancestors (the path up is needed for trash state and paths anyway), the
   * space, the actor's shares anywhere along the way and the current version's blob. An owner's
   * request pays only for index probes on `shares` that find nothing: no extra round trip.
   */
  async locate(db: Db, ids: readonly string[], userId: string | null): Promise<Map<string, NodeWithSources>> {
    const out = new Map<string, NodeWithSources>();
    if (ids.length === 0) return out;
    const result = await sql<Row>`
      with recursive up as (
        select n.*, n.id as target, 0 as depth from nodes n where n.id = any(${[...ids]}::uuid[])
        union all
        select n.*, up.target, up.depth + 1
          from up cross join lateral (select * from nodes p where p.id = up.parent_id limit 1) n
      )
      -- Each lookup is a lateral probe of one index (limit 1), a plan that stays right whatever
      -- the table sizes were when the statement was prepared.
      select up.*, ${spaceColumns('s')}, s.member_role as s_member_role, s.org_active as s_org_active, s.support as s_support,
             sh.id as sh_id, sh.role as sh_role, sh.mount_name as sh_mount,
             vb.store_key as b_store_key, vb.sha1 as v_sha1
        from up
        left join lateral (
          select s.*,
                 -- Asked only of an organisation's space where the caller holds no role: the rare case.
                 case when s.org_id is not null and s.member_role is null then coffer_support_access(s.id, ${userId}::uuid) end as support
            from (
              select s.*, case when s.org_id is not null then coffer_space_role(s.id, ${userId}::uuid) end as member_role,
                     s.org_id is null or exists (select 1 from organisations o where o.id = s.org_id and o.status = 'active') as org_active
                from spaces s where up.depth = 0 and s.id = up.space_id limit 1
            ) s
        ) s on true
        left join lateral (
          select sh.id, sh.role, sh.mount_name from shares sh
           where sh.node_id = up.id and sh.recipient_id = ${userId}::uuid
             and (sh.expires_at is null or sh.expires_at > now())
           limit 1
        ) sh on true
        left join lateral (
          select b.store_key, v.sha1 from versions v join blobs b on b.id = v.blob_id
           where up.depth = 0 and v.id = up.current_version_id
           limit 1
        ) vb on true
       order by up.target, up.depth`.execute(db);
    for (const row of result.rows) {
      const { space: columns, rest } = splitSpaceColumns(row);
      const { target, depth, s_member_role, s_org_active, s_support, sh_id, sh_role, sh_mount, b_store_key, v_sha1, ...node } = rest;
      let entry = out.get(target);
      if (Number(depth) === 0) {
        const space = spaceFromColumns(node.space_id, columns);
        if (!space) continue;
        entry = {
          node,
          space,
          chain: [],
          memberRole: s_member_role,
          support: supportOf(s_support),
          orgActive: s_org_active !== false,
          shares: [],
          storeKey: b_store_key,
          sha1: v_sha1,
          versionId: node.current_version_id,
        };
        out.set(target, entry);
      }
      if (!entry) continue;
      entry.chain.push(node);
      if (sh_id && sh_role && sh_mount !== null) entry.shares.push({ id: sh_id, nodeId: node.id, role: sh_role, mountName: sh_mount });
    }
    return out;
  }

  /** The user's role on an organisation's space (see coffer_space_role in migration 0014), or null. */
  async spaceRole(db: Db, spaceId: string, userId: string): Promise<ShareRole | null> {
    const result = await sql<{ role: ShareRole | null }>`select coffer_space_role(${spaceId}::uuid, ${userId}::uuid) as role`.execute(db);
    return result.rows[0]?.role ?? null;
  }

  /** The user's live support session on a space, or null. */
  async supportSession(db: Db, spaceId: string, userId: string): Promise<SupportSession | null> {
    const result = await sql<{ access: string | null }>`select coffer_support_access(${spaceId}::uuid, ${userId}::uuid) as access`.execute(db);
    return supportOf(result.rows[0]?.access ?? null);
  }

  /** Which of these organisations are tenants. */
  async tenants(db: Db, orgIds: readonly string[]): Promise<Set<string>> {
    if (orgIds.length === 0) return new Set();
    const rows = await db.selectFrom('organisations').select('id').where('id', 'in', [...orgIds]).where('tenant', '=', true).execute();
    return new Set(rows.map((r) => r.id));
  }

  async space(db: Db, spaceId: string): Promise<Space | undefined> {
    if (!isUuid(spaceId)) return undefined;
    return db.selectFrom('spaces').selectAll().where('id', '=', spaceId).executeTakeFirst();
  }
}
