import type { CofferConfig } from '../config/config.js';
import type { FsckProblem } from '../services/fsck.service.js';
import { cliCallContext, EXIT_FAILURE, EXIT_OK, out, parseCommandLine, runCommand, UsageError, wholeNumber, withCore } from './cli-kit.js';

const HELP = `Usage: coffer fsck [--repair] [--quick] [--grace-seconds N] [--json]

Checks that the metadata and the stored bytes agree:
  - every version's blob exists with its recorded size and SHA-256 (missing-blob, size-mismatch, hash-mismatch)
  - no stored bytes or blob rows are left that nothing references (unreferenced-blob, orphan-blob-row,
    partial-upload: leftovers of crashes and interrupted clean-ups)
  - each space's used bytes equal the sum of its versions (usage-drift)

Options:
  --repair            delete unreferenced bytes and partial uploads and correct usage counters.
                      Missing or corrupted blobs cannot be repaired: restore them from a backup.
  --quick             check sizes only, without reading every blob to verify its hash
  --grace-seconds N   ignore unreferenced bytes younger than N seconds: they may belong to an upload
                      still in progress (default: COFFER_BLOB_GRACE_SECONDS, 3600)
  --json              print the report as JSON
  -h, --help          show this help

Exit status: 0 when nothing is wrong (or everything found was repaired), 1 when problems remain.
`;

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function describe(p: FsckProblem, repairing: boolean): string {
  const subject = p.key ?? (p.spaceId ? `space ${p.spaceId}` : '');
  let line = `${p.kind.padEnd(17)} ${subject}: ${p.detail}`;
  if (p.files && p.files.length > 0) line += `\n${''.padEnd(18)}used by ${p.files.join(', ')}`;
  if (p.repaired) line += ' — repaired';
  else if (!p.repairable) line += `\n${''.padEnd(18)}cannot be repaired by fsck: restore the blob from a backup, or delete the file`;
  else if (repairing) line += ' — NOT repaired';
  return line;
}

export const fsckCommand = {
  summary: 'Check (and with --repair fix) the consistency of metadata and stored bytes',
  run: (config: CofferConfig, args: string[]) =>
    runCommand(HELP, async () => {
      const { values, positionals } = parseCommandLine({
        args,
        options: {
          repair: { type: 'boolean', default: false },
          quick: { type: 'boolean', default: false },
          'grace-seconds': { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
      if (values.help) {
        out(HELP);
        return EXIT_OK;
      }
      if (positionals.length > 0) throw new UsageError(`Unexpected arguments: ${positionals.join(' ')}`);
      const graceSeconds = wholeNumber('grace-seconds', values['grace-seconds'], config.blobGraceSeconds, 365 * 86_400);
      return withCore(config, async (core) => {
        const report = await core.fsck.run({ repair: values.repair, skipHashes: values.quick, graceSeconds, ctx: cliCallContext() });
        const remaining = report.problems.filter((p) => !p.repaired);
        const clean = remaining.length === 0;
        if (values.json) {
          out(JSON.stringify({ ...report, repair: values.repair, clean }, null, 2));
          return clean ? EXIT_OK : EXIT_FAILURE;
        }
        for (const p of report.problems) out(describe(p, values.repair));
        const repaired = report.problems.length - remaining.length;
        const unrepairable = remaining.filter((p) => !p.repairable).length;
        const checked = `Checked ${plural(report.checkedBlobs, 'blob')}${values.quick ? ' (sizes only)' : ''} and ${plural(report.checkedSpaces, 'space')}`;
        if (report.problems.length === 0) {
          out(`${checked}: no problems found.`);
        } else {
          const parts = [plural(report.problems.length, 'problem')];
          if (values.repair) parts.push(`${repaired} repaired`);
          if (unrepairable > 0) parts.push(`${unrepairable} cannot be repaired by fsck`);
          if (!values.repair && remaining.some((p) => p.repairable)) parts.push('run with --repair to fix the repairable ones');
          out(`${checked}: ${parts.join(', ')}.`);
        }
        return clean ? EXIT_OK : EXIT_FAILURE;
      });
    }),
};
