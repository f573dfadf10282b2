import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { Kysely } from 'kysely';
import { migrate } from '../src/db/database.js';
import { PGliteDialect } from '../src/db/pglite-dialect.js';
import type { DB } from '../src/db/schema.js';

/**
 * Creating a PGlite database takes seconds and ~850 MB; loading a migrated dump takes well under
 * one. Every embedded test server starts from this template.
 */
export default async function setup(project: TestProject) {
  buildWebAppIfMissing();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-template-'));
  const client = await PGlite.create({ dataDir: path.join(dir, 'db') });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(client) });
  await migrate(db);
  const dump = await client.dumpDataDir('gzip');
  const file = path.join(dir, 'template.tar.gz');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.destroy();
  project.provide('pgliteTemplate', file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

/** The server serves web/dist, and the browser tests drive it: build it once if a checkout has not. */
function buildWebAppIfMissing() {
  const index = fileURLToPath(new URL('../web/dist/index.html', import.meta.url));
  if (fs.existsSync(index)) return;
  execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit' });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
