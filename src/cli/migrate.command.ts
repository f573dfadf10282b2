import { closeCore, openCore } from '../bootstrap.js';
import type { Command } from './commands.js';

export const migrateCommand: Command = {
  summary: 'Apply pending database migrations',
  async run(config) {
    const core = await openCore(config, { migrate: false });
    try {
      const { migrate } = await import('../db/database.js');
      const applied = await migrate(core.db);
      process.stdout.write(applied.length > 0 ? `Applied ${applied.join(', ')}\n` : 'The database is up to date\n');
      return 0;
    } finally {
      await closeCore(core);
    }
  },
};
