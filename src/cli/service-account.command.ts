import type { CallContext } from '../core/context.js';
import type { Core } from '../core/core.js';
import { notFound } from '../core/errors.js';
import type { ServiceAccountRow } from '../repositories/service-account.repository.js';
import type { ScopeInput } from '../services/service-accounts.service.js';
import { cliCallContext, EXIT_OK, expectArgs, leaf, out, printJson, subcommands, table, UsageError, wholeNumber, withCore } from './cli-kit.js';
import { findServiceAccount, findSpace } from './refs.js';

const json = { type: 'boolean', default: false } as const;

const KEY_NOTE = 'Shown only now; Coffer keeps only its SHA-256. Send it as "Authorization: Bearer <key>".';

interface ScopeText {
  space: string;
  prefix: string | undefined;
  permissions: string[];
}

/** "SPACE:PERMS" or "SPACE:/PREFIX:PERMS" (PERMS comma-separated); the space by id or name. */
export function parseScope(text: string): ScopeText {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === text.length - 1) {
    throw new UsageError(`--scope is SPACE[:/FOLDER]:PERMISSIONS, e.g. Records:/accounting:read,list,create,write; got "${text}"`);
  }
  const permissions = text
    .slice(last + 1)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return { space: text.slice(0, first), prefix: first === last ? undefined : text.slice(first + 1, last), permissions };
}

async function scopeInputs(core: Core, ctx: CallContext, org: string, scopes: ScopeText[]): Promise<ScopeInput[]> {
  const out: ScopeInput[] = [];
  for (const s of scopes) out.push({ spaceId: (await findSpace(core, ctx, s.space, org)).id, pathPrefix: s.prefix, permissions: s.permissions });
  return out;
}

/** Keys come back from the database as JSON, so their times are strings. */
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function accountJson(a: ServiceAccountRow) {
  return {
    id: a.id,
    name: a.name,
    disabled: a.disabled_at !== null,
    scopes: a.scopes,
    keys: a.keys.map((k) => ({ id: k.id, name: k.name, hint: k.hint, created_at: iso(k.created_at), expires_at: iso(k.expires_at), last_used_at: iso(k.last_used_at), revoked_at: iso(k.revoked_at) })),
    created_at: a.created_at.toISOString(),
  };
}

function liveKeys(a: ServiceAccountRow) {
  const now = Date.now();
  return a.keys.filter((k) => k.revoked_at === null && (k.expires_at === null || new Date(k.expires_at).getTime() > now));
}

const keyOptions = { 'key-name': { type: 'string', default: '' }, 'expires-in-days': { type: 'string' }, json } as const;

function expiry(days: string | undefined): Date | null {
  return days === undefined ? null : new Date(Date.now() + wholeNumber('expires-in-days', days, 0, 36_500) * 86_400_000);
}

const create = leaf(
  'Create an application’s service account and its first key: ORG NAME --scope …',
  `Usage: coffer service-account create ORG NAME --scope SPACE[:/FOLDER]:PERMISSIONS [--scope …] [--key-name TEXT] [--json]

Creates a service account for one of the organisation's applications and its first API key,
printed once. The account reaches only what its scopes name: a space (its id or name), the
folder below which it may act (made if missing; the whole space without one), and some of
read, list, create, write, delete, purge.

  coffer service-account create acme "Receipts app" --scope Records:/accounting:read,list,create,write

Options:
  --scope SCOPE           SPACE[:/FOLDER]:PERMISSIONS; repeat for more spaces (at least one)
  --key-name TEXT         a name for the key, e.g. prod
  --expires-in-days N     the key stops working after N days (default: never)
  --json                  print the account and the key as JSON
  -h, --help              show this help
`,
  { scope: { type: 'string', multiple: true, default: [] }, ...keyOptions },
  async (config, { values, positionals }) => {
    const [org, name] = expectArgs(positionals, ['ORG', 'NAME']);
    if (values.scope.length === 0) throw new UsageError('Give at least one --scope SPACE[:/FOLDER]:PERMISSIONS');
    const scopes = values.scope.map(parseScope);
    const expiresAt = expiry(values['expires-in-days']);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const account = await core.serviceAccounts.create(ctx, org, { name, scopes: await scopeInputs(core, ctx, org, scopes) });
      const key = await core.serviceAccounts.createKey(ctx, org, account.id, { name: values['key-name'], expiresAt });
      if (values.json) {
        printJson({ account: accountJson(await core.serviceAccounts.get(ctx, org, account.id)), key: { id: key.id, key: key.key } });
      } else {
        const where = account.scopes.map((s) => `${s.space_name}:${s.path_prefix} (${s.permissions.join(', ')})`).join('; ');
        out(`Created service account "${account.name}" of ${org} (id ${account.id}): ${where}\nAPI key (id ${key.id}):\n\n  ${key.key}\n\n${KEY_NOTE}`);
      }
      return EXIT_OK;
    });
  },
);

const key = leaf(
  'Issue a new API key for a service account: ORG ACCOUNT',
  `Usage: coffer service-account key ORG ACCOUNT [--key-name TEXT] [--expires-in-days N] [--json]

Issues another API key for the account (its id or name) and prints it once: to rotate, issue a
new key, move the application over, then revoke the old one.

Options:
  --key-name TEXT       a name for the key, e.g. prod
  --expires-in-days N   the key stops working after N days (default: never)
  --json                print {"id", "key"} as JSON
  -h, --help            show this help
`,
  keyOptions,
  async (config, { values, positionals }) => {
    const [org, ref] = expectArgs(positionals, ['ORG', 'ACCOUNT']);
    const expiresAt = expiry(values['expires-in-days']);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const account = await findServiceAccount(core, ctx, org, ref);
      const issued = await core.serviceAccounts.createKey(ctx, org, account.id, { name: values['key-name'], expiresAt });
      if (values.json) printJson(issued);
      else out(`New API key for "${account.name}" (id ${issued.id}):\n\n  ${issued.key}\n\n${KEY_NOTE}`);
      return EXIT_OK;
    });
  },
);

const list = leaf(
  'List an organisation’s service accounts: ORG [--json]',
  `Usage: coffer service-account list ORG [--json]

Lists the service accounts with their scopes and keys (never the keys themselves: their ids
and last four characters).

Options:
  --json       print a JSON array instead of a table
  -h, --help   show this help
`,
  { json },
  async (config, { values, positionals }) => {
    const [org] = expectArgs(positionals, ['ORG']);
    return withCore(config, async (core) => {
      const accounts = await core.serviceAccounts.list(cliCallContext(), org);
      if (values.json) {
        printJson(accounts.map(accountJson));
        return EXIT_OK;
      }
      const rows = accounts.map((a) => [
        a.name,
        a.id,
        a.disabled_at ? 'disabled' : 'active',
        a.scopes.map((s) => `${s.space_name}:${s.path_prefix}:${s.permissions.join(',')}`).join(' '),
        liveKeys(a)
          .map((k) => `${k.id} (…${k.hint}${k.name ? `, ${k.name}` : ''})`)
          .join(' ') || '-',
      ]);
      out(table(['NAME', 'ID', 'STATUS', 'SCOPES', 'LIVE KEYS'], rows));
      return EXIT_OK;
    });
  },
);

const revoke = leaf(
  'Revoke a service account’s key, or all of them: ORG ACCOUNT KEY|--all',
  `Usage: coffer service-account revoke ORG ACCOUNT KEY
       coffer service-account revoke ORG ACCOUNT --all

Revokes one API key of the account (ACCOUNT: its id or name; KEY: the key's id, or its last
four characters as "service-account list" shows them), or with --all every live key. From the
next request on, on every server, the key is refused, and so are the signed URLs it issued.
A key's last characters may start with "-": put them after "--" (revoke acme app -- -x9Q).

Options:
  --all        revoke every live key of the account
  -h, --help   show this help
`,
  { all: { type: 'boolean', default: false } },
  async (config, { values, positionals }) => {
    const [org, ref, keyRef] = values.all ? [...expectArgs(positionals, ['ORG', 'ACCOUNT']), undefined] : expectArgs(positionals, ['ORG', 'ACCOUNT', 'KEY']);
    return withCore(config, async (core) => {
      const ctx = cliCallContext();
      const account = await findServiceAccount(core, ctx, org, ref);
      const live = liveKeys(account);
      const keys = keyRef === undefined ? live : live.filter((k) => k.id === keyRef || k.hint === keyRef);
      if (keyRef !== undefined && keys.length !== 1) {
        throw notFound(keys.length === 0 ? `"${account.name}" has no live key "${keyRef}"` : `Several live keys of "${account.name}" end in ${keyRef}; name one by its id`);
      }
      for (const k of keys) await core.serviceAccounts.revokeKey(ctx, org, account.id, k.id);
      out(`Revoked ${keys.length} key${keys.length === 1 ? '' : 's'} of "${account.name}"`);
      return EXIT_OK;
    });
  },
);

export const serviceAccountCommand = subcommands('service-account', 'Manage organisations’ applications: service accounts and their API keys', { create, key, list, revoke });
