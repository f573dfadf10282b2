import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely } from 'kysely';
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
      return await client.dump();
    } finally {
      await db.destroy();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
