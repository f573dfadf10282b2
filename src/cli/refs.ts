import fs from 'node:fs';
import type { CallContext } from '../core/context.js';
import type { Core } from '../core/core.js';
import { notFound } from '../core/errors.js';
import { isUuid } from '../core/names.js';
import type { SpaceRow } from '../repositories/org.repository.js';
import type { ServiceAccountRow } from '../repositories/service-account.repository.js';
import { UsageError } from './cli-kit.js';

/**
 * An organisation's space named on the command line: by id, as ORG/NAME, or by its name alone
 * where the organisation is known from elsewhere on the line. People remember names; the
 * services take ids, so the lookup is here, through the same services (and their access rules).
 */
export async function findSpace(core: Core, ctx: CallContext, ref: string, org?: string): Promise<SpaceRow> {
  if (isUuid(ref)) return core.spaces.get(ctx, ref);
  const slash = ref.indexOf('/');
  const orgRef = slash > 0 ? ref.slice(0, slash) : org;
  const name = slash > 0 ? ref.slice(slash + 1) : ref;
  if (orgRef === undefined) throw new UsageError(`Name the space by its id or as ORG/NAME, not "${ref}"`);
  const spaces = await core.spaces.ofOrg(ctx, orgRef);
  const space = spaces.find((s) => s.name === name) ?? spaces.find((s) => s.name.toLowerCase() === name.toLowerCase());
  if (!space) throw notFound(`The organisation ${orgRef} has no space "${name}"${spaces.length ? `; it has ${spaces.map((s) => `"${s.name}"`).join(', ')}` : ''}`);
  return space;
}

/** A service account of an organisation by id or name. */
export async function findServiceAccount(core: Core, ctx: CallContext, org: string, ref: string): Promise<ServiceAccountRow> {
  const accounts = await core.serviceAccounts.list(ctx, org);
  const account = accounts.find((a) => a.id === ref) ?? accounts.find((a) => a.name.toLowerCase() === ref.toLowerCase());
  if (!account) throw notFound(`The organisation ${org} has no service account "${ref}"`);
  return account;
}

/** The JSON in a file an option names, or a usage error saying what is wrong with it. */
export function readJsonFile(option: string, file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--${option}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--${option}: ${file} is not JSON: ${(e as Error).message}`);
  }
}
