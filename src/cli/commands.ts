import type { CofferConfig } from '../config/config.js';

export interface Command {
  summary: string;
  /** Resolves to the exit code; -1 means "keep running" (the server). */
  run(config: CofferConfig, args: string[]): Promise<number>;
}

/** A command whose module loads only when it runs, so `coffer user list` does not load the HTTP stack. */
function lazy(summary: string, load: () => Promise<Command>): Command {
  return { summary, run: async (config, args) => (await load()).run(config, args) };
}

export const commands: Record<string, Command> = {
  serve: lazy('Start the server (HOST, PORT, DATABASE_URL, COFFER_* configure it)', async () => (await import('./serve.command.js')).serveCommand),
  migrate: lazy('Apply pending database migrations', async () => (await import('./migrate.command.js')).migrateCommand),
  user: lazy('Manage user accounts: create, list, passwd', async () => (await import('./user.command.js')).userCommand),
  fsck: lazy('Check (and with --repair fix) that metadata and stored bytes agree', async () => (await import('./fsck.command.js')).fsckCommand),
  trash: lazy('Purge trash past its retention: trash purge', async () => (await import('./trash.command.js')).trashCommand),
  audit: lazy('Verify the audit trail’s hash chain: audit verify', async () => (await import('./audit.command.js')).auditCommand),
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `Usage: coffer <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "coffer <command> --help" for its options. Configuration comes from environment\nvariables (the same as the server's: DATABASE_URL, COFFER_DATA_DIR, COFFER_S3_*); see README.md.\n`;
}
