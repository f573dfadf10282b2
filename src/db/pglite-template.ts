import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, sql } from 'kysely';
import { migrate } from './database.js';
import { PGliteDialect } from './pglite-dialect.js';
import { PGliteThread } from './pglite-thread.js';
import type { DB } from './schema.js';

/**
 * A new, migrated, empty embedded database as a gzipped data directory: what a new server (and
 * every embedded test server) starts from instead of creating one, which takes seconds and
 * ~850 MB. Made once at build time and by the test set-up.
 */
export async function makePgliteTemplate(): Promise<Uint8Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-pglite-template-'));
  try {
    const client = await PGliteThread.open(path.join(dir, 'db'));
    const db = new Kysely<DB>({ dialect: new PGliteDialect(client) });
    try {
      await migrate(db);
      await dropTemplateDatabases(db);
      return await client.dump();
    } finally {
      await db.destroy();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * PGlite runs in the `postgres` database and never creates another, so template0 and template1
 * are ~600 of the template's 1,100 files: each costs a file creation when a new server unpacks
 * it, about 0.5 ms apiece on a virtual machine's ext4 (bench/results/2026-12-06-embedded-start.md).
 */
async function dropTemplateDatabases(db: Kysely<DB>): Promise<void> {
  await sql`update pg_database set datistemplate = false where datname in ('template0', 'template1')`.execute(db);
  await sql`drop database template0`.execute(db);
  await sql`drop database template1`.execute(db);
}
