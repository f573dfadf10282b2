import { sql } from 'kysely';
import type { Db } from './node.repository.js';

export interface StoredProperty {
  node_id: string;
  namespace: string;
  name: string;
  value: string;
}

/**
 * SQL for dead properties (WebDAV PROPPATCH values and other per-node metadata). Each row's
 * `size` (UTF-8 bytes of namespace + name + value) is a generated column: what the quota counts.
 */
export class PropertyRepository {
  async forNodes(db: Db, nodeIds: string[]): Promise<StoredProperty[]> {
    if (nodeIds.length === 0) return [];
    return db
      .selectFrom('properties')
      .select(['node_id', 'namespace', 'name', 'value'])
      .where('node_id', 'in', nodeIds)
      .orderBy('node_id')
      .orderBy('namespace')
      .orderBy('name')
      .execute();
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
    if (names.length === 0) return;
    await db
      .deleteFrom('properties')
      .where('node_id', '=', nodeId)
      .where((eb) => eb.or(names.map((n) => eb.and([eb('namespace', '=', n.namespace), eb('name', '=', n.name)]))))
      .execute();
  }

  /** How many properties a node has and the bytes they count against the quota. */
  async totals(db: Db, nodeId: string): Promise<{ count: number; bytes: number }> {
    const row = await db
      .selectFrom('properties')
      .select((eb) => [eb.fn.countAll<string>().as('n'), sql<string>`coalesce(sum(size), 0)`.as('bytes')])
      .where('node_id', '=', nodeId)
      .executeTakeFirstOrThrow();
    return { count: Number(row.n), bytes: Number(row.bytes) };
  }

  /** Bytes the properties of these nodes count (what a copy of them adds to the quota). */
  async bytesOfNodes(db: Db, nodeIds: string[]): Promise<number> {
    let total = 0;
    for (let i = 0; i < nodeIds.length; i += 1000) {
      const row = await db
        .selectFrom('properties')
        .select(sql<string>`coalesce(sum(size), 0)`.as('bytes'))
        .where('node_id', 'in', nodeIds.slice(i, i + 1000))
        .executeTakeFirstOrThrow();
      total += Number(row.bytes);
    }
    return total;
  }

  /** Bytes the properties of a node and everything beneath it count (what purging it frees). */
  async subtreeBytes(db: Db, rootId: string): Promise<number> {
    const result = await sql<{ bytes: string }>`
      with recursive down(id) as (
        select ${rootId}::uuid
        union all
        select n.id from down d cross join lateral (select c.id from nodes c where c.parent_id = d.id offset 0) n
      )
      -- By index, not a scan of every property (see NodeRepository.subtreeVersionBytes).
      select coalesce(sum(p.size), 0)::bigint as bytes from properties p where p.node_id = any (array(select id from down))`.execute(db);
    return Number(result.rows[0]?.bytes ?? 0);
  }

  /** Property bytes per space (spaces without properties are absent), for consistency checks. */
  async bytesBySpace(db: Db): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('properties as p')
      .innerJoin('nodes as n', 'n.id', 'p.node_id')
      .select(['n.space_id', sql<string>`sum(p.size)`.as('bytes')])
      .groupBy('n.space_id')
      .execute();
    return new Map(rows.map((r) => [r.space_id, Number(r.bytes)]));
  }

  async bytesOfSpace(db: Db, spaceId: string): Promise<number> {
    const row = await db
      .selectFrom('properties as p')
      .innerJoin('nodes as n', 'n.id', 'p.node_id')
      .select(sql<string>`coalesce(sum(p.size), 0)`.as('bytes'))
      .where('n.space_id', '=', spaceId)
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  /** Copies the properties of each source node to its copy, in one statement per batch. */
  async copy(db: Db, idMap: Map<string, string>): Promise<void> {
    const pairs = [...idMap];
    for (let i = 0; i < pairs.length; i += 1000) {
      const batch = pairs.slice(i, i + 1000);
      await sql`
        insert into properties (node_id, namespace, name, value)
        select m.copy_id, p.namespace, p.name, p.value
          from properties p
          join (values ${sql.join(batch.map(([from, to]) => sql`(${from}::uuid, ${to}::uuid)`))}) as m(source_id, copy_id) on m.source_id = p.node_id
        on conflict (node_id, namespace, name) do update set value = excluded.value`.execute(db);
    }
  }
}
