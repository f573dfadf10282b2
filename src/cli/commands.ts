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
  org: lazy('Manage organisations and their members: org create, list, suspend, member add', async () => (await import('./org.command.js')).orgCommand),
  space: lazy('Manage organisations’ spaces: space create, list, member add', async () => (await import('./space.command.js')).spaceCommand),
  'service-account': lazy('Manage applications’ service accounts and API keys', async () => (await import('./service-account.command.js')).serviceAccountCommand),
  policy: lazy('Set folder policies (write-once, types, sizes): policy set', async () => (await import('./policy.command.js')).policyCommand),
  'record-type': lazy('Define record types of a space: record-type create', async () => (await import('./record-type.command.js')).recordTypeCommand),
  worker: lazy('Run background jobs apart from the servers', async () => (await import('./worker.command.js')).workerCommand),
  jobs: lazy('See and manage background jobs: jobs status, list, retry, run', async () => (await import('./jobs.command.js')).jobsCommand),
  audit: lazy('Verify the audit trail’s hash chain: audit verify', async () => (await import('./audit.command.js')).auditCommand),
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `Usage: coffer <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "coffer <command> --help" for its options. Configuration comes from environment\nvariables (the same as the server's: DATABASE_URL, COFFER_DATA_DIR, COFFER_S3_*); see README.md.\n`;
}
