import { sql } from 'kysely';
import type { RecordRow, RecordType } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** A record with whether its folder is live, and the folder's name. */
export type ListedRecord = RecordRow & { folder_name: string; archived: boolean };

export interface RecordQuery {
  typeId: string;
  /** Field → value, each compared as text with the field's value. */
  equals: Record<string, string>;
  sort: { field: string; numeric: boolean } | { column: 'created_at' | 'updated_at' };
  order: 'asc' | 'desc';
  includeArchived: boolean;
  limit: number;
  offset: number;
}

/** SQL for record types and records. */
export class RecordRepository {
  async types(db: Db, spaceId: string): Promise<RecordType[]> {
    return db.selectFrom('record_types').selectAll().where('space_id', '=', spaceId).orderBy('name').execute();
  }

  async type(db: Db, spaceId: string, name: string): Promise<RecordType | undefined> {
    return db.selectFrom('record_types').selectAll().where('space_id', '=', spaceId).where('name', '=', name).executeTakeFirst();
  }

  async putType(db: Db, row: { id: string; space_id: string; name: string; title: string; schema: unknown }): Promise<RecordType> {
    const schema = JSON.stringify(row.schema);
    return db
      .insertInto('record_types')
      .values({ ...row, schema })
      .onConflict((oc) => oc.columns(['space_id', 'name']).doUpdateSet({ title: row.title, schema, updated_at: sql`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async deleteType(db: Db, id: string): Promise<void> {
    await db.deleteFrom('record_types').where('id', '=', id).execute();
  }

  async get(db: Db, id: string): Promise<ListedRecord | undefined> {
    const result = await sql<ListedRecord>`
      select r.*, n.name as folder_name, ${archived()} as archived
        from records r join nodes n on n.id = r.folder_id where r.id = ${id}::uuid`.execute(db);
    return result.rows[0];
  }

  async byFolder(db: Db, folderId: string): Promise<RecordRow | undefined> {
    return db.selectFrom('records').selectAll().where('folder_id', '=', folderId).executeTakeFirst();
  }

  async insert(db: Db, row: { id: string; type_id: string; space_id: string; folder_id: string; data: Record<string, unknown>; created_by: string }): Promise<void> {
    await db.insertInto('records').values({ ...row, data: JSON.stringify(row.data) }).execute();
  }

  async update(db: Db, id: string, data: Record<string, unknown>): Promise<void> {
    await db.updateTable('records').set({ data: JSON.stringify(data), updated_at: sql`now()` }).where('id', '=', id).execute();
  }

  async delete(db: Db, id: string): Promise<void> {
    await db.deleteFrom('records').where('id', '=', id).execute();
  }

  /** A page of a type's records, filtered and sorted on their fields, with the total. */
  async list(db: Db, q: RecordQuery): Promise<{ items: ListedRecord[]; total: number }> {
    const conditions = [sql`r.type_id = ${q.typeId}::uuid`];
    for (const [field, value] of Object.entries(q.equals)) conditions.push(sql`r.data ->> ${field} = ${value}`);
    if (!q.includeArchived) conditions.push(sql`not ${archived()}`);
    const where = sql.join(conditions, sql` and `);
    const direction = sql.raw(q.order === 'desc' ? 'desc' : 'asc');
    const key =
      'column' in q.sort
        ? sql.ref(`r.${q.sort.column}`)
        : q.sort.numeric
          ? sql`(case when jsonb_typeof(r.data -> ${q.sort.field}) = 'number' then (r.data ->> ${q.sort.field})::numeric end)`
          : sql`(r.data ->> ${q.sort.field})`;
    const [items, count] = await Promise.all([
      sql<ListedRecord>`
        select r.*, n.name as folder_name, ${archived()} as archived
          from records r join nodes n on n.id = r.folder_id
         where ${where}
         order by ${key} ${direction} nulls last, r.id
         limit ${q.limit} offset ${q.offset}`.execute(db),
      sql<{ n: number }>`select count(*)::int as n from records r join nodes n on n.id = r.folder_id where ${where}`.execute(db),
    ]);
    return { items: items.rows, total: Number(count.rows[0]?.n ?? 0) };
  }
}

/** Whether the record's folder (`n`) or one of its ancestors is in the trash. */
function archived() {
  return sql<boolean>`exists (
    with recursive up as (
      select n.id, n.parent_id, n.deleted_at
      union all
      select p.id, p.parent_id, p.deleted_at from up join nodes p on p.id = up.parent_id
    )
    select 1 from up where up.deleted_at is not null)`;
}
