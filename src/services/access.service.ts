import { allows, permissionsOf, stronger, type Grant, type Permission } from '../core/access.js';
import { isOperator, type CallContext, type ServiceScope } from '../core/context.js';
import { forbidden, notFound } from '../core/errors.js';
import type { Node, Space } from '../db/schema.js';
import type { AccessRepository, NodeWithSources } from '../repositories/access.repository.js';
import type { Db, WalkedNode } from '../repositories/node.repository.js';

/** A live node the caller may reach, with its space, its path in that space and why it is reachable. */
export interface AccessibleNode {
  node: Node;
  space: Space;
  /** From the space's root: what the owner sees, and what audit events and locks record. */
  path: string;
  grant: Grant;
  /** The node and its ancestors, nearest first. */
  chain: Node[];
  /** The current version of a file, found in the same query. */
  current: { versionId: string; storeKey: string; sha1: string | null } | null;
}

const DENIED: Record<Permission, string> = {
  read: 'You can only add files here, not open them',
  list: 'You can only add files here, not see what is in this folder',
  create: 'You can view this folder but not add to it; ask its owner for editing rights',
  write: 'You can view this item but not change it; ask its owner for editing rights',
  delete: 'You cannot delete, rename or move this item',
  share: 'You cannot share this item; ask its owner',
  manage: 'Only the owner can change this',
  purge: 'You cannot delete this for good; it can go to the trash',
};

/**
 * The one answer to "may this actor do this to these nodes?" Every service asks here; no door or
 * service decides access itself. One query per batch, ancestors included, whatever the source.
 */
export class AccessService {
  constructor(
    private readonly db: Db,
    private readonly repo: AccessRepository,
  ) {}

  /**
   * The live nodes among `ids` the caller may reach at all, each with the strongest grant it
   * holds; ids that are unknown, trashed or out of reach are simply missing from the result.
   */
  async reachable(ctx: CallContext, ids: readonly string[], db: Db = this.db): Promise<Map<string, AccessibleNode>> {
    const { actor } = ctx;
    const found = await this.repo.locate(db, ids, actor.link || actor.service ? null : actor.userId);
    const out = new Map<string, AccessibleNode>();
    // The operator's grant stops at a tenant's spaces, like every admin's (only the CLI pays this query).
    const tenants = isOperator(actor) ? await this.repo.tenants(db, [...new Set([...found.values()].flatMap((f) => (f.space.org_id ? [f.space.org_id] : [])))]) : undefined;
    for (const [id, f] of found) {
      if (tenants && f.space.org_id && tenants.has(f.space.org_id)) continue;
      if (f.chain.some((n) => n.deleted_at !== null)) continue;
      const grant = grantOf(ctx, f);
      if (!grant) continue;
      // Every request a support session makes is audited (see the HTTP layer's hook).
      if (grant.source === 'support') ctx.supportSession = { requestId: grant.requestId, spaceId: grant.spaceId };
      out.set(id, toAccessible(f, grant));
    }
    return out;
  }

  /**
   * Every node of `ids`, each allowing `permission`, or an error: 404 for what the caller cannot
   * reach (so ids of other people's files reveal nothing), 403 for what they can see but not do.
   */
  async require(ctx: CallContext, permission: Permission, ids: readonly string[], db: Db = this.db): Promise<Map<string, AccessibleNode>> {
    const reached = await this.reachable(ctx, ids, db);
    for (const id of ids) {
      const item = reached.get(id);
      if (!item) throw notFound(`No file or folder with id ${id}`);
      this.assert(item, permission);
    }
    return reached;
  }

  async requireOne(ctx: CallContext, permission: Permission, id: string, db: Db = this.db): Promise<AccessibleNode> {
    return (await this.require(ctx, permission, [id], db)).get(id)!;
  }

  /**
   * A node reached by walking down from the root of a space: the caller's own, as its owner,
   * placed from the walk without another query. Undefined when the walk did not start at the
   * root of a space the caller owns (then ask by id). `walked` runs from the root down.
   */
  ownWalk(ctx: CallContext, space: Space, walked: readonly WalkedNode[]): AccessibleNode | undefined {
    const root = walked[0];
    if (ctx.actor.link || !root || root.id !== space.root_node_id || space.owner_user_id === null || space.owner_user_id !== ctx.actor.userId) return undefined;
    if (walked.some((n) => n.deleted_at !== null || n.space_id !== space.id)) return undefined;
    const chain = [...walked].reverse();
    const node = chain[0]!;
    return {
      node,
      space,
      path: spacePath(chain),
      grant: { source: 'owner' },
      chain,
      current: node.kind === 'file' && node.current_version_id && node.store_key ? { versionId: node.current_version_id, storeKey: node.store_key, sha1: node.sha1 } : null,
    };
  }

  /** Checks a permission on a node already located, without another query. */
  assert(item: Pick<AccessibleNode, 'grant' | 'node'>, permission: Permission): void {
    if (!allows(item.grant, permission, item.node.id)) throw forbidden(DENIED[permission]);
  }

  can(item: Pick<AccessibleNode, 'grant' | 'node'>, permission: Permission): boolean {
    return allows(item.grant, permission, item.node.id);
  }

  /**
   * The caller's grant on a whole space (its trash, its usage): its owner's, or a member's role
   * in an organisation's space. Null when the caller holds nothing there.
   */
  async spaceGrant(ctx: CallContext, space: Pick<Space, 'id' | 'owner_user_id' | 'org_id' | 'root_node_id'>, db: Db = this.db): Promise<Grant | null> {
    if (ctx.actor.link) return null;
    const { service } = ctx.actor;
    if (service) {
      // The space as a whole (its trash, its usage) is only an application's when its scope is all of it.
      const scope = service.scopes.find((s) => s.spaceId === space.id && s.prefix.length === 0);
      return scope && space.root_node_id ? { source: 'service', accountId: service.accountId, permissions: scope.permissions, rootId: space.root_node_id } : null;
    }
    if (space.owner_user_id !== null && space.owner_user_id === ctx.actor.userId) return { source: 'owner' };
    if (space.org_id === null || space.root_node_id === null) return null;
    if (isOperator(ctx.actor)) return (await this.repo.tenants(db, [space.org_id])).has(space.org_id) ? null : { source: 'operator', spaceId: space.id, rootId: space.root_node_id };
    const role = await this.repo.spaceRole(db, space.id, ctx.actor.userId);
    if (role) return { source: 'member', role, spaceId: space.id, rootId: space.root_node_id };
    const support = await this.repo.supportSession(db, space.id, ctx.actor.userId);
    if (!support) return null;
    ctx.supportSession = { requestId: support.requestId, spaceId: space.id };
    return { source: 'support', requestId: support.requestId, access: support.access, spaceId: space.id, rootId: space.root_node_id };
  }

  /**
   * A space whose whole (trash, usage, settings) the caller holds `permission` on: 404 for a space
   * they cannot reach at all, 403 for one they may see but not act on so.
   */
  async requireSpace(ctx: CallContext, spaceId: string, permission: Permission, db: Db = this.db): Promise<{ space: Space; grant: Grant }> {
    const space = await this.repo.space(db, spaceId);
    const grant = space ? await this.spaceGrant(ctx, space, db) : null;
    if (!space || !grant) throw notFound(`No space with id ${spaceId}`);
    // Measured on the space's contents, not its root: the root's own rules are about the root.
    if (!permissionsOf(grant).includes(permission)) throw forbidden(DENIED[permission]);
    return { space, grant };
  }
}

function grantOf(ctx: CallContext, f: NodeWithSources): Grant | null {
  if (!f.orgActive) return null;
  const { link, service } = ctx.actor;
  if (service) return serviceGrant(service.accountId, service.scopes, f);
  if (link) {
    // A space whose policy no longer allows links stops them at once.
    if (f.space.share_policy !== 'all') return null;
    return f.chain.some((n) => n.id === link.nodeId) ? { source: 'link', linkId: link.id, permission: link.permission, rootId: link.nodeId } : null;
  }
  if (f.space.owner_user_id !== null && f.space.owner_user_id === ctx.actor.userId) return { source: 'owner' };
  if (isOperator(ctx.actor)) return f.space.org_id !== null && f.space.root_node_id ? { source: 'operator', spaceId: f.space.id, rootId: f.space.root_node_id } : null;
  let best: Grant | null = f.memberRole && f.space.root_node_id ? { source: 'member', role: f.memberRole, spaceId: f.space.id, rootId: f.space.root_node_id } : null;
  if (f.space.share_policy !== 'off') {
    for (const s of f.shares) best = stronger(best, { source: 'share', shareId: s.id, role: s.role, rootId: s.nodeId, mountName: s.mountName });
  }
  if (!best && f.support && f.space.root_node_id) {
    best = { source: 'support', requestId: f.support.requestId, access: f.support.access, spaceId: f.space.id, rootId: f.space.root_node_id };
  }
  return best;
}

/** A service account's grant on a node: the scope of its space, when the node lies at or below the scope's folder. */
function serviceGrant(accountId: string, scopes: readonly ServiceScope[], f: NodeWithSources): Grant | null {
  const scope = scopes.find((s) => s.spaceId === f.space.id);
  if (!scope) return null;
  // The chain runs from the node up to the space's root: names from the top down, the root unnamed.
  const top = [...f.chain].reverse();
  if (top[0]?.id !== f.space.root_node_id || top.length - 1 < scope.prefix.length) return null;
  if (!scope.prefix.every((name, i) => top[i + 1]!.name === name)) return null;
  return { source: 'service', accountId, permissions: scope.permissions, rootId: top[scope.prefix.length]!.id };
}

function toAccessible(f: NodeWithSources, grant: Grant): AccessibleNode {
  return {
    node: f.node,
    space: f.space,
    path: spacePath(f.chain),
    grant,
    chain: f.chain,
    current: f.storeKey && f.versionId ? { versionId: f.versionId, storeKey: f.storeKey, sha1: f.sha1 } : null,
  };
}

/** "/a/b" from a chain of nodes nearest first (the root has no name in paths). */
export function spacePath(chain: { name: string; parent_id: string | null }[]): string {
  const names = chain.filter((n) => n.parent_id !== null).map((n) => n.name);
  return '/' + names.reverse().join('/');
}

/**
 * The path as the caller sees it: the owner's path in their space; for a share, below the share's
 * name in "Shared with me"; for a link, below the link's top.
 */
export function visiblePath(item: Pick<AccessibleNode, 'grant' | 'chain' | 'path'>, sharedFolderName: string): string {
  const { grant } = item;
  if (grant.source === 'owner' || grant.source === 'member' || grant.source === 'service' || grant.source === 'support' || grant.source === 'operator') return item.path;
  const below: string[] = [];
  for (const n of item.chain) {
    if (n.id === grant.rootId) break;
    below.unshift(n.name);
  }
  if (grant.source === 'link') return '/' + below.join('/');
  return '/' + [sharedFolderName, grant.mountName, ...below].join('/');
}
