import { sql } from 'kysely';
import type { Node } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** SQL for derived files: which original each was made from. */
export class DerivedRepository {
  /** Ties a derived file to its original; a new version of it may name another. */
  async link(db: Db, row: { nodeId: string; originalId: string; spaceId: string }): Promise<void> {
    await db
      .insertInto('derived_files')
      .values({ node_id: row.nodeId, original_id: row.originalId, space_id: row.spaceId })
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ original_id: row.originalId, created_at: sql`now()` }))
      .execute();
  }

  /** The live original a file was made from, if any. */
  async originalOf(db: Db, nodeId: string): Promise<Node | undefined> {
    return db
      .selectFrom('derived_files as d')
      .innerJoin('nodes as n', 'n.id', 'd.original_id')
      .selectAll('n')
      .where('d.node_id', '=', nodeId)
      .where('n.deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** The live files made from an original, newest first (at most `limit`). */
  async derivedOf(db: Db, originalId: string, limit: number): Promise<Node[]> {
    return db
      .selectFrom('derived_files as d')
      .innerJoin('nodes as n', 'n.id', 'd.node_id')
      .selectAll('n')
      .where('d.original_id', '=', originalId)
      .where('n.deleted_at', 'is', null)
      .orderBy('d.created_at', 'desc')
      .limit(limit)
      .execute();
  }
}
