import type { CallContext } from '../core/context.js';
import { forbidden } from '../core/errors.js';
import type { FavoriteRepository, NodeMarks } from '../repositories/favorite.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { AccessibleNode, AccessService } from './access.service.js';

/**
 * Each user's favourites (the star of the Nextcloud and ownCloud apps) and the marks listings
 * show beside a node. A favourite is the user's own: nobody else sees it, whoever else reaches
 * the node.
 */
export class FavoritesService {
  constructor(
    private readonly d: {
      db: Db;
      repo: FavoriteRepository;
      access: AccessService;
    },
  ) {}

  /**
   * The caller's marks on nodes they already reached (a listing's page): only their own star and
   * their own shares, so nothing about anyone else's use of the nodes shows. One query.
   */
  async marks(ctx: CallContext, nodeIds: readonly string[]): Promise<Map<string, NodeMarks>> {
    if (!hasAccount(ctx)) return new Map();
    return this.d.repo.marks(this.d.db, ctx.actor.userId, nodeIds);
  }

  /** Stars or unstars a node the caller may read. */
  async set(ctx: CallContext, nodeId: string, favorite: boolean): Promise<void> {
    if (!hasAccount(ctx)) throw forbidden('Favourites belong to a person\'s account; sign in to mark favourites');
    await this.d.access.requireOne(ctx, 'read', nodeId);
    await this.d.repo.set(this.d.db, ctx.actor.userId, nodeId, favorite);
  }

  /** The caller's favourites they can still reach (not trashed, not unshared), newest first, at most `max`. */
  async list(ctx: CallContext, max: number): Promise<AccessibleNode[]> {
    if (!hasAccount(ctx)) return [];
    const ids = await this.d.repo.list(this.d.db, ctx.actor.userId, max);
    const reached = await this.d.access.reachable(ctx, ids);
    return ids.flatMap((id) => {
      const item = reached.get(id);
      return item ? [item] : [];
    });
  }
}

/** Favourites are a person's: not a link visitor's, nor an application's. */
function hasAccount(ctx: CallContext): boolean {
  return !ctx.actor.link && !ctx.actor.service;
}
