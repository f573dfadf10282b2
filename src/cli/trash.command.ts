import type { CofferConfig } from '../config/config.js';
import { cliCallContext, EXIT_OK, out, parseCommandLine, runCommand, subcommands, UsageError, wholeNumber, withCore } from './cli-kit.js';

const PURGE_HELP = `Usage: coffer trash purge [--older-than-days N]

Permanently deletes trashed items past their space's retention and frees their bytes (the
periodic maintenance task does the same): a space's own retention where it sets one (0 keeps
items until its trash is emptied), else COFFER_TRASH_RETENTION_DAYS (30).

Options:
  --older-than-days N   cut every space's trash at N days instead, its own setting
                        notwithstanding; 0 purges everything in every trash
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
      const given = values['older-than-days'];
      const days = given === undefined ? undefined : wholeNumber('older-than-days', given, config.trashRetentionDays, 36_500);
      return withCore(config, async (core) => {
        const purged = await core.trash.purgeExpired(new Date(), cliCallContext(), days);
        const fallback = config.trashRetentionDays;
        const age =
          days === undefined
            ? `past each space's retention; ${fallback} day${fallback === 1 ? '' : 's'} where a space sets none`
            : `deleted more than ${days} day${days === 1 ? '' : 's'} ago, in every space`;
        out(`Purged ${purged} item${purged === 1 ? '' : 's'} from the trash (${age})`);
        return EXIT_OK;
      });
    }),
};

export const trashCommand = subcommands('trash', 'Manage the trash of all spaces', { purge });
