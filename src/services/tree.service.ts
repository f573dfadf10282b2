import { randomUUID } from 'node:crypto';
import type { CallContext } from '../core/context.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { normalizeName, numberedName, parsePath, pathDepth, pathTooDeep } from '../core/names.js';
import type { NewNode, Node, Space } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';

/** A live node together with the space it belongs to and its path from the space root. */
export interface LocatedNode {
  node: Node;
  space: Space;
  path: string;
}

export function newEtag(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * Finding nodes on behalf of a caller: resolves ids and paths to live nodes of spaces the caller
 * may use, and answers 404 for anything else so ids of other people's files reveal nothing.
 */
export class TreeService {
  constructor(
    readonly db: Db,
    readonly nodes: NodeRepository,
    readonly spaces: SpaceRepository,
    /**
     * How many levels below a space's root anything may lie (COFFER_MAX_PATH_DEPTH). Every
     * ancestor walk, path resolution and size propagation costs a step per level, so this also
     * bounds what one request can make the database do.
     */
    readonly maxDepth: number,
  ) {}

  async personalSpace(ctx: CallContext, db: Db = this.db): Promise<Space> {
    const space = await this.spaces.getPersonal(db, ctx.actor.userId);
    if (!space) throw notFound('You have no personal space yet');
    return space;
  }

  /**
   * Spaces the caller may read and write. Organisation spaces will extend this. Public for
   * lookups that fetch many nodes in one query and check each one's space.
   */
  canUse(ctx: CallContext, space: Pick<Space, 'kind' | 'owner_user_id'>): boolean {
    return space.kind === 'personal' && space.owner_user_id === ctx.actor.userId;
  }

  /**
   * The id of each caller's root folder, remembered per request context (a WebDAV request
   * resolves several paths); the rows themselves are always read fresh.
   */
  private readonly rootIds = new WeakMap<CallContext, string>();

  async rootOf(ctx: CallContext, db: Db = this.db): Promise<LocatedNode> {
    const known = this.rootIds.get(ctx);
    const found = known ? await this.nodes.getWithSpace(db, known) : await this.nodes.personalRoot(db, ctx.actor.userId);
    if (!found) throw notFound('You have no personal space yet');
    this.rootIds.set(ctx, found.node.id);
    return { node: found.node, space: found.space, path: '/' };
  }

  /** A live node by id; "root" names the caller's root folder. */
  async byId(ctx: CallContext, id: string, db: Db = this.db): Promise<LocatedNode> {
    if (id === 'root') return this.rootOf(ctx, db);
    if (!isUuid(id)) throw notFound(`No file or folder with id ${id}`);
    const found = await this.nodes.locate(db, id);
    if (!found || !this.canUse(ctx, found.space)) throw notFound(`No file or folder with id ${id}`);
    if (found.chain.some((n) => n.deleted_at !== null)) throw notFound(`The item ${id} is in the trash`);
    return { node: found.node, space: found.space, path: pathOf(found.chain) };
  }

  /** A trashed node (top of a trashed subtree) of the caller's spaces. */
  async trashedById(ctx: CallContext, id: string, db: Db = this.db): Promise<{ node: Node; space: Space }> {
    const node = isUuid(id) ? await this.nodes.getById(db, id) : undefined;
    const space = node ? await this.spaces.getById(db, node.space_id) : undefined;
    if (!node || !space || !this.canUse(ctx, space) || node.deleted_at === null) {
      throw notFound(`No item with id ${id} in the trash`);
    }
    return { node, space };
  }

  async byPath(ctx: CallContext, rawPath: string, db: Db = this.db): Promise<LocatedNode> {
    const segments = parsePath(rawPath);
    const root = await this.rootOf(ctx, db);
    const found = await this.nodes.walkPath(db, root.node.id, segments);
    if (found.depth !== segments.length) throw notFound(`Nothing at /${segments.join('/')}`);
    const node = await this.nodes.getById(db, found.id);
    if (!node) throw notFound(`Nothing at /${segments.join('/')}`);
    return { node, space: root.space, path: '/' + segments.join('/') };
  }

  /**
   * The caller's own nodes along a path from their root, in one query (root first; shorter
   * where the path ends). Names are validated and normalised as everywhere else.
   */
  async chain(ctx: CallContext, segments: string[]): Promise<(Node & { sha1: string | null })[]> {
    const names = segments.map(normalizeName);
    const nodes = await this.nodes.walkPersonal(this.db, ctx.actor.userId, names);
    if (nodes.length === 0) throw notFound('You have no personal space yet');
    return nodes;
  }

  async folderById(ctx: CallContext, id: string, db: Db = this.db): Promise<LocatedNode> {
    const located = await this.byId(ctx, id, db);
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

  assertWritable(ctx: CallContext, space: Space): void {
    if (!this.canUse(ctx, space)) throw forbidden('You cannot change files in this space');
  }
}

export function pathOf(chain: { name: string; parent_id: string | null }[]): string {
  const names = chain.filter((n) => n.parent_id !== null).map((n) => n.name);
  return '/' + names.reverse().join('/');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
