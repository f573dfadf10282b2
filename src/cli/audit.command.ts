import type { CofferConfig } from '../config/config.js';
import { EXIT_FAILURE, EXIT_OK, out, parseCommandLine, runCommand, subcommands, UsageError, withCore } from './cli-kit.js';

const VERIFY_HELP = `Usage: coffer audit verify

Checks the audit trail: one chain per space plus one for account and admin events. Each event
carries the keyed hash (HMAC-SHA256) of the one before it in its chain and of its own content,
and each chain's head (its event count and newest hash) is kept apart and MACed with the same
key. So an altered or rewritten event, an event removed or inserted, and the newest events
deleted all show, even if the hashes after them were recomputed without the key.

The key comes from COFFER_AUDIT_KEY, or from reserved/audit-key in the blob store.

Options:
  -h, --help   show this help

Exit status: 0 when every chain is intact, 1 when any is not (each damaged chain is named, with
its first bad event or what its head expected).
`;

const verify = {
  summary: 'Verify the keyed hash chains of the audit trail',
  run: (config: CofferConfig, args: string[]) =>
    runCommand(VERIFY_HELP, async () => {
      const { values, positionals } = parseCommandLine({ args, options: { help: { type: 'boolean', short: 'h', default: false } } });
      if (values.help) {
        out(VERIFY_HELP);
        return EXIT_OK;
      }
      if (positionals.length > 0) throw new UsageError(`Unexpected arguments: ${positionals.join(' ')}`);
      return withCore(config, async (core) => {
        const report = await core.audit.verify();
        const summary = `Checked ${report.checked} audit events in ${report.chains} chains`;
        if (report.problems.length === 0) {
          out(`${summary}: every chain is intact.`);
          return EXIT_OK;
        }
        const lines = [`${summary}: ${report.problems.length} ${report.problems.length === 1 ? 'chain is' : 'chains are'} damaged.`];
        for (const p of report.problems) lines.push(`  - ${p.message}`);
        if (report.keyMismatch) {
          lines.push(
            'The audit key in use is not the one these chains were written with, so every keyed event fails: ' +
              'restore the original key (COFFER_AUDIT_KEY, or reserved/audit-key in the blob store) before trusting this report.',
          );
        } else {
          lines.push('Compare the named events with a backup of the database to see what was changed.');
        }
        out(lines.join('\n'));
        return EXIT_FAILURE;
      });
    }),
};

export const auditCommand = subcommands('audit', 'Inspect the audit trail', { verify });
