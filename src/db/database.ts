import fs from 'node:fs';
import path from 'node:path';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.js';
import { PGliteThread } from './pglite-thread.js';
import { prepareByText } from './prepared-client.js';
import { lockPgliteDir } from './pglite-lock.js';
import { connectionTimeouts, TimeLimitedPostgresDialect, type DbTimeouts } from './time-limits.js';
import type { DB } from './schema.js';

export type Database = Kysely<DB>;

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent an embedded PGlite database lives in `pgliteDir`. */
  url?: string | undefined;
  pgliteDir?: string | undefined;
  /** A gzipped PGlite data directory to start from when `pgliteDir` is empty (tests use a migrated template). */
  pgliteTemplate?: Uint8Array | undefined;
  poolSize?: number | undefined;
  /**
   * Statement, lock and idle-transaction limits for every PostgreSQL connection; a statement
   * they stop fails with a 503 (time-limits.ts). PGlite ignores them: see below.
   */
  timeouts?: DbTimeouts | undefined;
  onPoolError?: ((err: Error) => void) | undefined;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** int8 columns hold byte counts and ids well inside 2^53; read them as numbers everywhere. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 20,
      types: pgTypes as pg.CustomTypesConfig,
      ...connectionTimeouts(options.timeouts),
    });
    // An idle connection killed by the server (restart, failover) must not crash the process.
    pool.on('error', (err) => options.onPoolError?.(err));
    pool.on('connect', prepareByText);
    const db = new Kysely<DB>({ dialect: new TimeLimitedPostgresDialect({ pool }) });
    await sql`select 1`.execute(db);
    return db;
  }
  // PGlite runs PostgreSQL as WebAssembly on a thread of its own (pglite-thread.ts); a statement
  // cannot be interrupted from outside, so the limits above cannot apply. Requests stay short
  // because the work each may do is bounded (path depth, one propagation per change).
  const dir = options.pgliteDir;
  if (!dir) throw new Error('openDatabase needs either a PostgreSQL URL or a PGlite directory');
  fs.mkdirSync(dir, { recursive: true });
  // One process at a time: PGlite has no lock of its own (see pglite-lock.ts).
  const unlock = lockPgliteDir(dir);
  try {
    const isEmpty = fs.readdirSync(dir).length === 0;
    const template = isEmpty ? (options.pgliteTemplate ?? bundledTemplate()) : undefined;
    const client = await PGliteThread.open(dir, template);
    return new Kysely<DB>({ dialect: new PGliteDialect(client, unlock) });
  } catch (err) {
    unlock();
    throw err;
  }
}

/**
 * A new embedded database starts from a migrated, empty one made at build time
 * (scripts/copy-assets.mjs): creating one from nothing takes seconds and ~850 MB, loading this
 * well under one. Absent when running from source: then PGlite creates the database.
 */
function bundledTemplate(): Uint8Array | undefined {
  const file = path.join(path.dirname(new URL(import.meta.url).pathname), PGLITE_TEMPLATE);
  return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
}

/** The file name of the bundled template, beside this module in a build. */
export const PGLITE_TEMPLATE = 'pglite-template.tar.gz';

/** Where the plain SQL migrations live, both when run from source and from the build. */
function migrationsDir(): string {
  const here = path.dirname(new URL(import.meta.url).pathname);
  return path.join(here, 'migrations');
}

export function listMigrations(): { name: string; sql: string }[] {
  const dir = migrationsDir();
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

const MIGRATION_LOCK_KEY = 7_345_001;

/** Applies pending migrations in order; several servers starting at once take turns on an advisory lock. */
export async function migrate(db: Database): Promise<string[]> {
  const applied: string[] = [];
  await db.connection().execute(async (conn) => {
    // Migrations may rebuild large tables, and another server may be migrating right now:
    // neither the statement nor the lock time limits of request work apply to them.
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`set lock_timeout = 0`.execute(conn);
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`.execute(
        conn,
      );
      const done = new Set(
        (await sql<{ name: string }>`select name from schema_migrations`.execute(conn)).rows.map((r) => r.name),
      );
      for (const m of listMigrations()) {
        if (done.has(m.name)) continue;
        await conn.transaction().execute(async (tx) => {
          await sql.raw(m.sql).execute(tx);
          await sql`insert into schema_migrations (name) values (${m.name})`.execute(tx);
        });
        applied.push(m.name);
      }
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
      // Back to the connection's own limits before the pool hands it to a request.
      await sql`reset statement_timeout`.execute(conn);
      await sql`reset lock_timeout`.execute(conn);
    }
  });
  return applied;
}
