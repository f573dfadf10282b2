import { randomUUID } from 'node:crypto';
import type { CallContext } from '../core/context.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { normalizeName, numberedName, parsePath } from '../core/names.js';
import type { Node, Space } from '../db/schema.js';
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
  ) {}

  async personalSpace(ctx: CallContext, db: Db = this.db): Promise<Space> {
    const space = await this.spaces.getPersonal(db, ctx.actor.userId);
    if (!space) throw notFound('You have no personal space yet');
    return space;
  }

  /** Spaces the caller may read and write. Organisation spaces will extend this. */
  private canUse(ctx: CallContext, space: Space): boolean {
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

  /**
   * Creates each missing folder of `segments` below `parentId` and returns the deepest one.
   * Run under the space lock; existing files in the way are a conflict.
   */
  async ensureFolders(
    tx: Db,
    ctx: CallContext,
    spaceId: string,
    parentId: string,
    segments: string[],
    created?: Node[],
  ): Promise<Node> {
    let current = await this.nodes.getById(tx, parentId);
    if (!current) throw notFound('The target folder no longer exists');
    for (const raw of segments) {
      const name = normalizeName(raw);
      const existing = await this.nodes.getLiveChild(tx, current.id, name);
      if (existing) {
        if (existing.kind !== 'folder') throw conflict(`"${name}" exists and is a file, not a folder`);
        current = existing;
        continue;
      }
      const now = new Date();
      current = await this.nodes.insert(tx, {
        id: randomUUID(),
        space_id: spaceId,
        parent_id: current.id,
        name,
        kind: 'folder',
        etag: newEtag(),
        created_by: ctx.actor.userId,
        created_at: now,
        modified_at: now,
        updated_at: now,
      });
      created?.push(current);
      await this.nodes.propagateChange(tx, current.parent_id!, 0);
    }
    return current;
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
