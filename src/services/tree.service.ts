import { randomUUID } from 'node:crypto';
import { SHARED_WITH_ME, SPACES_FOLDER, type Permission } from '../core/access.js';
import type { CallContext } from '../core/context.js';
import { CofferError, conflict, notFound } from '../core/errors.js';
import { isUuid, normalizeName, numberedName, parsePath, pathDepth, pathTooDeep } from '../core/names.js';
import type { NewNode, Node, ShareRole, Space } from '../db/schema.js';
import type { Db, NodeRepository, WalkedNode, WalkedPath } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import { spacePath, type AccessibleNode, type AccessService } from './access.service.js';

/** A live node the caller may reach: its space, its path from the space root and why it is reachable. */
export type LocatedNode = AccessibleNode;

/** The nodes along a path (its top first; shorter where the path ends), as one query found them. */
export interface Walk {
  nodes: WalkedNode[];
  /**
   * The node at `depth` as the access service places it from the walk itself (the caller's own
   * tree, walked from their root): no second query. Undefined where the walk cannot tell (a
   * link's tree): ask by id.
   */
  located(depth: number): LocatedNode | undefined;
  /** False when the walk saw no live WebDAV lock in the caller's own space (see WalkedPath); true where it cannot tell. */
  locksHeld: boolean;
}

/** Where a change left a node: its space and its path from the space root. */
export interface PlacedNode {
  node: Node;
  space: Space;
  path: string;
}

export function newEtag(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * Finding nodes on behalf of a caller: resolves ids and paths to live nodes the caller may
 * reach, through the access service, and answers 404 for anything else so ids of other
 * people's files reveal nothing.
 */
export class TreeService {
  constructor(
    readonly db: Db,
    readonly nodes: NodeRepository,
    readonly spaces: SpaceRepository,
    readonly access: AccessService,
    /**
     * How many levels below a space's root anything may lie (COFFER_MAX_PATH_DEPTH). Every
     * ancestor walk, path resolution and size propagation costs a step per level, so this also
     * bounds what one request can make the database do.
     */
    readonly maxDepth: number,
  ) {}

  /**
   * The space the caller owns (their own files, trash and quota). Link visitors have none: a
   * link reaches its own item and nothing of its creator's.
   */
  async homeSpace(ctx: CallContext, db: Db = this.db): Promise<Space> {
    if (ctx.actor.link) throw notFound('A link reaches its own item only; there is no top folder behind it');
    const space = await this.spaces.ownedBy(db, ctx.actor.userId);
    if (!space) throw notFound('You have no space of your own yet');
    return space;
  }

  /**
   * The space whose trash the caller works in: their own without `spaceId`, else that space, where
   * they must hold `permission` (restoring needs what deleting needs; purging, `manage`).
   */
  async trashSpace(ctx: CallContext, spaceId: string | undefined, permission: Permission, db: Db = this.db): Promise<Space> {
    if (spaceId === undefined) return this.homeSpace(ctx, db);
    return (await this.access.requireSpace(ctx, spaceId, permission, db)).space;
  }

  /**
   * The id of each caller's root folder, remembered per request context (a WebDAV request
   * resolves several paths); the rows themselves are always read fresh.
   */
  private readonly rootIds = new WeakMap<CallContext, string>();
  /** Whether a link's item is live and reachable, checked once per request context. */
  private readonly linkTops = new WeakMap<CallContext, Promise<boolean>>();

  /** The root folder of the caller's own space. */
  async rootOf(ctx: CallContext, db: Db = this.db): Promise<LocatedNode> {
    if (ctx.actor.link) throw notFound('A link reaches its own item only');
    let id = this.rootIds.get(ctx);
    if (!id) {
      id = (await this.homeSpace(ctx, db)).root_node_id ?? undefined;
      if (!id) throw notFound('You have no space of your own yet');
      this.rootIds.set(ctx, id);
    }
    return this.access.requireOne(ctx, 'read', id, db);
  }

  /**
   * A live node by id that allows `permission`; "root" names the caller's root folder. Not
   * reachable: 404; reachable but not allowed: 403.
   */
  async byId(ctx: CallContext, id: string, permission: Permission, db: Db = this.db): Promise<LocatedNode> {
    if (id === 'root') {
      const root = await this.rootOf(ctx, db);
      this.access.assert(root, permission);
      return root;
    }
    if (!isUuid(id)) throw notFound(`No file or folder with id ${id}`);
    return this.access.requireOne(ctx, permission, id, db);
  }

  /**
   * A node by its numeric file id (what Nextcloud's clients keep, oc:fileid), with `permission`
   * on it: the same answer as byId, 404 alike whether the number is unknown or not the caller's.
   */
  async byFileId(ctx: CallContext, fileId: number, permission: Permission, db: Db = this.db): Promise<LocatedNode> {
    const id = await this.idOfFileId(fileId, db);
    if (!id) throw notFound(`No file or folder with id ${fileId}`);
    return this.byId(ctx, id, permission, db);
  }

  /** The id of the node with this numeric file id, live or trashed, for calls that check access themselves. */
  async idOfFileId(fileId: number, db: Db = this.db): Promise<string | undefined> {
    return Number.isSafeInteger(fileId) && fileId > 0 ? this.nodes.idOfFileId(db, fileId) : undefined;
  }

  /**
   * A trashed node (top of a trashed subtree) of a space whose trash the caller holds, with
   * `permission` on it: 404 where they hold nothing, 403 where they may see but not do this.
   */
  async trashedById(ctx: CallContext, id: string, permission: Permission, db: Db = this.db): Promise<{ node: Node; space: Space }> {
    const node = isUuid(id) ? await this.nodes.getById(db, id) : undefined;
    const space = node ? await this.spaces.getById(db, node.space_id) : undefined;
    const grant = space ? await this.access.spaceGrant(ctx, space, db) : null;
    if (!node || !space || !grant || node.deleted_at === null) {
      throw notFound(`No item with id ${id} in the trash`);
    }
    this.access.assert({ grant, node }, permission);
    return { node, space };
  }

  /** A node by its path from the caller's own root. */
  async byPath(ctx: CallContext, rawPath: string, db: Db = this.db): Promise<LocatedNode> {
    const segments = parsePath(rawPath);
    // The paths the API shows recipients ("/Shared with me/<share>/…") resolve as they read.
    if (segments.length >= 2 && segments[0]!.startsWith(SHARED_WITH_ME) && segments[0] === (await this.sharedFolderName(ctx))) {
      const below = segments.slice(2);
      const { nodes } = await this.sharedChain(ctx, segments[1]!, below);
      const found = nodes.length === below.length + 1 ? nodes[below.length] : undefined;
      if (!found) throw notFound(`Nothing at /${segments.join('/')}`);
      return this.access.requireOne(ctx, 'read', found.id, db);
    }
    const root = await this.rootOf(ctx, db);
    const found = await this.nodes.walkPath(db, root.node.id, segments);
    if (found.depth !== segments.length) throw notFound(`Nothing at /${segments.join('/')}`);
    return this.access.requireOne(ctx, 'read', found.id, db);
  }

  /**
   * The caller's own nodes along a path from their root (a link visitor's: from the link's item),
   * in one query (root first; shorter where the path ends). Names are validated and normalised
   * as everywhere else.
   */
  async chain(ctx: CallContext, segments: string[]): Promise<Walk> {
    const names = segments.map(normalizeName);
    const { link } = ctx.actor;
    if (link) {
      // A link's tree starts at its item, once the item is known to be live and reachable.
      if (!this.linkTops.has(ctx)) this.linkTops.set(ctx, this.access.reachable(ctx, [link.nodeId]).then((found) => found.has(link.nodeId)));
      if (!(await this.linkTops.get(ctx))) throw notFound('What this link shares is no longer there');
      return { nodes: await this.nodes.walkBelow(this.db, link.nodeId, names), located: () => undefined, locksHeld: true };
    }
    return this.homeWalk(ctx, await this.nodes.walkFromHome(this.db, ctx.actor.userId, names));
  }

  /**
   * A walk from the caller's own root made elsewhere (with their sign-in: see
   * AuthService.authenticateAppPassword), as chain returns it.
   */
  homeWalk(ctx: CallContext, { nodes, space, locksHeld }: WalkedPath): Walk {
    if (nodes.length === 0 || !space) throw notFound('You have no space of your own yet');
    return { nodes, locksHeld, located: (depth) => (depth < nodes.length ? this.access.ownWalk(ctx, space, nodes.slice(0, depth + 1)) : undefined) };
  }

  /** A path's names as chain looks them up, or null when one of them is no valid name. */
  walkableNames(segments: readonly string[]): string[] | null {
    try {
      return segments.map(normalizeName);
    } catch (err) {
      if (err instanceof CofferError && err.code === 'invalid-name') return null;
      throw err;
    }
  }

  /**
   * The nodes along a path below the top of a share with the caller (the shared node first), in
   * one query; empty when no live share of that name is theirs. The share's role comes along
   * for showing permissions; every change still asks the access service by id.
   */
  async sharedChain(ctx: CallContext, mountName: string, segments: string[]): Promise<{ nodes: (Node & { sha1: string | null })[]; share: { id: string; role: ShareRole } | null }> {
    if (ctx.actor.link) throw notFound('A link reaches its own item only');
    const names = segments.map(normalizeName);
    return this.nodes.walkShared(this.db, ctx.actor.userId, normalizeName(mountName), names);
  }

  /**
   * The name of the virtual folder of shares at the top of the caller's tree: "Shared with me",
   * or "Shared with me (2)" and so on when a real item already has that name.
   */
  sharedFolderName(ctx: CallContext): Promise<string> {
    return this.virtualFolderName(ctx, SHARED_WITH_ME);
  }

  /** The name of the virtual folder of the caller's organisation spaces: "Spaces", or "Spaces (2)" beside a real one. */
  spacesFolderName(ctx: CallContext): Promise<string> {
    return this.virtualFolderName(ctx, SPACES_FOLDER);
  }

  private async virtualFolderName(ctx: CallContext, base: string): Promise<string> {
    if (ctx.actor.link) throw notFound('A link reaches its own item only');
    const taken = new Set(await this.nodes.homeNamesLike(this.db, ctx.actor.userId, base));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`)) return `${base} (${n})`;
  }

  /**
   * The live nodes along `segments` from the top of a space ("me": the caller's own), top first
   * and shorter where the path ends. Reaching them is not yet access: callers ask by id for what
   * they act on, and a space the caller reaches nothing of answers 404 there.
   */
  async walkSpace(ctx: CallContext, spaceRef: string, segments: string[]): Promise<{ space: Space; nodes: WalkedNode[] }> {
    const space = spaceRef === 'me' ? await this.homeSpace(ctx) : isUuid(spaceRef) ? await this.spaces.getById(this.db, spaceRef) : undefined;
    if (!space?.root_node_id || ctx.actor.link) throw notFound(`No space ${spaceRef}`);
    this.assertDepth(segments.length);
    return { space, nodes: await this.nodes.walkBelow(this.db, space.root_node_id, segments.map(normalizeName)) };
  }

  /**
   * The live nodes along a path below the top folder of a space (that folder first), in one
   * query. The caller's role on the space comes from where they found it (SpacesService.mine);
   * every read and change still asks the access service by id.
   */
  async spaceWalk(ctx: CallContext, space: Pick<Space, 'root_node_id'>, segments: string[]): Promise<WalkedNode[]> {
    if (ctx.actor.link || !space.root_node_id) throw notFound('A link reaches its own item only');
    return this.nodes.walkBelow(this.db, space.root_node_id, segments.map(normalizeName));
  }

  async folderById(ctx: CallContext, id: string, permission: Permission, db: Db = this.db): Promise<LocatedNode> {
    const located = await this.byId(ctx, id, permission, db);
    if (located.node.kind !== 'folder') throw conflict(`"${located.node.name}" is a file, not a folder`);
    return located;
  }

  /** Re-reads a folder under the space lock and checks it is still live and in the same space. */
  async recheckFolder(tx: Db, folderId: string, spaceId: string): Promise<{ node: Node; path: string }> {
    const found = await this.nodes.locate(tx, folderId);
    const node = found?.node;
    if (!found || !node || node.space_id !== spaceId || found.chain.some((n) => n.deleted_at !== null)) {
      throw notFound('The target folder no longer exists');
    }
    if (node.kind !== 'folder') throw conflict(`"${node.name}" is a file, not a folder`);
    return { node, path: pathOf(found.chain) };
  }

  /** `name` if free in the folder, else the first free "name (n)". Run under the space lock. */
  async freeName(tx: Db, parentId: string, name: string, isFolder: boolean): Promise<string> {
    if (!(await this.nodes.getLiveChild(tx, parentId, name))) return name;
    const stem = numberedName(name, 1, isFolder).split(' (1)')[0]!;
    const taken = new Set(await this.nodes.liveNamesLike(tx, parentId, stem));
    for (let n = 1; ; n++) {
      const candidate = numberedName(name, n, isFolder);
      if (taken.has(candidate)) continue;
      // A long name's stem is shortened as n grows, so it may fall outside the prefix looked up.
      if (candidate.startsWith(stem) || !(await this.nodes.getLiveChild(tx, parentId, candidate))) return candidate;
    }
  }

  /** Refuses, with a 400 naming the limit, anything that would lie `depth` levels below the root. */
  assertDepth(depth: number): void {
    if (depth > this.maxDepth) throw pathTooDeep(this.maxDepth, depth);
  }

  /**
   * Refuses to put the node `nodeId` (with everything beneath it) directly into a folder at
   * `parentDepth`. When the node lies `currentDepth` deep today and would not go deeper, nothing
   * beneath it does either, so the subtree is only measured for moves that go down.
   */
  async assertSubtreeFits(tx: Db, nodeId: string, parentDepth: number, currentDepth?: number): Promise<void> {
    const top = parentDepth + 1;
    if (currentDepth !== undefined && top <= currentDepth) return;
    this.assertDepth(top);
    const room = this.maxDepth - top;
    // Counted one level past the room left, which is all it takes to know it does not fit.
    const height = await this.nodes.subtreeHeight(tx, nodeId, room + 1);
    if (height > room) throw pathTooDeep(this.maxDepth);
  }

  /**
   * Creates each missing folder of `segments` below `parent` and returns the deepest one, with
   * `below` more levels to follow beneath it (1 for a file about to be put there). Run under
   * the space lock; an existing file in the way is a conflict.
   *
   * Linear in the depth: one query finds how much of the path exists, one INSERT adds the rest.
   * The new folders start at size 0 with fresh ETags and the ancestors are NOT touched here: the
   * caller propagates once from the returned folder (with the size it adds, or 0), which gives
   * every ancestor up to the root its new size and ETag in one statement.
   */
  async ensureFolders(
    tx: Db,
    ctx: CallContext,
    spaceId: string,
    parent: { node: Node; path: string },
    segments: string[],
    options: { below?: number; created?: Node[] } = {},
  ): Promise<Node> {
    this.assertDepth(pathDepth(parent.path) + segments.length + (options.below ?? 0));
    const names = segments.map(normalizeName);
    const found = await this.nodes.deepestAlong(tx, parent.node.id, names);
    if (!found) throw notFound('The target folder no longer exists');
    if (found.node.kind !== 'folder') throw conflict(`"${found.node.name}" exists and is a file, not a folder`);
    const missing = names.slice(found.depth);
    if (missing.length === 0) return found.node;
    const now = new Date();
    const rows: NewNode[] = [];
    let parentId = found.node.id;
    for (const name of missing) {
      const id = randomUUID();
      rows.push({
        id,
        space_id: spaceId,
        parent_id: parentId,
        name,
        kind: 'folder',
        etag: newEtag(),
        created_by: ctx.actor.userId,
        created_at: now,
        modified_at: now,
        updated_at: now,
      });
      parentId = id;
    }
    const inserted = new Map((await this.nodes.insertMany(tx, rows)).map((n) => [n.id, n]));
    // RETURNING promises no order: report the new folders from the top down, as created.
    const chain = rows.map((r) => inserted.get(r.id)!);
    options.created?.push(...chain);
    return chain[chain.length - 1]!;
  }

}

export const pathOf = spacePath;

export { isUuid };

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
