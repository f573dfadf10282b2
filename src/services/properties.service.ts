import type { CallContext } from '../core/context.js';
import { badRequest, insufficientStorage } from '../core/errors.js';
import type { PropertyRepository, StoredProperty } from '../repositories/property.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { TreeService } from './tree.service.js';

export interface NodeProperty {
  namespace: string;
  name: string;
  value: string;
}

/**
 * Per-node caps, on top of the space's quota (which every property byte counts against): one
 * value at most 64 KiB, a name with its namespace at most 1 KiB, at most 1,000 per node.
 */
const MAX_VALUE_BYTES = 64 * 1024;
const MAX_NAME_BYTES = 1024;
const MAX_PROPERTIES_PER_NODE = 1000;

/** Arbitrary named properties on files and folders (WebDAV dead properties); they move and copy with the node. */
export class PropertiesService {
  constructor(
    private readonly db: Db,
    private readonly tree: TreeService,
    private readonly repo: PropertyRepository,
    private readonly spaces: SpaceRepository,
  ) {}

  /**
   * Properties of several nodes the caller can see, by node id. A listing's nodes share a few
   * parents, so access is checked on those (one batch), and only on a node itself where its
   * parent is out of the caller's reach (the top of a share).
   */
  async forNodes(ctx: CallContext, nodeIds: string[]): Promise<Map<string, NodeProperty[]>> {
    const out = new Map<string, NodeProperty[]>();
    if (nodeIds.length === 0) return out;
    const found = await this.db
      .selectFrom('properties')
      .innerJoin('nodes', 'nodes.id', 'properties.node_id')
      .select(['properties.node_id', 'nodes.parent_id', 'properties.namespace', 'properties.name', 'properties.value'])
      .where('properties.node_id', 'in', nodeIds)
      .execute();
    if (found.length === 0) return out;
    const parents = [...new Set(found.map((r) => r.parent_id).filter((p): p is string => p !== null))];
    const listable = new Set(
      [...(await this.tree.access.reachable(ctx, parents))].filter(([, a]) => this.tree.access.can(a, 'list')).map(([id]) => id),
    );
    const rest = [...new Set(found.filter((r) => r.parent_id === null || !listable.has(r.parent_id)).map((r) => r.node_id))];
    const readable = new Set(
      [...(await this.tree.access.reachable(ctx, rest))].filter(([, a]) => this.tree.access.can(a, 'read')).map(([id]) => id),
    );
    const rows = found.filter((r) => (r.parent_id !== null && listable.has(r.parent_id)) || readable.has(r.node_id));
    for (const r of rows) {
      const list = out.get(r.node_id) ?? [];
      list.push({ namespace: r.namespace, name: r.name, value: r.value });
      out.set(r.node_id, list);
    }
    return out;
  }

  /**
   * Sets and removes properties of one node, all or nothing. Their bytes (namespace + name +
   * value, UTF-8) count against the space's quota: what the patch adds is reserved with the same
   * conditional update as file bytes (507 when it would not fit), what it frees is released.
   */
  async patch(ctx: CallContext, nodeId: string, set: NodeProperty[], remove: { namespace: string; name: string }[]): Promise<void> {
    const located = await this.tree.byId(ctx, nodeId, 'write');
    for (const p of set) {
      if (Buffer.byteLength(p.value, 'utf8') > MAX_VALUE_BYTES) {
        throw badRequest(`The value of property ${p.name} is larger than ${MAX_VALUE_BYTES} bytes`);
      }
      if (Buffer.byteLength(p.namespace, 'utf8') + Buffer.byteLength(p.name, 'utf8') > MAX_NAME_BYTES) {
        throw badRequest(`The name of property ${p.name.slice(0, 64)}… with its namespace is longer than ${MAX_NAME_BYTES} bytes`);
      }
    }
    const spaceId = located.space.id;
    await this.db.transaction().execute(async (tx) => {
      // The space lock first, as every write of the space takes it: that orders this against an
      // upload updating the same node's row (a folder's size), so the two cannot deadlock.
      await this.spaces.lock(tx, spaceId);
      const before = await this.repo.totals(tx, nodeId);
      await this.repo.remove(tx, nodeId, remove);
      const rows: StoredProperty[] = set.map((p) => ({ node_id: nodeId, namespace: p.namespace, name: p.name, value: p.value }));
      await this.repo.upsert(tx, rows);
      const after = await this.repo.totals(tx, nodeId);
      if (after.count > MAX_PROPERTIES_PER_NODE) {
        throw badRequest(`A file or folder can have at most ${MAX_PROPERTIES_PER_NODE} properties`);
      }
      const delta = after.bytes - before.bytes;
      if (delta > 0) {
        if ((await this.spaces.reserve(tx, spaceId, delta)) === null) {
          const space = await this.spaces.getById(tx, spaceId);
          throw propertiesOverQuota(space!.used_bytes, space!.quota_bytes ?? 0, delta);
        }
      } else if (delta < 0) {
        await this.spaces.release(tx, spaceId, -delta);
      }
    });
  }
}

/** Like a file upload over quota (507), worded for properties. */
function propertiesOverQuota(used: number, quota: number, needed: number) {
  const err = insufficientStorage(Number(used), Number(quota), needed);
  err.message = `Not enough space for these properties: ${Math.max(0, quota - used)} of ${quota} bytes left, they need ${needed} (property names and values count against the quota)`;
  return err;
}
