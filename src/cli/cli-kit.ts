import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino from 'pino';
import { closeCore, openCore } from '../bootstrap.js';
import type { CofferConfig } from '../config/config.js';
import { cliContext, type Actor, type CallContext } from '../core/context.js';
import type { Core } from '../core/core.js';
import { CofferError } from '../core/errors.js';
import { parseByteSize } from '../util/bytes.js';

/**
 * Exit codes of the admin commands: 0 done (or clean), 1 the action failed or found problems,
 * 2 the command line was wrong (usage), 78 the configuration is invalid (from main.ts).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The CLI acts as a synthetic administrator named "cli" (the nil UUID as its id: it is no
 * account and cannot sign in), and in organisations as the instance's operator (see isOperator
 * in core/context.ts). Every change it makes goes through the core services, which record it in
 * the audit trail with actor "cli" and user agent "coffer-cli".
 */
export const CLI_ACTOR: Actor = {
  userId: '00000000-0000-0000-0000-000000000000',
  username: 'cli',
  role: 'admin',
  via: 'cli',
};

export function cliCallContext(): CallContext {
  return cliContext(CLI_ACTOR);
}

/** node:util parseArgs, strict, with its errors turned into usage errors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, allowPositionals: true, ...config });
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}

/** Opens the database and blob store the configuration names, as the server does; logs go to stderr. */
export async function openCliCore(config: CofferConfig): Promise<Core> {
  // Quiet unless LOG_LEVEL asks otherwise: the CLI's output is for people and scripts.
  const level = process.env.LOG_LEVEL ? config.logLevel : 'warn';
  const logger = pino({ level, base: { service: 'coffer-cli' } }, pino.destination(2));
  // The statement limit protects a server's requests from each other; an operator's fsck or purge
  // over a large installation may rightly run for minutes, so it applies only when set explicitly.
  const statementMs = process.env.COFFER_DB_STATEMENT_TIMEOUT === undefined ? 0 : config.dbTimeouts.statementMs;
  return openCore({ ...config, dbTimeouts: { ...config.dbTimeouts, statementMs } }, { logger });
}

export async function withCore<T>(config: CofferConfig, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCliCore(config);
  try {
    return await fn(core);
  } finally {
    await closeCore(core);
  }
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

/**
 * Runs one command body and maps failures to exit codes: usage errors print the help (2),
 * errors the core raises on purpose print their message (1). Anything else propagates to main.
 */
export async function runCommand(help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      err(`coffer: ${e.message}\n${help.split('\n')[0]}\n(--help shows every option)`);
      return EXIT_USAGE;
    }
    if (e instanceof CofferError) {
      err(`coffer: ${e.message}`);
      return EXIT_FAILURE;
    }
    throw e;
  }
}

/** One command or group of commands (the shape of commands.ts's Command, without importing it). */
export interface SubCommand {
  summary: string;
  run(config: CofferConfig, args: string[]): Promise<number>;
}

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>;

/**
 * A command with its options: `--help`/`-h` prints `help`, a wrong command line is a usage
 * error (exit 2), and `body` gets the parsed options and arguments.
 */
export function leaf<O extends ParseArgsOptionsConfig>(
  summary: string,
  help: string,
  options: O,
  body: (config: CofferConfig, parsed: Pick<Parsed<O>, 'values' | 'positionals'>) => Promise<number>,
): SubCommand {
  return {
    summary,
    run: (config, args) =>
      runCommand(help, async () => {
        const parsed = parseCommandLine({ args, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } });
        if ((parsed.values as { help?: boolean }).help) {
          out(help);
          return EXIT_OK;
        }
        return body(config, parsed as unknown as Pick<Parsed<O>, 'values' | 'positionals'>);
      }),
  };
}

/** Exactly the positional arguments `names` describes, or a usage error saying which are missing or extra. */
export function expectArgs<const N extends readonly string[]>(positionals: string[], names: N): { [K in keyof N]: string } {
  if (positionals.length < names.length) throw new UsageError(`Missing ${names.slice(positionals.length).join(' ')}`);
  if (positionals.length > names.length) throw new UsageError(`Unexpected arguments: ${positionals.slice(names.length).join(' ')}`);
  return positionals as unknown as { [K in keyof N]: string };
}

/** "10GB", "500 MiB", "20M", "1234" → bytes, or a usage error naming the option. */
export function sizeOption(option: string, text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === null) throw new UsageError(`--${option} must be a size such as 20M, 10GB or 500MiB, got "${text}"`);
  return bytes;
}

/** As sizeOption, where "unlimited" means no limit (null). */
export function quotaOption(option: string, text: string): number | null {
  if (text.trim().toLowerCase() === 'unlimited') return null;
  const bytes = parseByteSize(text);
  if (bytes === null) throw new UsageError(`--${option} must be a size such as 10GB, 500MiB or unlimited, got "${text}"`);
  return bytes;
}

/** One value of a fixed set, or a usage error listing the set. */
export function oneOf<const T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option} must be one of ${allowed.join(', ')}, got "${value}"`);
}

/** A time in a table cell: minutes, UTC. */
export function timeCell(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** Dispatches `coffer <group> <sub> …` to sub-commands, each with its own help. */
export function subcommands(group: string, summary: string, subs: Record<string, SubCommand>): SubCommand {
  const help = () => {
    const width = Math.max(10, ...Object.keys(subs).map((name) => name.length));
    const lines = Object.entries(subs).map(([name, s]) => `  ${name.padEnd(width)} ${s.summary}`);
    return `Usage: coffer ${group} <command> [options]\n\n${summary}\n\nCommands:\n${lines.join('\n')}\n\nRun "coffer ${group} <command> --help" for its options.\n`;
  };
  return {
    summary,
    async run(config, args) {
      const [name, ...rest] = args;
      if (name === '--help' || name === '-h' || name === 'help') {
        out(help());
        return EXIT_OK;
      }
      if (!name) {
        err(help());
        return EXIT_USAGE;
      }
      const sub = subs[name];
      if (!sub) {
        err(`coffer: unknown command "${group} ${name}"\n\n${help()}`);
        return EXIT_USAGE;
      }
      return sub.run(config, rest);
    },
  };
}

/** Left-aligned text columns with a header row. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Parses a whole number option between 0 and `max`, or throws a usage error naming it. */
export function wholeNumber(option: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--${option} must be a whole number of at least 0, got "${value}"`);
  const n = Number(value);
  if (n > max) throw new UsageError(`--${option} can be at most ${max}, got "${value}"`);
  return n;
}
