import type { CofferConfig } from '../config/config.js';
import { cliCallContext, EXIT_OK, out, parseCommandLine, runCommand, subcommands, UsageError, wholeNumber, withCore } from './cli-kit.js';

const PURGE_HELP = `Usage: coffer trash purge [--older-than-days N]

Permanently deletes, in every space, the trashed items deleted more than N days ago and frees
their bytes (the periodic maintenance task does the same).

Options:
  --older-than-days N   retention in days; 0 purges everything in the trash
                        (default: COFFER_TRASH_RETENTION_DAYS, 30)
  -h, --help            show this help
`;

const purge = {
  summary: 'Purge trash older than the retention period [--older-than-days N]',
  run: (config: CofferConfig, args: string[]) =>
    runCommand(PURGE_HELP, async () => {
      const { values, positionals } = parseCommandLine({
        args,
        options: { 'older-than-days': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
      });
      if (values.help) {
        out(PURGE_HELP);
        return EXIT_OK;
      }
      if (positionals.length > 0) throw new UsageError(`Unexpected arguments: ${positionals.join(' ')}`);
      const days = wholeNumber('older-than-days', values['older-than-days'], config.trashRetentionDays, 36_500);
      return withCore(config, async (core) => {
        const purged = await core.trash.purgeExpired(days, new Date(), cliCallContext());
        out(`Purged ${purged} item${purged === 1 ? '' : 's'} from the trash (deleted more than ${days} day${days === 1 ? '' : 's'} ago)`);
        return EXIT_OK;
      });
    }),
};

export const trashCommand = subcommands('trash', 'Manage the trash of all spaces', { purge });
