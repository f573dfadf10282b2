import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/blob-store.js';
import type { CallContext } from '../core/context.js';
import type { Readable } from 'node:stream';
import type { ByteRange } from '../blobs/blob-store.js';
import { conflict, notFound } from '../core/errors.js';
import { normalizeName, parsePath, pathDepth } from '../core/names.js';
import { softDelete } from './soft-delete.js';
import type { Node, Space } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';
import type { AuditService } from './audit.service.js';
import { joinPath, pathOf, type PlacedNode, type TreeService } from './tree.service.js';
import type { PropertyRepository } from '../repositories/property.repository.js';

export interface TrashDeps {
  tree: TreeService;
  nodes: NodeRepository;
  spaces: SpaceRepository;
  versions: VersionRepository;
  /** Property bytes count against the quota, so a purge releases them with the file bytes. */
  properties: PropertyRepository;
  blobs: BlobStore;
  audit: AuditService;
  logger: Logger;
  /** COFFER_TRASH_RETENTION_DAYS: what a space without a retention of its own keeps. */
  defaultRetentionDays: number;
}

/** The trash: listing, restoring, purging, and the garbage collection of bytes purges free. */
export class TrashService {
  constructor(private readonly d: TrashDeps) {}

  private get db() {
    return this.d.tree.db;
  }

  /** Trashed items named `name` that were deleted in the given second (Unix time). */
  async findByName(ctx: CallContext, name: string, deletedSecond: number, spaceId?: string): Promise<Node[]> {
    const space = await this.d.tree.trashSpace(ctx, spaceId, 'delete');
    return this.d.nodes.findTrashed(this.db, space.id, name, deletedSecond);
  }

  /** Ids among `items` whose name and deletion second repeat an older trashed item's. */
  async nameClashes(ctx: CallContext, items: Node[], spaceId?: string): Promise<Set<string>> {
    const space = await this.d.tree.trashSpace(ctx, spaceId, 'delete');
    return this.d.nodes.trashNameClashes(this.db, space.id, [...new Set(items.map((n) => n.name))]);
  }

  /**
   * The trash of the caller's own space, or of `spaceId` (an organisation's space, for its
   * editors and managers), with the days its items are kept (0: until emptied).
   */
  async list(ctx: CallContext, limit: number, offset: number, spaceId?: string) {
    const space = await this.d.tree.trashSpace(ctx, spaceId, 'delete');
    return { ...(await this.d.nodes.listTrash(this.db, space.id, limit, offset)), retentionDays: this.retentionOf(space) };
  }

  /** How many days the space keeps trashed items; null: until emptied by hand. */
  retentionOf(space: Pick<Space, 'trash_retention_days'>): number | null {
    if (space.trash_retention_days === 0) return null;
    return space.trash_retention_days ?? this.d.defaultRetentionDays;
  }

  /**
   * Puts a trashed item back where it was. A taken name gets a free "name (n)". When the folder
   * it was in is itself in the trash (on its own or inside a trashed folder), that trash entry is
   * restored first, and so on up the chain, so the item lands in its own folder again and the
   * tree never splits into "Projects" and "Projects (1)"; other items trashed separately from
   * those folders stay in the trash. Only a parent that is gone for good (purged) is recreated
   * from the original path. With `target` it goes into that folder under that name instead
   * (WebDAV MOVE out of the trash), replacing what is there only when asked to.
   */
  async restore(ctx: CallContext, id: string, target?: { parentId: string; name: string; replace: boolean }): Promise<PlacedNode & { replaced: boolean }> {
    const { space } = await this.d.tree.trashedById(ctx, id, 'delete');
    if (target) await this.d.tree.folderById(ctx, target.parentId, 'create');
    return this.db.transaction().execute(async (tx) => {
      await this.d.spaces.lock(tx, space.id);
      const { node } = await this.d.tree.trashedById(ctx, id, 'delete', tx);
      if (!target) return { ...(await this.restoreInPlace(tx, ctx, space, node, null)), space, replaced: false };
      const parent = await this.liveFolder(tx, target.parentId);
      if (!parent || parent.node.space_id !== space.id) throw notFound('The folder to restore into does not exist');
      const name = normalizeName(target.name);
      let replaced = false;
      const clash = await this.d.nodes.getLiveChild(tx, parent.node.id, name);
      // Moved back to exactly where it was, onto a folder standing there now (recreated by the
      // restore of a child): merge, as a restore without target does, rather than trash that folder.
      const backInPlace = node.trash_origin_parent_id === parent.node.id && name === node.name;
      if (clash?.kind === 'folder' && node.kind === 'folder' && backInPlace) {
        const merged = await this.restoreByMerging(tx, ctx, node, { node: clash, path: joinPath(parent.path, name) }, null);
        return { ...merged, space, replaced: false };
      }
      if (clash) {
        if (!target.replace) throw conflict(`"${name}" already exists in ${parent.path}`);
        await softDelete(tx, this.d, ctx, clash, joinPath(parent.path, name));
        replaced = true;
      }
      // A target folder can be anywhere, so the whole subtree is measured against the limit.
      await this.d.tree.assertSubtreeFits(tx, node.id, pathDepth(parent.path));
      const restored = await this.putBack(tx, ctx, node, parent, name, null);
      return { ...restored, space, replaced };
    });
  }

  /**
   * Restores a trash entry to its original place, first restoring the trash entry its original
   * folder lies in (recursively), so a child restored before its folder brings that folder back.
   * `along` names the item whose restore brought this one back, for the audit trail.
   */
  private async restoreInPlace(tx: Db, ctx: CallContext, space: Space, node: Node, along: string | null): Promise<{ node: Node; path: string }> {
    const spaceId = space.id;
    const originPath = originPathOf(node);
    let parent = node.trash_origin_parent_id ? await this.liveFolder(tx, node.trash_origin_parent_id) : undefined;
    if (!parent && node.trash_origin_parent_id) {
      const holder = await this.d.nodes.nearestTrashedAncestor(tx, node.trash_origin_parent_id);
      if (holder && holder.id !== node.id && holder.space_id === spaceId) {
        await this.restoreInPlace(tx, ctx, space, holder, along ?? node.id);
        // A merge on the way may have rehomed this item into the folder that took the contents.
        const fresh = await this.d.nodes.getById(tx, node.id);
        const originParentId = fresh?.trash_origin_parent_id ?? node.trash_origin_parent_id;
        parent = await this.liveFolder(tx, originParentId);
      }
    }
    if (!parent) {
      // Gone for good (purged): recreated at the original path, so the item lands exactly as deep as it was.
      const parentSegments = parsePath(originPath).slice(0, -1);
      // The space's own root: a restore in an organisation's space lands there, not in the caller's.
      const rootNode = space.root_node_id ? await this.d.nodes.getById(tx, space.root_node_id) : undefined;
      if (!rootNode) throw notFound('The space this item belonged to has no top folder');
      const root = { node: rootNode, path: '/' };
      const folder = await this.d.tree.ensureFolders(tx, ctx, spaceId, root, parentSegments, { below: 1 });
      parent = { node: folder, path: '/' + parentSegments.join('/') };
    }
    if (node.kind === 'folder') {
      // A live folder of the same name in its place (recreated by an older restore of a child,
      // or made since) takes the contents in instead of a "Projects (1)" beside it.
      const same = await this.d.nodes.getLiveChild(tx, parent.node.id, node.name);
      if (same?.kind === 'folder') return this.restoreByMerging(tx, ctx, node, { node: same, path: joinPath(parent.path, same.name) }, along);
    }
    const name = await this.d.tree.freeName(tx, parent.node.id, node.name, node.kind === 'folder');
    // Its old parent may have moved deeper since it was trashed.
    await this.d.tree.assertSubtreeFits(tx, node.id, pathDepth(parent.path), pathDepth(originPath));
    return this.putBack(tx, ctx, node, parent, name, along);
  }

  /** Restores trashed folder `node` into the live folder of the same name at its old place. */
  private async restoreByMerging(tx: Db, ctx: CallContext, node: Node, into: { node: Node; path: string }, along: string | null): Promise<{ node: Node; path: string }> {
    const originPath = originPathOf(node);
    await this.d.tree.assertSubtreeFits(tx, node.id, pathDepth(into.path) - 1, pathDepth(originPath));
    await this.merge(tx, node, into.node);
    // Recorded while the merged folder's row still exists; it is deleted right after.
    await this.d.audit.record(tx, ctx, {
      action: 'node.restore',
      spaceId: node.space_id,
      nodeId: node.id,
      path: into.path,
      detail: { from: originPath, mergedInto: into.node.id, ...(along ? { along } : {}) },
    });
    await this.dropMergedFolder(tx, node);
    const merged = await this.d.nodes.getById(tx, into.node.id);
    return { node: merged ?? into.node, path: into.path };
  }

  /**
   * Moves everything in folder `from` into the live folder `into`: sub-folders that meet a live
   * folder of the same name merge too, a file (or a folder meeting a file) that meets a taken
   * name gets the usual free "name (n)". Separately trashed children stay in the trash, now
   * restoring into `into`. Sizes and ETags of `into` and above take what arrived.
   */
  private async merge(tx: Db, from: Node, into: Node): Promise<void> {
    let arrived = 0;
    for (const child of await this.d.nodes.allChildren(tx, from.id)) {
      if (child.deleted_at !== null) {
        await this.d.nodes.rehome(tx, child.id, from.id, into.id, child.name);
        continue;
      }
      const clash = await this.d.nodes.getLiveChild(tx, into.id, child.name);
      if (clash?.kind === 'folder' && child.kind === 'folder') {
        await this.merge(tx, child, clash);
        await this.dropMergedFolder(tx, child);
        continue;
      }
      const name = clash ? await this.d.tree.freeName(tx, into.id, child.name, child.kind === 'folder') : child.name;
      await this.d.nodes.rehome(tx, child.id, from.id, into.id, name);
      arrived += Number(child.size);
    }
    await this.d.nodes.propagateChange(tx, into.id, arrived);
  }

  /** Deletes a folder emptied by a merge; its dead properties no longer count against the quota. */
  private async dropMergedFolder(tx: Db, folder: Node): Promise<void> {
    const propertyBytes = await this.d.properties.subtreeBytes(tx, folder.id);
    await this.d.nodes.deleteEmptyFolder(tx, folder.id);
    if (propertyBytes > 0) await this.d.spaces.release(tx, folder.space_id, propertyBytes);
  }

  private async putBack(tx: Db, ctx: CallContext, node: Node, parent: { node: Node; path: string }, name: string, along: string | null): Promise<{ node: Node; path: string }> {
    const originPath = originPathOf(node);
    const restored = await tx
      .updateTable('nodes')
      .set({
        parent_id: parent.node.id,
        name,
        deleted_at: null,
        deleted_by: null,
        trash_origin_parent_id: null,
        trash_origin_path: null,
        updated_at: new Date(),
      })
      .where('id', '=', node.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.d.nodes.propagateChange(tx, parent.node.id, restored.size);
    const path = joinPath(parent.path, name);
    await this.d.audit.record(tx, ctx, { action: 'node.restore', nodeId: node.id, path, detail: along ? { from: originPath, along } : { from: originPath } });
    return { node: restored, path };
  }

  /** The bytes of a trashed file, for reading it without restoring it. */
  async download(ctx: CallContext, id: string): Promise<{ node: Node; open: (range?: ByteRange) => Promise<Readable> }> {
    const { node } = await this.d.tree.trashedById(ctx, id, 'read');
    if (node.kind !== 'file' || !node.current_version_id) throw conflict(`"${node.name}" is a folder`);
    const version = await this.d.versions.getVersion(this.db, node.current_version_id);
    const blob = version ? await this.d.versions.getBlob(this.db, version.blob_id) : undefined;
    if (!blob) throw notFound(`The bytes of "${node.name}" are missing; ask an administrator to run coffer fsck`);
    return { node, open: (range) => this.d.blobs.read(blob.store_key, range) };
  }

  private async liveFolder(tx: Db, id: string): Promise<{ node: Node; path: string } | undefined> {
    const chain = await this.d.nodes.ancestry(tx, id);
    if (chain.length === 0 || chain.some((n) => n.deleted_at !== null) || chain[0]!.kind !== 'folder') return undefined;
    const node = await this.d.nodes.getById(tx, id);
    return node ? { node, path: pathOf(chain) } : undefined;
  }

  /** Purging for good is a manager's call in an organisation's space (an owner's in their own). */
  async deletePermanently(ctx: CallContext, id: string): Promise<void> {
    const { node } = await this.d.tree.trashedById(ctx, id, 'purge');
    await this.purge(node, ctx);
  }

  async empty(ctx: CallContext, spaceId?: string): Promise<number> {
    const space = await this.d.tree.trashSpace(ctx, spaceId, 'purge');
    let purged = 0;
    for (;;) {
      const { items } = await this.d.nodes.listTrash(this.db, space.id, 500, 0);
      if (items.length === 0) return purged;
      for (const node of items) {
        if (await this.purge(node, ctx)) purged++;
      }
    }
  }

  /**
   * Purges trash past each space's retention, across all spaces (the periodic task, with no
   * ctx); `coffer trash purge --older-than-days N` cuts every space's trash at N days instead and
   * passes its CLI context so the audit trail names it.
   */
  async purgeExpired(now = new Date(), ctx: CallContext | null = null, overrideDays?: number): Promise<number> {
    let purged = 0;
    for (;;) {
      const batch = await this.d.nodes.trashedBefore(this.db, now, { defaultDays: this.d.defaultRetentionDays, overrideDays }, 500);
      if (batch.length === 0) return purged;
      let progressed = false;
      for (const node of batch) {
        if (await this.purge(node, ctx, 'retention')) {
          purged++;
          progressed = true;
        }
      }
      // Items another server purged meanwhile come back no more; stop rather than spin on the rest.
      if (!progressed) return purged;
    }
  }

  /**
   * Deletes a trashed subtree with all its versions, returns the bytes to the quota, then
   * deletes the blobs nothing references any more. Returns false when it was already gone.
   */
  private async purge(node: Node, ctx: CallContext | null, reason?: 'retention'): Promise<boolean> {
    const result = await this.db.transaction().execute(async (tx) => {
      const space = await this.d.spaces.lock(tx, node.space_id);
      const fresh = await this.d.nodes.getById(tx, node.id);
      if (!fresh || fresh.deleted_at === null) return null;
      return this.purgeIn(tx, space, fresh, fresh.trash_origin_path, ctx, reason ? { reason } : null);
    });
    if (result === null) return false;
    await this.deleteBlobs(result);
    return true;
  }

  /**
   * Deletes for good a live item that has lain unchanged in a folder longer than the folder's
   * maximum age (FolderExpiryService). Checked again under the space lock: an item changed,
   * moved or deleted meanwhile is left alone. Skips the trash: that is what such folders are for.
   */
  async expire(item: Node, cutoff: Date, folderPath: string, maxAgeHours: number): Promise<boolean> {
    const result = await this.db.transaction().execute(async (tx) => {
      const space = await this.d.spaces.lock(tx, item.space_id);
      const fresh = await this.d.nodes.getById(tx, item.id);
      if (!fresh || fresh.deleted_at !== null || fresh.parent_id !== item.parent_id || fresh.updated_at >= cutoff) return null;
      await this.d.nodes.propagateChange(tx, fresh.parent_id!, -fresh.size);
      return this.purgeIn(tx, space, fresh, joinPath(folderPath, fresh.name), null, { reason: 'max-age', maxAgeHours });
    });
    if (result === null) return false;
    await this.deleteBlobs(result);
    return true;
  }

  /** The purge itself, inside a transaction holding the space lock; returns the blob keys to delete after commit. */
  private async purgeIn(tx: Db, space: Space, node: Node, path: string | null, ctx: CallContext | null, detail: Record<string, unknown> | null): Promise<string[]> {
    // Items trashed on their own before this folder are separate trash entries: keep them
    // (hung under the space root) instead of letting the delete cascade take them along.
    await this.d.nodes.detachTrashedDescendants(tx, node.id, space.root_node_id!);
    const { bytes, blobIds } = await this.d.nodes.subtreeVersionBytes(tx, node.id);
    const propertyBytes = await this.d.properties.subtreeBytes(tx, node.id);
    await tx.deleteFrom('nodes').where('id', '=', node.id).execute();
    await this.d.spaces.release(tx, node.space_id, bytes + propertyBytes);
    const keys = await this.d.versions.deleteUnreferencedBlobs(tx, blobIds);
    await this.d.audit.record(tx, ctx, {
      action: 'node.purge',
      // The node row is gone by now: name its space's chain directly.
      spaceId: node.space_id,
      nodeId: node.id,
      path,
      bytes,
      detail,
    });
    return keys;
  }

  async deleteBlobs(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.d.blobs.delete(key).catch((err: unknown) => {
        this.d.logger.warn({ err, key }, 'could not delete a freed blob; fsck --repair will');
      });
    }
  }
}

/** Where a trash entry was when it was deleted (entries from before that was recorded: the top). */
function originPathOf(node: Node): string {
  return node.trash_origin_path ?? `/${node.name}`;
}
