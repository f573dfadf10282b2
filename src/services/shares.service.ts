import { randomUUID } from 'node:crypto';
import { ROLE_RANK } from '../core/access.js';
import type { CallContext } from '../core/context.js';
import { badRequest, CofferError, conflict, forbidden, notFound, sharingOff } from '../core/errors.js';
import { numberedName } from '../core/names.js';
import type { Node, ShareRole } from '../db/schema.js';
import type { Db } from '../repositories/node.repository.js';
import type { ShareRepository, ShareRow } from '../repositories/share.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import type { AccessService } from './access.service.js';
import type { AuditService } from './audit.service.js';
import { isUuid, type TreeService } from './tree.service.js';

export interface ShareInput {
  nodeId: string;
  /** Username or user id of the person to share with. */
  recipient: string;
  role: ShareRole;
  expiresAt?: Date | null | undefined;
}

/** A share the caller received, with the node as it is now. */
export interface IncomingShare {
  share: ShareRow;
  node: Node;
}

/**
 * Shares of files and folders with other people: who may give which role, the names recipients
 * see them under, changing and revoking. Access itself is decided by the access service, which
 * reads these rows; nothing here is consulted on a file request.
 */
export class SharesService {
  constructor(
    private readonly d: { db: Db; tree: TreeService; access: AccessService; shares: ShareRepository; users: UserRepository; audit: AuditService },
  ) {}

  async create(ctx: CallContext, input: ShareInput): Promise<ShareRow> {
    const item = await this.d.tree.byId(ctx, input.nodeId, 'share');
    if (item.space.share_policy === 'off') throw sharingOff('Nothing in this space may be shared');
    if (item.node.parent_id === null) throw badRequest('Your top folder cannot be shared; share the folders or files in it');
    this.assertRoleWithin(item.grant, input.role);
    const expiresAt = futureOrNull(input.expiresAt);
    const recipient = isUuid(input.recipient)
      ? await this.d.users.getById(this.d.db, input.recipient)
      : await this.d.users.findByLogin(this.d.db, input.recipient);
    // By username only: an email address must not tell who has an account here.
    const byName = recipient && (isUuid(input.recipient) || recipient.username.toLowerCase() === input.recipient.trim().toLowerCase());
    if (!recipient || !byName || recipient.status !== 'active') {
      throw notFound(`There is no active user "${input.recipient}" to share with`);
    }
    if (recipient.id === ctx.actor.userId) throw badRequest('You cannot share something with yourself');
    if (recipient.id === item.space.owner_user_id) throw badRequest(`${recipient.username} owns this item already`);
    return this.d.db.transaction().execute(async (tx) => {
      if (await this.d.shares.existing(tx, item.node.id, recipient.id)) {
        throw conflict(`"${item.node.name}" is already shared with ${recipient.username}; change that share instead`);
      }
      const id = randomUUID();
      const mountName = await this.freeMountName(tx, recipient.id, item.node.name, item.node.kind === 'folder');
      await this.d.shares.insert(tx, {
        id,
        node_id: item.node.id,
        space_id: item.space.id,
        created_by: ctx.actor.userId,
        recipient_id: recipient.id,
        role: input.role,
        mount_name: mountName,
        expires_at: expiresAt,
      });
      await this.d.audit.record(tx, ctx, {
        action: 'share.create',
        nodeId: item.node.id,
        path: item.path,
        detail: { share: id, recipient: recipient.username, role: input.role, ...(expiresAt ? { expires_at: expiresAt.toISOString() } : {}) },
      });
      return (await this.d.shares.getById(tx, id))!;
    });
  }

  /** Everyone an item is shared with; for those who may share it. */
  async forNode(ctx: CallContext, nodeId: string): Promise<ShareRow[]> {
    const item = await this.d.tree.byId(ctx, nodeId, 'share');
    return this.d.shares.forNode(this.d.db, item.node.id);
  }

  /** What others share with the caller and can be reached now (not expired, not in the owner's trash). */
  async incoming(ctx: CallContext): Promise<IncomingShare[]> {
    if (ctx.actor.link) return [];
    const rows = await this.d.shares.incoming(this.d.db, ctx.actor.userId);
    const reachable = await this.d.access.reachable(ctx, rows.map((r) => r.node_id));
    return rows.flatMap((share) => {
      const item = reachable.get(share.node_id);
      return item ? [{ share, node: item.node }] : [];
    });
  }

  /** Shares of the caller's own items, and shares the caller made of items shared with them. */
  async outgoing(ctx: CallContext): Promise<ShareRow[]> {
    if (ctx.actor.link) return [];
    return this.d.shares.outgoing(this.d.db, ctx.actor.userId);
  }

  async get(ctx: CallContext, id: string): Promise<ShareRow> {
    const share = isUuid(id) ? await this.d.shares.getById(this.d.db, id) : undefined;
    if (!share) throw notFound(`No share with id ${id}`);
    if (share.recipient_id === ctx.actor.userId && !ctx.actor.link) return share;
    await this.requireManaging(ctx, share);
    return share;
  }

  /**
   * The id of the share with this number (what the Nextcloud apps call a share), or undefined;
   * `get` then decides whether the caller may see it.
   */
  async idOfNumber(number: number): Promise<string | undefined> {
    return Number.isSafeInteger(number) && number > 0 ? this.d.shares.idByNumber(this.d.db, number) : undefined;
  }

  async update(ctx: CallContext, id: string, patch: { role?: ShareRole | undefined; expiresAt?: Date | null | undefined }): Promise<ShareRow> {
    const share = await this.get(ctx, id);
    const item = await this.requireManaging(ctx, share);
    if (patch.role !== undefined) this.assertRoleWithin(item.grant, patch.role);
    const expiresAt = patch.expiresAt === undefined ? undefined : futureOrNull(patch.expiresAt);
    return this.d.db.transaction().execute(async (tx) => {
      await this.d.shares.update(tx, share.id, {
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
      });
      await this.d.audit.record(tx, ctx, {
        action: 'share.update',
        nodeId: share.node_id,
        path: item.path,
        detail: { share: share.id, recipient: share.recipient_username, ...(patch.role ? { role: patch.role } : {}), ...(expiresAt !== undefined ? { expires_at: expiresAt?.toISOString() ?? null } : {}) },
      });
      const fresh = await this.d.shares.getById(tx, share.id);
      if (!fresh) throw notFound(`No share with id ${id}`);
      return fresh;
    });
  }

  /** Revokes a share (its owner or whoever made it) or leaves it (its recipient). */
  async remove(ctx: CallContext, id: string): Promise<'revoked' | 'left'> {
    const share = isUuid(id) ? await this.d.shares.getById(this.d.db, id) : undefined;
    if (!share) throw notFound(`No share with id ${id}`);
    const leaving = share.recipient_id === ctx.actor.userId && !ctx.actor.link;
    const item = leaving ? null : await this.requireManaging(ctx, share);
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.shares.delete(tx, share.id))) throw notFound(`No share with id ${id}`);
      await this.d.audit.record(tx, ctx, {
        action: leaving ? 'share.leave' : 'share.revoke',
        nodeId: share.node_id,
        ...(item ? { path: item.path } : {}),
        detail: { share: share.id, recipient: share.recipient_username, role: share.role },
      });
    });
    return leaving ? 'left' : 'revoked';
  }

  /** A tag that changes whenever anything the caller sees in "Shared with me" changes; null with no shares. */
  async tag(ctx: CallContext): Promise<string | null> {
    if (ctx.actor.link) return null;
    return this.d.shares.tagOf(this.d.db, ctx.actor.userId);
  }

  /** People to share with, by the start of their name (never by email). */
  async searchUsers(ctx: CallContext, query: string, limit = 10) {
    if (ctx.actor.link) throw forbidden('A link gives access to its own item only');
    if (query.trim().length < 1) return [];
    const found = await this.d.users.searchActive(this.d.db, query, limit + 1);
    return found.filter((u) => u.id !== ctx.actor.userId).slice(0, limit);
  }

  /** The owner manages every share of their items; anyone else only the shares they made. */
  private async requireManaging(ctx: CallContext, share: ShareRow) {
    const item = await this.d.tree.byId(ctx, share.node_id, 'share').catch((err: unknown) => {
      // Who can see the item but not share it learns no more than that; others not even that.
      if (err instanceof CofferError && err.status === 403) throw forbidden('Only the owner or whoever made this share can change it');
      throw notFound(`No share with id ${share.id}`);
    });
    if (item.grant.source !== 'owner' && share.created_by !== ctx.actor.userId) {
      throw forbidden('Only the owner or whoever made this share can change it');
    }
    return item;
  }

  private assertRoleWithin(grant: { source: string; role?: ShareRole }, role: ShareRole): void {
    if (grant.source === 'owner') return;
    // A member of an organisation's space shares up to their own role there, as a share's recipient does.
    if ((grant.source === 'share' || grant.source === 'member') && grant.role !== undefined && ROLE_RANK[role] <= ROLE_RANK[grant.role]) return;
    throw forbidden(`You can share this as ${grant.role ?? 'nothing'} at most`);
  }

  private async freeMountName(tx: Db, recipientId: string, name: string, isFolder: boolean): Promise<string> {
    const taken = new Set(await this.d.shares.mountNamesLike(tx, recipientId, numberedName(name, 1, isFolder).split(' (1)')[0]!));
    if (!taken.has(name)) return name;
    for (let n = 2; ; n++) {
      const candidate = numberedName(name, n, isFolder);
      if (!taken.has(candidate)) return candidate;
    }
  }
}

function futureOrNull(at: Date | null | undefined): Date | null {
  if (at === undefined || at === null) return null;
  if (Number.isNaN(at.getTime())) throw badRequest('The expiry date is not a valid date');
  if (at.getTime() <= Date.now()) throw badRequest('The expiry date must lie in the future');
  return at;
}
