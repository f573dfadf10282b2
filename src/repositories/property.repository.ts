import type { Db } from './node.repository.js';

export interface StoredProperty {
  node_id: string;
  namespace: string;
  name: string;
  value: string;
}

/** SQL for dead properties (WebDAV PROPPATCH values and other per-node metadata). */
export class PropertyRepository {
  async forNodes(db: Db, nodeIds: string[]): Promise<StoredProperty[]> {
    if (nodeIds.length === 0) return [];
    return db.selectFrom('properties').selectAll().where('node_id', 'in', nodeIds).orderBy('node_id').orderBy('namespace').orderBy('name').execute();
  }

  async upsert(db: Db, rows: StoredProperty[]): Promise<void> {
    if (rows.length === 0) return;
    await db
      .insertInto('properties')
      .values(rows)
      .onConflict((oc) => oc.columns(['node_id', 'namespace', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
  }

  async remove(db: Db, nodeId: string, names: { namespace: string; name: string }[]): Promise<void> {
    for (const n of names) {
      await db.deleteFrom('properties').where('node_id', '=', nodeId).where('namespace', '=', n.namespace).where('name', '=', n.name).execute();
    }
  }

  async count(db: Db, nodeId: string): Promise<number> {
    const row = await db.selectFrom('properties').select((eb) => eb.fn.countAll<number>().as('n')).where('node_id', '=', nodeId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Copies the properties of each source node to its copy, in one statement per batch. */
  async copy(db: Db, idMap: Map<string, string>): Promise<void> {
    const sources = [...idMap.keys()];
    for (let i = 0; i < sources.length; i += 1000) {
      const batch = sources.slice(i, i + 1000);
      const rows = await this.forNodes(db, batch);
      await this.upsert(db, rows.map((r) => ({ ...r, node_id: idMap.get(r.node_id)! })));
    }
  }
}
