import type { CofferConfig } from '../config/config.js';
import type { UserWithUsage } from '../repositories/user.repository.js';
import { formatBytes } from '../util/bytes.js';
import { cliCallContext, EXIT_OK, out, parseCommandLine, quotaOption, runCommand, subcommands, table, timeCell, UsageError, withCore } from './cli-kit.js';
import { readNewPassword } from './password.js';

const CREATE_HELP = `Usage: coffer user create NAME [--email EMAIL] [--display-name TEXT] [--admin] [--quota SIZE] [--password-stdin]

Creates an account with its personal space.

Options:
  --email EMAIL         email address (can also be used to sign in)
  --display-name TEXT   name shown in the apps (default: NAME)
  --admin               make the user an administrator
  --quota SIZE          storage limit such as 10GB, 500MiB or "unlimited" (default: COFFER_DEFAULT_QUOTA)
  --password-stdin      read the password from stdin; without it you are prompted twice on a terminal
  -h, --help            show this help
`;

const LIST_HELP = `Usage: coffer user list [--json]

Lists the accounts: username, email, role, status, storage used of quota, creation time.

Options:
  --json       print a JSON array instead of a table
  -h, --help   show this help
`;

const PASSWD_HELP = `Usage: coffer user passwd NAME [--password-stdin]

Sets a user's password and signs out their sessions (app passwords stay valid).

Options:
  --password-stdin   read the password from stdin; without it you are prompted twice on a terminal
  -h, --help         show this help
`;

function oneName(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`Give the ${what}`);
  if (positionals.length > 1) throw new UsageError(`Unexpected arguments: ${positionals.slice(1).join(' ')}`);
  return positionals[0]!;
}

const create = {
  summary: 'Create a user: NAME [--email] [--admin] [--quota 10GB] [--password-stdin]',
  run: (config: CofferConfig, args: string[]) =>
    runCommand(CREATE_HELP, async () => {
      const { values, positionals } = parseCommandLine({
        args,
        options: {
          email: { type: 'string' },
          'display-name': { type: 'string' },
          admin: { type: 'boolean', default: false },
          quota: { type: 'string' },
          'password-stdin': { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
      if (values.help) {
        out(CREATE_HELP);
        return EXIT_OK;
      }
      const username = oneName(positionals, 'new user’s name: coffer user create NAME');
      const quotaBytes = values.quota === undefined ? undefined : quotaOption('quota', values.quota);
      const password = await readNewPassword(values['password-stdin']);
      return withCore(config, async (core) => {
        const user = await core.users.create(cliCallContext(), {
          username,
          password,
          email: values.email,
          displayName: values['display-name'],
          role: values.admin ? 'admin' : 'user',
          quotaBytes,
        });
        const space = (await core.users.usage(user.id)).quota;
        out(`Created ${user.role === 'admin' ? 'administrator' : 'user'} ${user.username} (id ${user.id}), quota ${space === null ? 'unlimited' : formatBytes(space)}`);
        return EXIT_OK;
      });
    }),
};

function usedOfQuota(u: UserWithUsage): string {
  return `${formatBytes(u.used_bytes)} / ${u.quota_bytes === null ? 'unlimited' : formatBytes(u.quota_bytes)}`;
}

const list = {
  summary: 'List users (--json for machine-readable output)',
  run: (config: CofferConfig, args: string[]) =>
    runCommand(LIST_HELP, async () => {
      const { values, positionals } = parseCommandLine({
        args,
        options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      });
      if (values.help) {
        out(LIST_HELP);
        return EXIT_OK;
      }
      if (positionals.length > 0) throw new UsageError(`Unexpected arguments: ${positionals.join(' ')}`);
      return withCore(config, async (core) => {
        const users: UserWithUsage[] = [];
        for (;;) {
          const page = await core.users.list({ sort: 'username', order: 'asc', limit: 500, offset: users.length });
          users.push(...page.items);
          if (page.items.length === 0 || users.length >= page.total) break;
        }
        if (values.json) {
          const rows = users.map((u) => ({
            id: u.id,
            username: u.username,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            status: u.status,
            used_bytes: u.used_bytes,
            quota_bytes: u.quota_bytes,
            created_at: u.created_at.toISOString(),
          }));
          out(JSON.stringify(rows, null, 2));
          return EXIT_OK;
        }
        const rows = users.map((u) => [
          u.username,
          u.email ?? '-',
          u.role,
          u.status,
          usedOfQuota(u),
          timeCell(u.created_at),
        ]);
        out(table(['USERNAME', 'EMAIL', 'ROLE', 'STATUS', 'USED / QUOTA', 'CREATED'], rows));
        return EXIT_OK;
      });
    }),
};

const passwd = {
  summary: 'Set a user’s password: NAME [--password-stdin]',
  run: (config: CofferConfig, args: string[]) =>
    runCommand(PASSWD_HELP, async () => {
      const { values, positionals } = parseCommandLine({
        args,
        options: {
          'password-stdin': { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
      if (values.help) {
        out(PASSWD_HELP);
        return EXIT_OK;
      }
      const username = oneName(positionals, 'user’s name: coffer user passwd NAME');
      return withCore(config, async (core) => {
        // Find the user before asking for a password nobody can use.
        const user = await core.users.getByUsername(username);
        const password = await readNewPassword(values['password-stdin']);
        await core.users.setPassword(cliCallContext(), user.id, password);
        out(`Changed the password of ${user.username}; their sessions were signed out`);
        return EXIT_OK;
      });
    }),
};

export const userCommand = subcommands('user', 'Manage user accounts', { create, list, passwd });
