import { sql } from 'kysely';
import type { FolderPolicy } from '../db/schema.js';
import type { Db } from './node.repository.js';

export type PolicyFields = Pick<FolderPolicy, 'allowed_extensions' | 'allowed_types' | 'max_file_bytes' | 'write_once'> &
  Partial<Pick<FolderPolicy, 'originals_id' | 'max_age_hours'>>;

/** SQL for folder policies and a space's layout settings. */
export class PolicyRepository {
  async forNodes(db: Db, nodeIds: readonly string[]): Promise<FolderPolicy[]> {
    if (nodeIds.length === 0) return [];
    return db.selectFrom('folder_policies').selectAll().where('node_id', 'in', [...nodeIds]).execute();
  }

  async set(db: Db, row: PolicyFields & { node_id: string; space_id: string; updated_by: string }): Promise<FolderPolicy> {
    const { node_id: _n, space_id: _s, ...fields } = row;
    const saved = await db
      .insertInto('folder_policies')
      .values(row)
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ ...fields, updated_at: sql`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await db.updateTable('spaces').set({ has_policies: true }).where('id', '=', row.space_id).where('has_policies', '=', false).execute();
    return saved;
  }

  async remove(db: Db, nodeId: string): Promise<boolean> {
    const r = await db.deleteFrom('folder_policies').where('node_id', '=', nodeId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setLayout(db: Db, spaceId: string, patch: { layout?: unknown; timestamp_names?: boolean | undefined }): Promise<void> {
    const set: { layout?: string | null; timestamp_names?: boolean } = {};
    if (patch.layout !== undefined) set.layout = patch.layout === null ? null : JSON.stringify(patch.layout);
    if (patch.timestamp_names !== undefined) set.timestamp_names = patch.timestamp_names;
    if (Object.keys(set).length > 0) await db.updateTable('spaces').set(set).where('id', '=', spaceId).execute();
  }

  /** Live folders whose items expire after a maximum age. */
  async expiring(db: Db): Promise<{ node_id: string; max_age_hours: number }[]> {
    const rows = await db
      .selectFrom('folder_policies as p')
      .innerJoin('nodes as n', 'n.id', 'p.node_id')
      .select(['p.node_id', 'p.max_age_hours'])
      .where('p.max_age_hours', 'is not', null)
      .where('n.deleted_at', 'is', null)
      .execute();
    return rows.map((r) => ({ node_id: r.node_id, max_age_hours: Number(r.max_age_hours) }));
  }
}
