import { sql } from 'kysely';
import type { Db } from './node.repository.js';

/** The tables that grow with use, whose statistics decide how they are searched. */
export const GROWING_TABLES = ['nodes', 'versions', 'blobs', 'audit_events'] as const;
export type GrowingTable = (typeof GROWING_TABLES)[number];

/** A table's size on disk and whether it was ever analyzed. */
export interface TableSize {
  pages: number;
  analyzed: boolean;
}

/** What PostgreSQL knows about the growing tables, and the upkeep they get where autovacuum does not run. */
export class TableStatsRepository {
  /** Whether the server's autovacuum daemon is on (it analyzes tables as they change). */
  async autovacuumOn(db: Db): Promise<boolean> {
    const r = await sql<{ on: boolean }>`select current_setting('autovacuum') = 'on' as on`.execute(db);
    return r.rows[0]?.on ?? false;
  }

  /**
   * Each growing table's size in pages, read from its file (exact, and known without any
   * statistics), and whether it was ever analyzed (reltuples is -1 until then).
   */
  async sizes(db: Db): Promise<Map<GrowingTable, TableSize>> {
    const r = await sql<{ name: GrowingTable; pages: number; analyzed: boolean }>`
      select c.relname as name,
             (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as pages,
             c.reltuples >= 0 as analyzed
        from pg_class c
       where c.oid = any (array[${sql.join(GROWING_TABLES.map((t) => sql`to_regclass(${t})`))}]::oid[])`.execute(db);
    return new Map(r.rows.map((row) => [row.name, { pages: row.pages, analyzed: row.analyzed }]));
  }

  async analyze(db: Db, table: GrowingTable): Promise<void> {
    await sql`analyze ${sql.table(table)}`.execute(db);
  }

  /**
   * Reclaims the dead rows of sealed audit events and their entries in every index; index
   * cleanup is asked for, since PostgreSQL may skip it when few pages hold dead rows, and the
   * index of pending events is the one that needs it.
   */
  async vacuumAuditEvents(db: Db): Promise<void> {
    await sql`vacuum (index_cleanup on) audit_events`.execute(db);
  }
}
