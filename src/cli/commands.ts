import type { CofferConfig } from '../config/config.js';
import { serveCommand } from './serve.command.js';
import { migrateCommand } from './migrate.command.js';

export interface Command {
  summary: string;
  /** Resolves to the exit code; -1 means "keep running" (the server). */
  run(config: CofferConfig, args: string[]): Promise<number>;
}

export const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `Usage: coffer <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nConfiguration comes from environment variables; see README.md.\n`;
}
