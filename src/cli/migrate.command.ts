import path from 'node:path';
import { migrate, openDatabase } from '../db/database.js';
import type { Command } from './commands.js';
import { EXIT_OK, expectArgs, leaf, out } from './cli-kit.js';

const HELP = `Usage: coffer migrate

Applies pending database migrations (servers also apply them when they start).

Options:
  -h, --help   show this help
`;

export const migrateCommand: Command = leaf('Apply pending database migrations', HELP, {}, async (config, { positionals }) => {
  expectArgs(positionals, []);
  // Only the database: the core needs tables (settings) a fresh database does not have yet.
  const db = await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'db') });
  try {
    const applied = await migrate(db);
    out(applied.length > 0 ? `Applied ${applied.join(', ')}` : 'The database is up to date');
    return EXIT_OK;
  } finally {
    await db.destroy();
  }
});
