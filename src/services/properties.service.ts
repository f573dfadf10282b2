import type { CallContext } from '../core/context.js';
import { badRequest } from '../core/errors.js';
import type { PropertyRepository, StoredProperty } from '../repositories/property.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { TreeService } from './tree.service.js';

export interface NodeProperty {
  namespace: string;
  name: string;
  value: string;
}

const MAX_VALUE_BYTES = 64 * 1024;
const MAX_PROPERTIES_PER_NODE = 1000;

/** Arbitrary named properties on files and folders (WebDAV dead properties); they move and copy with the node. */
export class PropertiesService {
  constructor(
    private readonly db: Db,
    private readonly tree: TreeService,
    private readonly repo: PropertyRepository,
  ) {}

  /** Properties of several nodes the caller can see, by node id. */
  async forNodes(ctx: CallContext, nodeIds: string[]): Promise<Map<string, NodeProperty[]>> {
    const space = await this.tree.personalSpace(ctx);
    const rows = await this.db
      .selectFrom('properties')
      .innerJoin('nodes', 'nodes.id', 'properties.node_id')
      .select(['properties.node_id', 'properties.namespace', 'properties.name', 'properties.value'])
      .where('properties.node_id', 'in', nodeIds.length > 0 ? nodeIds : ['00000000-0000-0000-0000-000000000000'])
      .where('nodes.space_id', '=', space.id)
      .execute();
    const out = new Map<string, NodeProperty[]>();
    for (const r of rows) {
      const list = out.get(r.node_id) ?? [];
      list.push({ namespace: r.namespace, name: r.name, value: r.value });
      out.set(r.node_id, list);
    }
    return out;
  }

  /** Sets and removes properties of one node, all or nothing. */
  async patch(ctx: CallContext, nodeId: string, set: NodeProperty[], remove: { namespace: string; name: string }[]): Promise<void> {
    const located = await this.tree.byId(ctx, nodeId);
    this.tree.assertWritable(ctx, located.space);
    for (const p of set) {
      if (Buffer.byteLength(p.value, 'utf8') > MAX_VALUE_BYTES) {
        throw badRequest(`The value of property ${p.name} is larger than ${MAX_VALUE_BYTES} bytes`);
      }
    }
    await this.db.transaction().execute(async (tx) => {
      await this.repo.remove(tx, nodeId, remove);
      const rows: StoredProperty[] = set.map((p) => ({ node_id: nodeId, namespace: p.namespace, name: p.name, value: p.value }));
      await this.repo.upsert(tx, rows);
      if ((await this.repo.count(tx, nodeId)) > MAX_PROPERTIES_PER_NODE) {
        throw badRequest(`A file or folder can have at most ${MAX_PROPERTIES_PER_NODE} properties`);
      }
    });
  }
}
