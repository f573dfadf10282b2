import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isOperator, type Actor, type CallContext } from '../core/context.js';
import { badRequest, conflict, CofferError, notFound, unauthorized } from '../core/errors.js';
import { isUuid, normalizeName, parsePath } from '../core/names.js';
import type { Organisation, ServicePermission } from '../db/schema.js';
import type { Db } from '../repositories/node.repository.js';
import type { KeySignIn, ServiceAccountRepository, ServiceAccountRow } from '../repositories/service-account.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { AuditService } from './audit.service.js';
import type { FilesService } from './files.service.js';
import { orgChain, type OrgsService } from './orgs.service.js';
import { sessionOwner, type UploadSessionsService } from './upload-sessions.service.js';

/** The start of every API key: tells a key from a session token at a glance (and to secret scanners). */
export const API_KEY_PREFIX = 'cof_sk_';
const PERMISSIONS: readonly ServicePermission[] = ['read', 'list', 'create', 'write', 'delete', 'purge'];
/** How often a key's last-used time is written: often enough to tell a live key from a dead one. */
const TOUCH_EVERY_MS = 60_000;

export interface ScopeInput {
  spaceId: string;
  /** A folder path in the space ("/accounting/receipts"); "/" or absent for the whole space. */
  pathPrefix?: string | undefined;
  permissions: string[];
}

export interface ServiceAccountsDeps {
  db: Db;
  repo: ServiceAccountRepository;
  spaces: SpaceRepository;
  orgs: OrgsService;
  files: FilesService;
  audit: AuditService;
  uploads: UploadSessionsService;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * An organisation's applications: service accounts scoped to some of its spaces, each below a
 * folder and with a set of permissions, and the API keys they sign in with. Org owners and
 * admins manage them; a key is shown once, stored hashed, and stops working when revoked.
 */
export class ServiceAccountsService {
  constructor(private readonly d: ServiceAccountsDeps) {}

  private get db() {
    return this.d.db;
  }

  async list(ctx: CallContext, org: string): Promise<ServiceAccountRow[]> {
    const s = await this.d.orgs.requireAdmin(ctx, org);
    return this.d.repo.list(this.db, s.org.id);
  }

  async get(ctx: CallContext, org: string, id: string): Promise<ServiceAccountRow> {
    const s = await this.d.orgs.requireAdmin(ctx, org);
    return this.mustGet(this.db, s.org, id);
  }

  /** Makes a service account with its scopes; the folders the scopes name are made if missing. */
  async create(ctx: CallContext, org: string, input: { name: string; scopes: ScopeInput[] }): Promise<ServiceAccountRow> {
    const s = await this.d.orgs.requireContentAdmin(ctx, org);
    const name = accountName(input.name);
    const scopes = await this.checkScopes(ctx, s.org, input.scopes);
    const id = randomUUID();
    await this.db
      .transaction()
      .execute(async (tx) => {
        if (await this.d.repo.byName(tx, s.org.id, name)) throw conflict(`${s.org.name} has a service account named "${name}" already`);
        // created_by references an account; the operator is none (the audit event names them).
        await this.d.repo.insert(tx, { id, org_id: s.org.id, name, created_by: isOperator(ctx.actor) ? null : ctx.actor.userId });
        await this.d.repo.replaceScopes(tx, id, scopes);
        await this.d.audit.record(tx, ctx, { action: 'org.service_account.create', spaceId: orgChain(s.org.id), detail: { org: s.org.id, account: id, name, scopes } });
      })
      .catch(uniqueAsConflict(`${s.org.name} has a service account named "${name}" already`));
    return this.mustGet(this.db, s.org, id);
  }

  /** Renames, rescopes, disables or enables an account; takes effect on its next request. */
  async update(ctx: CallContext, org: string, id: string, patch: { name?: string | undefined; scopes?: ScopeInput[] | undefined; disabled?: boolean | undefined }): Promise<ServiceAccountRow> {
    const s = await this.d.orgs.requireContentAdmin(ctx, org);
    const account = await this.mustGet(this.db, s.org, id);
    const name = patch.name === undefined ? undefined : accountName(patch.name);
    const scopes = patch.scopes === undefined ? undefined : await this.checkScopes(ctx, s.org, patch.scopes);
    await this.db
      .transaction()
      .execute(async (tx) => {
        if (name !== undefined) {
          const clash = await this.d.repo.byName(tx, s.org.id, name);
          if (clash && clash.id !== account.id) throw conflict(`${s.org.name} has a service account named "${name}" already`);
        }
        const disabledAt = patch.disabled === undefined ? undefined : patch.disabled ? new Date() : null;
        await this.d.repo.update(tx, account.id, { name, disabled_at: disabledAt });
        if (scopes) await this.d.repo.replaceScopes(tx, account.id, scopes);
        await this.d.audit.record(tx, ctx, { action: 'org.service_account.update', spaceId: orgChain(s.org.id), detail: { org: s.org.id, account: account.id, name, scopes, disabled: patch.disabled } });
      })
      .catch(uniqueAsConflict(`${s.org.name} has a service account named "${name ?? ''}" already`));
    return this.mustGet(this.db, s.org, account.id);
  }

  async delete(ctx: CallContext, org: string, id: string): Promise<void> {
    const s = await this.d.orgs.requireContentAdmin(ctx, org);
    const account = await this.mustGet(this.db, s.org, id);
    await this.db.transaction().execute(async (tx) => {
      await this.d.repo.delete(tx, account.id);
      // Its unfinished uploads can never be completed now; a job removes what they staged.
      await this.d.uploads.discardAll(tx, { owner: sessionOwner({ serviceAccountId: account.id }) });
      await this.d.audit.record(tx, ctx, { action: 'org.service_account.delete', spaceId: orgChain(s.org.id), detail: { org: s.org.id, account: account.id, name: account.name } });
    });
  }

  /** A new API key for the account. The key itself is in this answer only: it is stored as its SHA-256. */
  async createKey(ctx: CallContext, org: string, id: string, input: { name?: string | undefined; expiresAt?: Date | null | undefined }): Promise<{ key: string; id: string }> {
    const s = await this.d.orgs.requireContentAdmin(ctx, org);
    const account = await this.mustGet(this.db, s.org, id);
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badRequest('The expiry must lie in the future');
    const key = API_KEY_PREFIX + randomBytes(30).toString('base64url');
    const keyId = randomUUID();
    const name = (input.name ?? '').trim().slice(0, 200);
    await this.db.transaction().execute(async (tx) => {
      await this.d.repo.insertKey(tx, { id: keyId, service_account_id: account.id, name, token_hash: hashApiKey(key), hint: key.slice(-4), expires_at: input.expiresAt ?? null });
      await this.d.audit.record(tx, ctx, { action: 'org.api_key.create', spaceId: orgChain(s.org.id), detail: { org: s.org.id, account: account.id, key: keyId, name, expiresAt: input.expiresAt?.toISOString() ?? null } });
    });
    return { key, id: keyId };
  }

  async revokeKey(ctx: CallContext, org: string, id: string, keyId: string): Promise<void> {
    const s = await this.d.orgs.requireContentAdmin(ctx, org);
    const account = await this.mustGet(this.db, s.org, id);
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.d.repo.revokeKey(tx, account.id, keyId))) throw notFound(`No live key ${keyId} of ${account.name}`);
      await this.d.audit.record(tx, ctx, { action: 'org.api_key.revoke', spaceId: orgChain(s.org.id), detail: { org: s.org.id, account: account.id, key: keyId } });
    });
  }

  /**
   * The application behind an API key, with its scopes as they are now; 401 for an unknown,
   * revoked or expired key or a disabled account, 403 while its organisation is suspended.
   */
  async authenticate(key: string): Promise<Actor> {
    // Found by its hash: a key is 240 random bits, so the index lookup leaks nothing worth timing.
    return this.actorOf(await this.d.repo.signIn(this.db, { tokenHash: hashApiKey(key) }));
  }

  /** The application behind a key named by id (what a signed URL records of its issuer), checked as a sign-in is. */
  async authenticateKeyId(keyId: string): Promise<Actor> {
    return this.actorOf(isUuid(keyId) ? await this.d.repo.signIn(this.db, { keyId }) : undefined);
  }

  private async actorOf(row: KeySignIn | undefined): Promise<Actor> {
    if (!row) throw unauthorized('This API key is not valid');
    if (row.revoked_at) throw unauthorized('This API key was revoked; ask an organisation admin for a new one');
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) throw unauthorized('This API key has expired; ask an organisation admin for a new one');
    if (row.disabled_at) throw unauthorized(`The service account "${row.account_name}" is disabled`);
    if (row.org_status !== 'active') throw new CofferError(403, 'organisation-suspended', 'The organisation of this service account is suspended');
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_EVERY_MS) await this.d.repo.touchKey(this.db, row.key_id);
    return {
      userId: row.account_id,
      username: `service:${row.account_name}`,
      role: 'user',
      via: 'service',
      service: {
        accountId: row.account_id,
        keyId: row.key_id,
        orgId: row.org_id,
        scopes: row.scopes.map((sc) => ({ spaceId: sc.space_id, prefix: parsePath(sc.path_prefix), permissions: sc.permissions })),
      },
    };
  }

  private async mustGet(db: Db, org: Organisation, id: string): Promise<ServiceAccountRow> {
    const [account] = isUuid(id) ? await this.d.repo.list(db, org.id, id) : [];
    if (!account) throw notFound(`${org.name} has no service account ${id}`);
    return account;
  }

  /** Each scope names a space of this organisation once, a folder path and known permissions; missing folders are made. */
  private async checkScopes(ctx: CallContext, org: Organisation, scopes: ScopeInput[]) {
    const seen = new Set<string>();
    const out: { space_id: string; path_prefix: string; permissions: ServicePermission[] }[] = [];
    for (const scope of scopes) {
      const space = isUuid(scope.spaceId) ? await this.d.spaces.getById(this.db, scope.spaceId) : undefined;
      if (!space || space.org_id !== org.id || !space.root_node_id) throw badRequest(`${org.name} has no space ${scope.spaceId}`);
      if (seen.has(space.id)) throw badRequest(`The space "${space.name}" is named twice; give it one scope`);
      seen.add(space.id);
      const permissions = [...new Set(scope.permissions)];
      const unknown = permissions.filter((p) => !PERMISSIONS.includes(p as ServicePermission));
      if (permissions.length === 0 || unknown.length > 0) throw badRequest(`Permissions are some of ${PERMISSIONS.join(', ')}${unknown.length ? `; not ${unknown.join(', ')}` : ''}`);
      const segments = parsePath(scope.pathPrefix ?? '/').map(normalizeName);
      if (segments.length > 0) await this.d.files.createFolder(ctx, space.root_node_id, segments.join('/'), { parents: true });
      out.push({ space_id: space.id, path_prefix: '/' + segments.join('/'), permissions: permissions as ServicePermission[] });
    }
    return out;
  }
}

function accountName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > 200) throw badRequest('A service account name is 1–200 characters');
  return name;
}

function uniqueAsConflict(message: string) {
  return (err: unknown): never => {
    if ((err as { code?: string }).code === '23505') throw conflict(message);
    throw err;
  };
}
