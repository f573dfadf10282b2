import { isUuid } from '../core/names.js';
import { randomUUID } from 'node:crypto';
import { isOperator, type CallContext } from '../core/context.js';
import { badRequest, conflict, forbidden, notFound } from '../core/errors.js';
import type { Organisation, OrgRole, User } from '../db/schema.js';
import type { Db } from '../repositories/node.repository.js';
import type { GroupRow, OrgMemberRow, OrgRepository, OrgRow } from '../repositories/org.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import type { AuditService } from './audit.service.js';
import type { SpacesService } from './spaces.service.js';

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const ROLE_RANK: Record<OrgRole, number> = { guest: 0, member: 1, admin: 2, owner: 3 };

/** The audit chain of an organisation's own events (members, groups, spaces made or removed). */
export function orgChain(orgId: string): string {
  return `org:${orgId}`;
}

export interface OrgsDeps {
  db: Db;
  orgs: OrgRepository;
  users: UserRepository;
  audit: AuditService;
  spaces: () => SpacesService;
}

/** Where the caller stands in an organisation: their role, or an instance admin's view from outside. */
export interface OrgStanding {
  org: Organisation;
  role: OrgRole | null;
  instanceAdmin: boolean;
}

/**
 * Organisations: who belongs to them and with which role, and their groups. Instance admins
 * create, suspend and delete organisations and see them listed, never their files; an
 * organisation's owners and admins run its members, groups and spaces.
 */
export class OrgsService {
  constructor(private readonly d: OrgsDeps) {}

  private get db() {
    return this.d.db;
  }

  /** The organisation by id or slug, with the caller's standing; 404 for one they have nothing to do with. */
  async standing(ctx: CallContext, idOrSlug: string, db: Db = this.db): Promise<OrgStanding> {
    if (ctx.actor.link) throw notFound(`No organisation "${idOrSlug}"`);
    const org = isUuid(idOrSlug) ? await this.d.orgs.getById(db, idOrSlug) : await this.d.orgs.getBySlug(db, idOrSlug.toLowerCase());
    // The operator at the command line stands as an owner in every organisation (see isOperator),
    // but as an admin in a tenant: what gives access to a tenant's files is its owners' call.
    const role = !org ? null : isOperator(ctx.actor) ? (org.tenant ? 'admin' : 'owner') : ((await this.d.orgs.roleOf(db, org.id, ctx.actor.userId)) ?? null);
    const instanceAdmin = ctx.actor.role === 'admin';
    if (!org || (role === null && !instanceAdmin)) throw notFound(`No organisation "${idOrSlug}"`);
    return { org, role, instanceAdmin };
  }

  /** As standing, for what only the organisation's owners and admins may do (and, where allowed, instance admins). */
  async requireAdmin(ctx: CallContext, idOrSlug: string, options: { instanceAdmin?: boolean; db?: Db } = {}): Promise<OrgStanding> {
    const s = await this.standing(ctx, idOrSlug, options.db);
    if (s.role === 'owner' || s.role === 'admin') return s;
    if (options.instanceAdmin && s.instanceAdmin) return s;
    throw forbidden(`Only owners and admins of ${s.org.name} can do this`);
  }

  /**
   * As requireAdmin, for what gives access to files (groups, which carry space roles; service
   * accounts): in a tenant organisation only its owners may.
   */
  async requireContentAdmin(ctx: CallContext, idOrSlug: string): Promise<OrgStanding> {
    const s = await this.requireAdmin(ctx, idOrSlug);
    if (s.org.tenant && s.role !== 'owner') throw forbidden(`${s.org.name} keeps its files to those its owners let in: only its owners can do this`);
    return s;
  }

  /** Organisations the caller belongs to; an instance admin with `all` sees every one. */
  async list(ctx: CallContext, all: boolean): Promise<OrgRow[]> {
    if (ctx.actor.link) return [];
    if (all && ctx.actor.role !== 'admin') throw forbidden('Only instance administrators can list every organisation');
    return this.d.orgs.list(this.db, ctx.actor.userId, all);
  }

  async get(ctx: CallContext, idOrSlug: string): Promise<OrgRow> {
    const { org } = await this.standing(ctx, idOrSlug);
    const [row] = await this.d.orgs.list(this.db, ctx.actor.userId, true, org.id);
    if (!row) throw notFound(`No organisation "${idOrSlug}"`);
    return row;
  }

  /** An instance admin makes an organisation with its first owner. */
  async create(ctx: CallContext, input: { slug: string; name: string; owner: string; tenant?: boolean | undefined }): Promise<Organisation> {
    if (ctx.actor.role !== 'admin') throw forbidden('Only instance administrators can create organisations');
    const slug = input.slug.trim().toLowerCase();
    if (!SLUG.test(slug)) throw badRequest('An organisation handle is 2–63 characters: lower-case letters, digits and "-", starting with a letter or digit');
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200) throw badRequest('An organisation name is 1–200 characters');
    const created = this.db.transaction().execute(async (tx) => {
      const owner = await this.findUser(tx, input.owner);
      if (await this.d.orgs.getBySlug(tx, slug)) throw conflict(`The handle "${slug}" is taken`);
      const org = await this.d.orgs.insert(tx, { id: randomUUID(), slug, name, tenant: input.tenant ?? false });
      await this.d.orgs.setMember(tx, org.id, owner.id, 'owner');
      await this.d.audit.record(tx, ctx, { action: 'org.create', spaceId: orgChain(org.id), detail: { org: org.id, slug, name, owner: owner.username, tenant: input.tenant ?? false } });
      return org;
    });
    return created.catch((err: unknown) => {
      if ((err as { code?: string }).code === '23505') throw conflict(`The handle "${slug}" is taken`);
      throw err;
    });
  }

  /**
   * Renames, sets the signed URLs' longest life, or makes the organisation a tenant or not. Only
   * its owners end tenancy (that gives its admins its files); owners, admins and instance admins
   * may begin it.
   */
  async update(ctx: CallContext, idOrSlug: string, patch: { name?: string | undefined; signedUrlMaxSeconds?: number | undefined; tenant?: boolean | undefined }): Promise<Organisation> {
    const s = await this.requireAdmin(ctx, idOrSlug, { instanceAdmin: patch.tenant === true && patch.name === undefined && patch.signedUrlMaxSeconds === undefined });
    const { org } = s;
    if (patch.tenant === false && org.tenant && s.role !== 'owner') throw forbidden(`Only owners of ${org.name} can end its tenancy: that lets its admins read its files`);
    const name = patch.name?.trim();
    if (name !== undefined && (name.length === 0 || name.length > 200)) throw badRequest('An organisation name is 1–200 characters');
    const max = patch.signedUrlMaxSeconds;
    if (max !== undefined && (!Number.isInteger(max) || max < 60 || max > 604_800)) throw badRequest('Signed URLs may live between 60 seconds and 7 days');
    return this.db.transaction().execute(async (tx) => {
      const updated = await this.d.orgs.update(tx, org.id, { name, signed_url_max_seconds: max, tenant: patch.tenant });
      await this.d.audit.record(tx, ctx, { action: 'org.update', spaceId: orgChain(org.id), detail: { org: org.id, name, signedUrlMaxSeconds: max, tenant: patch.tenant } });
      return updated;
    });
  }

  /** Suspending stops every access to the organisation's spaces at once, on every server; the data stays. */
  async setStatus(ctx: CallContext, idOrSlug: string, status: 'active' | 'suspended'): Promise<Organisation> {
    if (ctx.actor.role !== 'admin') throw forbidden('Only instance administrators can suspend or reactivate organisations');
    const { org } = await this.standing(ctx, idOrSlug);
    return this.db.transaction().execute(async (tx) => {
      const updated = await this.d.orgs.update(tx, org.id, { status });
      await this.d.audit.record(tx, ctx, { action: status === 'suspended' ? 'org.suspend' : 'org.reactivate', spaceId: orgChain(org.id), detail: { org: org.id, slug: org.slug } });
      return updated;
    });
  }

  /**
   * Deletes the organisation and purges everything in its spaces. `confirm` must repeat its
   * handle. Instance admins and the organisation's owners may.
   */
  async delete(ctx: CallContext, idOrSlug: string, confirm: string): Promise<{ spaces: number }> {
    const s = await this.standing(ctx, idOrSlug);
    if (s.role !== 'owner' && !s.instanceAdmin) throw forbidden(`Only owners of ${s.org.name} or an instance administrator can delete it`);
    if (confirm.trim().toLowerCase() !== s.org.slug) throw badRequest(`To delete ${s.org.name} and everything in it, confirm with its handle "${s.org.slug}"`);
    const spaces = await this.d.spaces().purgeAllOf(ctx, s.org.id);
    await this.db.transaction().execute(async (tx) => {
      await this.d.orgs.delete(tx, s.org.id);
      // The organisation's chain outlives it: the record of who deleted it stays verifiable.
      await this.d.audit.record(tx, ctx, { action: 'org.delete', spaceId: orgChain(s.org.id), detail: { org: s.org.id, slug: s.org.slug, spaces } });
    });
    return { spaces };
  }

  /**
   * The audit chains an organisation's owners and admins may read: the organisation's own and
   * each of its spaces' (a deleted space's chain stays verifiable, its deletion is in the org's).
   */
  async auditChains(ctx: CallContext, idOrSlug: string): Promise<string[]> {
    const { org } = await this.requireAdmin(ctx, idOrSlug);
    const spaces = await this.db.selectFrom('spaces').select('id').where('org_id', '=', org.id).execute();
    return [orgChain(org.id), ...spaces.map((s) => s.id)];
  }

  // ---- members ------------------------------------------------------------------------------

  async members(ctx: CallContext, idOrSlug: string): Promise<OrgMemberRow[]> {
    const { org } = await this.standing(ctx, idOrSlug);
    return this.d.orgs.members(this.db, org.id);
  }

  /**
   * Adds a user with a role, or changes a member's role. Admins manage members and guests;
   * only owners make or unmake owners and admins, and the last owner stays an owner.
   */
  async setMember(ctx: CallContext, idOrSlug: string, who: string, role: OrgRole): Promise<OrgMemberRow> {
    const s = await this.requireAdmin(ctx, idOrSlug);
    return this.db.transaction().execute(async (tx) => {
      await this.d.orgs.lock(tx, s.org.id);
      const user = await this.findUser(tx, who);
      const current = await this.d.orgs.roleOf(tx, s.org.id, user.id);
      const highest = Math.max(ROLE_RANK[role], current ? ROLE_RANK[current] : 0);
      if (highest >= ROLE_RANK.admin && s.role !== 'owner') throw forbidden('Only owners can make or change owners and admins');
      if (current === 'owner' && role !== 'owner' && (await this.d.orgs.ownerCount(tx, s.org.id)) <= 1) {
        throw conflict(`${user.username} is the last owner of ${s.org.name}; make someone else an owner first`);
      }
      await this.d.orgs.setMember(tx, s.org.id, user.id, role);
      await this.d.audit.record(tx, ctx, {
        action: current ? 'org.member.update' : 'org.member.add',
        spaceId: orgChain(s.org.id),
        detail: { org: s.org.id, user: user.username, role, ...(current ? { from: current } : {}) },
      });
      return (await this.d.orgs.members(tx, s.org.id)).find((m) => m.user_id === user.id)!;
    });
  }

  /**
   * Takes a member out (an admin's act, or the member leaving). From the next request on they
   * reach nothing of the organisation's, on every server; their roles on its spaces go too.
   */
  async removeMember(ctx: CallContext, idOrSlug: string, who: string): Promise<void> {
    const s = await this.standing(ctx, idOrSlug);
    await this.db.transaction().execute(async (tx) => {
      await this.d.orgs.lock(tx, s.org.id);
      const user = await this.findUser(tx, who);
      const self = user.id === ctx.actor.userId;
      const current = await this.d.orgs.roleOf(tx, s.org.id, user.id);
      if (!current) throw notFound(`${user.username} is not a member of ${s.org.name}`);
      if (!self) {
        if (s.role !== 'owner' && s.role !== 'admin') throw forbidden(`Only owners and admins of ${s.org.name} can remove members`);
        if (ROLE_RANK[current] >= ROLE_RANK.admin && s.role !== 'owner') throw forbidden('Only owners can remove owners and admins');
      }
      if (current === 'owner' && (await this.d.orgs.ownerCount(tx, s.org.id)) <= 1) {
        throw conflict(`${user.username} is the last owner of ${s.org.name}; make someone else an owner first`);
      }
      await this.d.orgs.removeMember(tx, s.org.id, user.id);
      await this.d.audit.record(tx, ctx, { action: self ? 'org.member.leave' : 'org.member.remove', spaceId: orgChain(s.org.id), detail: { org: s.org.id, user: user.username, role: current } });
    });
  }

  // ---- groups -------------------------------------------------------------------------------

  async groups(ctx: CallContext, idOrSlug: string): Promise<GroupRow[]> {
    const { org } = await this.standing(ctx, idOrSlug);
    return this.d.orgs.groups(this.db, org.id);
  }

  async createGroup(ctx: CallContext, idOrSlug: string, name: string): Promise<GroupRow> {
    const { org } = await this.requireContentAdmin(ctx, idOrSlug);
    const clean = groupName(name);
    return this.db.transaction().execute(async (tx) => {
      await this.d.orgs.lock(tx, org.id);
      if (await this.d.orgs.groupByName(tx, org.id, clean)) throw conflict(`${org.name} has a group named "${clean}" already`);
      const group = await this.d.orgs.insertGroup(tx, { id: randomUUID(), org_id: org.id, name: clean });
      await this.d.audit.record(tx, ctx, { action: 'org.group.create', spaceId: orgChain(org.id), detail: { org: org.id, group: group.id, name: clean } });
      return { ...group, members: [] };
    });
  }

  async renameGroup(ctx: CallContext, idOrSlug: string, groupId: string, name: string): Promise<GroupRow> {
    const { org } = await this.requireContentAdmin(ctx, idOrSlug);
    const clean = groupName(name);
    return this.db.transaction().execute(async (tx) => {
      await this.d.orgs.lock(tx, org.id);
      const group = await this.mustGroup(tx, org, groupId);
      const clash = await this.d.orgs.groupByName(tx, org.id, clean);
      if (clash && clash.id !== group.id) throw conflict(`${org.name} has a group named "${clean}" already`);
      await this.d.orgs.renameGroup(tx, group.id, clean);
      await this.d.audit.record(tx, ctx, { action: 'org.group.rename', spaceId: orgChain(org.id), detail: { org: org.id, group: group.id, from: group.name, name: clean } });
      return (await this.d.orgs.groups(tx, org.id)).find((g) => g.id === group.id)!;
    });
  }

  async deleteGroup(ctx: CallContext, idOrSlug: string, groupId: string): Promise<void> {
    const { org } = await this.requireContentAdmin(ctx, idOrSlug);
    await this.db.transaction().execute(async (tx) => {
      const group = await this.mustGroup(tx, org, groupId);
      await this.d.orgs.deleteGroup(tx, group.id);
      await this.d.audit.record(tx, ctx, { action: 'org.group.delete', spaceId: orgChain(org.id), detail: { org: org.id, group: group.id, name: group.name } });
    });
  }

  /** Puts a member of the organisation into one of its groups (or takes them out). */
  async setGroupMember(ctx: CallContext, idOrSlug: string, groupId: string, who: string, inGroup: boolean): Promise<GroupRow> {
    const { org } = await this.requireContentAdmin(ctx, idOrSlug);
    return this.db.transaction().execute(async (tx) => {
      await this.d.orgs.lock(tx, org.id);
      const group = await this.mustGroup(tx, org, groupId);
      const user = await this.findUser(tx, who);
      if (inGroup) {
        if (!(await this.d.orgs.roleOf(tx, org.id, user.id))) throw badRequest(`${user.username} is not a member of ${org.name}; add them to it first`);
        await this.d.orgs.addToGroup(tx, group.id, user.id);
      } else if (!(await this.d.orgs.removeFromGroup(tx, group.id, user.id))) {
        throw notFound(`${user.username} is not in the group "${group.name}"`);
      }
      await this.d.audit.record(tx, ctx, {
        action: inGroup ? 'org.group.member.add' : 'org.group.member.remove',
        spaceId: orgChain(org.id),
        detail: { org: org.id, group: group.id, user: user.username },
      });
      return (await this.d.orgs.groups(tx, org.id)).find((g) => g.id === group.id)!;
    });
  }

  async mustGroup(db: Db, org: Organisation, groupId: string) {
    const group = isUuid(groupId) ? await this.d.orgs.getGroup(db, org.id, groupId) : await this.d.orgs.groupByName(db, org.id, groupId);
    if (!group) throw notFound(`${org.name} has no group "${groupId}"`);
    return group;
  }

  /** A live account by id, username or email. */
  async findUser(db: Db, who: string): Promise<User> {
    const key = who.trim();
    const user = isUuid(key) ? await this.d.users.getById(db, key) : await this.d.users.findByLogin(db, key);
    if (!user || user.status === 'deleted') throw notFound(`No user "${who}"`);
    return user;
  }
}

function groupName(name: string): string {
  const clean = name.trim();
  if (clean.length === 0 || clean.length > 200) throw badRequest('A group name is 1–200 characters');
  return clean;
}
