import { randomUUID } from 'node:crypto';
import type { CallContext } from '../core/context.js';
import { badRequest, conflict, notFound } from '../core/errors.js';
import { isUuid, normalizeName } from '../core/names.js';
import { parseLayout } from '../core/layout.js';
import type { PolicyRepository } from '../repositories/policy.repository.js';
import type { Organisation, ShareRole, Space } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { OrgRepository, SpaceMemberRow, SpaceRow } from '../repositories/org.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';
import type { AccessService } from './access.service.js';
import type { AuditService } from './audit.service.js';
import { orgChain, type OrgsService } from './orgs.service.js';
import { newEtag } from './tree.service.js';
import type { TrashService } from './trash.service.js';
import type { SpaceTemplatesService } from './space-templates.service.js';
import type { UploadSessionsService } from './upload-sessions.service.js';

export interface SpacesDeps {
  db: Db;
  orgs: OrgRepository;
  spaces: SpaceRepository;
  nodes: NodeRepository;
  versions: VersionRepository;
  access: AccessService;
  audit: AuditService;
  orgService: OrgsService;
  trash: TrashService;
  policies: PolicyRepository;
  templates: SpaceTemplatesService;
  uploads: UploadSessionsService;
}

export interface SpaceSettings {
  name?: string | undefined;
  /** Bytes; null: unlimited. */
  quotaBytes?: number | null | undefined;
  /** Days; 0 keeps trashed items until the trash is emptied; null takes the instance's default. */
  trashRetentionDays?: number | null | undefined;
  /** A path layout (see core/layout.ts); null removes it. */
  layout?: unknown;
  timestampNames?: boolean | undefined;
  /** A shipped template's name or a template given whole; the space takes its layout. */
  template?: unknown;
  /** What may be shared from the space (its organisation's owners and admins set it). */
  sharePolicy?: Space['share_policy'] | undefined;
}

/**
 * Spaces: a person's own, and an organisation's shared drives with their members. What is in a
 * space is the tree services' business; this is the space as a whole: who holds which role on
 * it, its quota, its trash retention, its making and its deletion.
 */
export class SpacesService {
  constructor(private readonly d: SpacesDeps) {}

  private get db() {
    return this.d.db;
  }

  /** The caller's own space and every organisation space they hold a role on. */
  async mine(ctx: CallContext): Promise<SpaceRow[]> {
    if (ctx.actor.link) return [];
    return this.d.orgs.spacesOf(this.db, ctx.actor.userId);
  }

  /** An organisation's spaces: all of them for its owners and admins, those they hold a role on for anyone else. */
  async ofOrg(ctx: CallContext, idOrSlug: string): Promise<SpaceRow[]> {
    const s = await this.d.orgService.standing(ctx, idOrSlug);
    const rows = await this.d.orgs.spacesOfOrg(this.db, s.org.id, ctx.actor.userId);
    // An instance admin who is no member sees that the spaces exist, never what is in them.
    if (s.role === null || s.role === 'owner' || s.role === 'admin') return rows;
    return rows.filter((r) => r.my_role !== null);
  }

  /** A space the caller holds a role on (or, for its organisation's admins and instance admins, may administer). */
  async get(ctx: CallContext, spaceId: string): Promise<SpaceRow> {
    const space = await this.d.access.requireSpace(ctx, spaceId, 'read').then(
      (r) => r.space,
      async (err: unknown) => {
        // An instance admin, or an organisation's admin holding no role on it (in a tenant), sees
        // an organisation's space as an entry, like its members list.
        const bare = isUuid(spaceId) ? await this.d.spaces.getById(this.db, spaceId).catch(() => undefined) : undefined;
        if (bare?.org_id && (ctx.actor.role === 'admin' || (await this.d.orgService.requireAdmin(ctx, bare.org_id).then(() => true, () => false)))) return bare;
        throw err;
      },
    );
    return this.row(ctx, space);
  }

  async create(ctx: CallContext, idOrSlug: string, settings: SpaceSettings & { name: string }): Promise<SpaceRow> {
    const { org } = await this.d.orgService.requireAdmin(ctx, idOrSlug);
    const name = spaceName(settings.name);
    const quota = checkQuota(settings.quotaBytes ?? null);
    const retention = checkRetention(settings.trashRetentionDays ?? null);
    const layout = settings.layout === undefined || settings.layout === null ? null : parseLayout(settings.layout).layout;
    const template = settings.template === undefined || settings.template === null ? null : this.d.templates.resolve(settings.template);
    if (template?.layout && layout) throw badRequest('Give a space a layout or a template with one, not both');
    const created = await this.db
      .transaction()
      .execute(async (tx) => {
        if (await this.d.orgs.spaceByName(tx, org.id, name)) throw conflict(`${org.name} has a space named "${name}" already`);
        const spaceId = randomUUID();
        const rootId = randomUUID();
        await tx
          .insertInto('spaces')
          .values({
            id: spaceId,
            kind: 'organization',
            org_id: org.id,
            owner_user_id: null,
            name,
            quota_bytes: quota,
            root_node_id: rootId,
            trash_retention_days: retention,
            layout: layout === null ? null : JSON.stringify(layout),
            timestamp_names: settings.timestampNames ?? false,
            share_policy: settings.sharePolicy ?? 'all',
          })
          .execute();
        await this.d.nodes.insert(tx, { id: rootId, space_id: spaceId, parent_id: null, name: '', kind: 'folder', etag: newEtag(), created_by: ctx.actor.userId });
        await this.d.audit.record(tx, ctx, { action: 'space.create', spaceId, detail: { org: org.id, name, quota, trashRetentionDays: retention } });
        if (template) await this.d.templates.applyIn(tx, ctx, spaceId, template);
        await this.d.audit.record(tx, ctx, { action: 'org.space.create', spaceId: orgChain(org.id), detail: { org: org.id, space: spaceId, name } });
        return spaceId;
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') throw conflict(`${org.name} has a space named "${name}" already`);
        throw err;
      });
    return this.get(ctx, created);
  }

  /**
   * Changes a space's name, quota or trash retention. Its managers rename it and set the
   * retention; the quota is its organisation's admins' to set.
   */
  async update(ctx: CallContext, spaceId: string, settings: SpaceSettings): Promise<SpaceRow> {
    // The quota and the sharing policy are the organisation's to set (and the quota the
    // instance's admins' too): no role on the space is needed, so a tenant's admins, who hold
    // none, and the provider's instance admins set a tenant's quota without seeing its files.
    const onlyAdminFields = settings.name === undefined && settings.trashRetentionDays === undefined && settings.layout === undefined && settings.timestampNames === undefined;
    const space = onlyAdminFields ? await this.spaceForAdmin(ctx, spaceId, settings.sharePolicy === undefined) : (await this.orgSpace(ctx, spaceId, 'manage')).space;
    const org = await this.orgOf(space);
    if (!onlyAdminFields && (settings.quotaBytes !== undefined || settings.sharePolicy !== undefined)) await this.d.orgService.requireAdmin(ctx, org.id);
    const name = settings.name === undefined ? undefined : spaceName(settings.name);
    const quota = settings.quotaBytes === undefined ? undefined : checkQuota(settings.quotaBytes);
    const retention = settings.trashRetentionDays === undefined ? undefined : checkRetention(settings.trashRetentionDays);
    const layout = settings.layout === undefined || settings.layout === null ? settings.layout : parseLayout(settings.layout).layout;
    await this.db
      .transaction()
      .execute(async (tx) => {
        await this.d.policies.setLayout(tx, space.id, { layout, timestamp_names: settings.timestampNames });
        if (name !== undefined) {
          const clash = await this.d.orgs.spaceByName(tx, org.id, name);
          if (clash && clash.id !== space.id) throw conflict(`${org.name} has a space named "${name}" already`);
        }
        await this.d.orgs.updateSpace(tx, space.id, { name, quota_bytes: quota, trash_retention_days: retention, share_policy: settings.sharePolicy });
        await this.d.audit.record(tx, ctx, {
          action: 'space.update',
          spaceId: space.id,
          detail: { name, quota, trashRetentionDays: retention, layout, timestampNames: settings.timestampNames, sharePolicy: settings.sharePolicy },
        });
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') throw conflict(`${org.name} has a space named "${name}" already`);
        throw err;
      });
    return this.get(ctx, space.id);
  }

  /** Deletes a space and purges everything in it; `confirm` repeats its name. Its organisation's admins may. */
  async delete(ctx: CallContext, spaceId: string, confirm: string): Promise<void> {
    const space = await this.spaceForAdmin(ctx, spaceId);
    if (confirm.trim() !== space.name) throw badRequest(`To delete the space "${space.name}" and everything in it, confirm with its name`);
    await this.purge(ctx, space);
  }

  /** Deletes every space of an organisation with its contents (the organisation's deletion); returns how many. */
  async purgeAllOf(ctx: CallContext, orgId: string): Promise<number> {
    const spaces = await this.db.selectFrom('spaces').selectAll().where('org_id', '=', orgId).execute();
    for (const space of spaces) await this.purge(ctx, space);
    return spaces.length;
  }

  private async purge(ctx: CallContext, space: Space): Promise<void> {
    const keys = await this.db.transaction().execute(async (tx) => {
      await this.d.spaces.lock(tx, space.id);
      const blobIds = await this.d.orgs.spaceBlobIds(tx, space.id);
      // Unfinished uploads into the space go with it; a job removes what they staged.
      await this.d.uploads.discardAll(tx, { spaceId: space.id });
      await this.d.orgs.deleteSpace(tx, space.id);
      const freed = await this.d.versions.deleteUnreferencedBlobs(tx, blobIds);
      await this.d.audit.record(tx, ctx, { action: 'space.delete', spaceId: space.id, bytes: space.used_bytes, detail: { name: space.name } });
      if (space.org_id) await this.d.audit.record(tx, ctx, { action: 'org.space.delete', spaceId: orgChain(space.org_id), detail: { org: space.org_id, space: space.id, name: space.name } });
      return freed;
    });
    await this.d.trash.deleteBlobs(keys);
  }

  // ---- members ------------------------------------------------------------------------------

  async members(ctx: CallContext, spaceId: string): Promise<SpaceMemberRow[]> {
    const { space } = await this.orgSpace(ctx, spaceId, 'read');
    return this.d.orgs.spaceMembers(this.db, space.id);
  }

  /** Gives a member of the organisation, or one of its groups, a role on the space (its managers may). */
  async setMember(ctx: CallContext, spaceId: string, who: { user?: string | undefined; group?: string | undefined }, role: ShareRole): Promise<SpaceMemberRow> {
    const { space } = await this.orgSpace(ctx, spaceId, 'manage');
    const org = await this.orgOf(space);
    if ((who.user === undefined) === (who.group === undefined)) throw badRequest('Name either a user or a group');
    return this.db.transaction().execute(async (tx) => {
      let userId: string | null = null;
      let groupId: string | null = null;
      let label: string;
      if (who.user !== undefined) {
        const user = await this.d.orgService.findUser(tx, who.user);
        if (!(await this.d.orgs.roleOf(tx, org.id, user.id))) throw badRequest(`${user.username} is not a member of ${org.name}; an admin adds them first`);
        userId = user.id;
        label = user.username;
      } else {
        const group = await this.d.orgService.mustGroup(tx, org, who.group!);
        groupId = group.id;
        label = `group ${group.name}`;
      }
      const id = await this.d.orgs.setSpaceMember(tx, { id: randomUUID(), space_id: space.id, user_id: userId, group_id: groupId, role });
      await this.d.audit.record(tx, ctx, { action: 'space.member.set', spaceId: space.id, detail: { member: label, role } });
      return (await this.d.orgs.getSpaceMember(tx, space.id, id))!;
    });
  }

  async removeMember(ctx: CallContext, spaceId: string, memberId: string): Promise<void> {
    const { space } = await this.orgSpace(ctx, spaceId, 'manage');
    await this.db.transaction().execute(async (tx) => {
      const member = await this.d.orgs.getSpaceMember(tx, space.id, memberId);
      if (!member || !(await this.d.orgs.removeSpaceMember(tx, space.id, memberId))) throw notFound(`No member ${memberId} of this space`);
      await this.d.audit.record(tx, ctx, { action: 'space.member.remove', spaceId: space.id, detail: { member: member.username ?? `group ${member.group_name ?? ''}`, role: member.role } });
    });
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** An organisation's space on which the caller holds `permission` (a personal space is no one's to administer so). */
  private async orgSpace(ctx: CallContext, spaceId: string, permission: 'read' | 'manage') {
    const found = await this.d.access.requireSpace(ctx, spaceId, permission);
    if (found.space.org_id === null) throw badRequest('This is a personal space: it has no members or settings of its own');
    return found;
  }

  /** A space of an organisation whose owners or admins include the caller. */
  private async spaceForAdmin(ctx: CallContext, spaceId: string, instanceAdmin = false): Promise<Space> {
    const space = isUuid(spaceId) ? await this.d.spaces.getById(this.db, spaceId) : undefined;
    if (!space || space.org_id === null) throw notFound(`No space with id ${spaceId}`);
    await this.d.orgService.requireAdmin(ctx, space.org_id, { instanceAdmin }).catch((err: unknown) => {
      throw err instanceof Error && 'status' in err && err.status === 404 ? notFound(`No space with id ${spaceId}`) : err;
    });
    return space;
  }

  private async orgOf(space: Space): Promise<Organisation> {
    const org = space.org_id ? await this.d.orgs.getById(this.db, space.org_id) : undefined;
    if (!org) throw notFound('This space belongs to no organisation');
    return org;
  }

  private async row(ctx: CallContext, space: Space): Promise<SpaceRow> {
    const root = space.root_node_id ? await this.d.nodes.getById(this.db, space.root_node_id) : undefined;
    const rootEtag = root?.etag ?? null;
    if (space.org_id === null) return { ...space, my_role: null, org_slug: null, org_name: null, root_etag: rootEtag };
    const org = await this.orgOf(space);
    const role = await this.d.access.spaceGrant(ctx, space);
    return {
      ...space,
      my_role: role?.source === 'member' ? role.role : null,
      support_access: role?.source === 'support' ? role.access : null,
      org_slug: org.slug,
      org_name: org.name,
      root_etag: rootEtag,
    };
  }
}

function spaceName(raw: string): string {
  const name = normalizeName(raw.trim());
  if (name.length > 200) throw badRequest('A space name is at most 200 characters');
  return name;
}

function checkQuota(quota: number | null): number | null {
  if (quota !== null && (!Number.isSafeInteger(quota) || quota < 0)) throw badRequest('The quota must be a whole number of bytes, or null for none');
  return quota;
}

function checkRetention(days: number | null): number | null {
  if (days !== null && (!Number.isInteger(days) || days < 0 || days > 36_500)) throw badRequest('Trash retention is a whole number of days up to 36500, 0 to keep items until the trash is emptied, or null for the default');
  return days;
}
