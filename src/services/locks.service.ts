import type { CallContext } from '../core/context.js';
import type { Lock } from '../db/schema.js';
import type { LockRepository, SpaceRef } from '../repositories/lock.repository.js';
import { lockPath } from '../repositories/lock.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { TreeService } from './tree.service.js';

export interface ResourceLock {
  token: string;
  path: string[];
  depth: '0' | 'infinity';
  scope: 'exclusive' | 'shared';
  ownerXml: string | null;
  userId: string;
  expiresAt: Date;
}

/**
 * Write locks on paths of a space (WebDAV LOCK), kept in the database so every server honours
 * them. Paths are the space's own ("/Team/doc.txt" in its owner's tree), whoever takes the lock:
 * a recipient locking through "Shared with me" blocks the owner and every other recipient too.
 * Conflict rules belong to the protocol; this keeps the records and makes "check, then create"
 * atomic across servers.
 */
export class LocksService {
  constructor(
    private readonly db: Db,
    private readonly tree: TreeService,
    private readonly repo: LockRepository,
  ) {}

  /** Locks covering `path`, beneath it with `descendants`, and with `withParent` any lock on its parent. */
  async covering(space: SpaceRef, path: string[], descendants: boolean, withParent = false): Promise<ResourceLock[]> {
    return (await this.repo.covering(this.db, space, path, descendants, new Date(), withParent)).map(toLock);
  }

  async under(space: SpaceRef, path: string[]): Promise<ResourceLock[]> {
    return (await this.repo.under(this.db, space, path, new Date())).map(toLock);
  }

  async create(ctx: CallContext, space: SpaceRef, lock: ResourceLock, conflicts: (existing: ResourceLock[]) => Error | null): Promise<void> {
    const spaceId = typeof space === 'string' ? space : (await this.tree.homeSpace(ctx)).id;
    await this.db.transaction().execute(async (tx) => {
      await this.repo.lockSpace(tx, spaceId);
      const existing = (await this.repo.covering(tx, spaceId, lock.path, lock.depth === 'infinity', new Date())).map(toLock);
      const error = conflicts(existing);
      if (error) throw error;
      await this.repo.insert(tx, {
        token: lock.token,
        space_id: spaceId,
        path: lockPath(lock.path),
        depth: lock.depth,
        scope: lock.scope,
        owner_xml: lock.ownerXml,
        user_id: ctx.actor.userId,
        expires_at: lock.expiresAt,
      });
    });
  }

  /** Refreshes one of the caller's own locks, in whichever space it lies. */
  async refresh(ctx: CallContext, token: string, expiresAt: Date): Promise<ResourceLock | null> {
    const row = await this.repo.refresh(this.db, ctx.actor.userId, token, expiresAt, new Date());
    return row ? toLock(row) : null;
  }

  /** Removes one of the caller's own locks, in whichever space it lies. */
  async remove(ctx: CallContext, token: string): Promise<boolean> {
    return this.repo.remove(this.db, ctx.actor.userId, token);
  }

  async removeUnder(space: SpaceRef, path: string[]): Promise<void> {
    await this.repo.removeUnder(this.db, space, path);
  }

  purgeExpired(now = new Date()): Promise<number> {
    return this.repo.purgeExpired(this.db, now);
  }
}

/** The space a user owns, resolved inside each query: their own tree costs no extra lookup. */
export function ownSpace(ctx: CallContext): SpaceRef {
  return { ownedBy: ctx.actor.userId };
}

function toLock(row: Lock): ResourceLock {
  return {
    token: row.token,
    path: row.path.split('/').filter((s) => s.length > 0),
    depth: row.depth === '0' ? '0' : 'infinity',
    scope: row.scope === 'shared' ? 'shared' : 'exclusive',
    ownerXml: row.owner_xml,
    userId: row.user_id ?? '',
    expiresAt: row.expires_at,
  };
}
