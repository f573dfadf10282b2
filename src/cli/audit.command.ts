import type { CofferConfig } from '../config/config.js';
import { EXIT_FAILURE, EXIT_OK, out, parseCommandLine, runCommand, subcommands, UsageError, withCore } from './cli-kit.js';

const VERIFY_HELP = `Usage: coffer audit verify

Walks the audit trail in order and checks that each event carries the hash of the one before it
and that its own hash matches its content, so any altered, removed or inserted row shows.

Options:
  -h, --help   show this help

Exit status: 0 when the chain is intact, 1 when it is broken (the first broken event is named).
`;

const verify = {
  summary: 'Verify the hash chain of the audit trail',
  run: (config: CofferConfig, args: string[]) =>
    runCommand(VERIFY_HELP, async () => {
      const { values, positionals } = parseCommandLine({ args, options: { help: { type: 'boolean', short: 'h', default: false } } });
      if (values.help) {
        out(VERIFY_HELP);
        return EXIT_OK;
      }
      if (positionals.length > 0) throw new UsageError(`Unexpected arguments: ${positionals.join(' ')}`);
      return withCore(config, async (core) => {
        const result = await core.audit.verify();
        if (result.firstBroken === null) {
          out(`Checked ${result.checked} audit events: the chain is intact.`);
          return EXIT_OK;
        }
        out(
          `The audit chain is broken at event ${result.firstBroken.id}: ${result.firstBroken.reason}.\n` +
            `Checked ${result.checked} events before it; they are intact.`,
        );
        return EXIT_FAILURE;
      });
    }),
};

export const auditCommand = subcommands('audit', 'Inspect the audit trail', { verify });
