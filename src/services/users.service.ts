import { randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { isOperator, type CallContext } from '../core/context.js';
import { badRequest, CofferError, conflict, forbidden, notFound } from '../core/errors.js';
import type { User, UserRole, UserStatus } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { UserListQuery, UserRepository } from '../repositories/user.repository.js';
import type { AuditService } from './audit.service.js';
import { newEtag } from './tree.service.js';
import { sessionOwner, type UploadSessionsService } from './upload-sessions.service.js';

export interface NewUserInput {
  username: string;
  password?: string | undefined;
  email?: string | null | undefined;
  displayName?: string | undefined;
  role?: UserRole | undefined;
  status?: UserStatus | undefined;
  /** Bytes; null means unlimited; undefined takes the server default. */
  quotaBytes?: number | null | undefined;
}

export interface UserPatch {
  email?: string | null | undefined;
  displayName?: string | undefined;
  role?: UserRole | undefined;
  status?: UserStatus | undefined;
  quotaBytes?: number | null | undefined;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 8;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw badRequest(`Passwords must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  if (password.length > 1024) throw badRequest('Passwords can be at most 1024 characters long');
}

/** Accounts: creation with their personal space, changes by admins, passwords. */
export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly users: UserRepository,
    private readonly spaces: SpaceRepository,
    private readonly nodes: NodeRepository,
    private readonly audit: AuditService,
    private readonly defaultQuotaBytes: number | null,
    /** Created after this service (it needs the file services): asked for when an account is deleted. */
    private readonly uploads: () => UploadSessionsService,
  ) {}

  async get(id: string): Promise<User> {
    const user = await this.users.getById(this.db, id);
    if (!user || user.status === 'deleted') throw notFound(`No user with id ${id}`);
    return user;
  }

  /** By username (case-insensitive), for doors that name users rather than give ids (the CLI). */
  async getByUsername(username: string): Promise<User> {
    const user = await this.users.findByLogin(this.db, username);
    if (!user || user.status === 'deleted' || user.username.toLowerCase() !== username.trim().toLowerCase()) {
      throw notFound(`No user named "${username}"`);
    }
    return user;
  }

  list(q: UserListQuery) {
    return this.users.list(this.db, q);
  }

  /** Creates the account, its personal space and the space's root folder together. */
  async create(ctx: CallContext | null, input: NewUserInput): Promise<User> {
    const username = input.username.trim();
    if (!USERNAME.test(username)) {
      throw badRequest('Usernames are 2–64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    const email = input.email?.trim() || null;
    if (email !== null && !EMAIL.test(email)) throw badRequest(`"${email}" is not an email address`);
    if (input.password !== undefined) checkPasswordPolicy(input.password);
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
    const quota = input.quotaBytes === undefined ? this.defaultQuotaBytes : input.quotaBytes;
    if (quota !== null && (quota < 0 || !Number.isSafeInteger(quota))) throw badRequest('The quota must be a whole number of bytes');

    const created = this.db.transaction().execute(async (tx) => {
      if (await this.users.findByLogin(tx, username)) throw conflict(`The username "${username}" is taken`);
      if (email !== null && (await this.users.findByLogin(tx, email))) throw conflict(`The email ${email} is already used by another account`);
      const user = await this.users.insert(tx, {
        id: randomUUID(),
        username,
        email,
        display_name: input.displayName?.trim() || username,
        password_hash: passwordHash,
        role: input.role ?? 'user',
        status: input.status ?? 'active',
      });
      const spaceId = randomUUID();
      const rootId = randomUUID();
      await tx
        .insertInto('spaces')
        .values({ id: spaceId, kind: 'personal', owner_user_id: user.id, name: username, quota_bytes: quota, root_node_id: rootId })
        .execute();
      await this.nodes.insert(tx, { id: rootId, space_id: spaceId, parent_id: null, name: '', kind: 'folder', etag: newEtag() });
      await this.audit.record(tx, ctx, {
        action: 'admin.user.create',
        detail: { userId: user.id, username, role: user.role, quota },
      });
      return user;
    });
    // Two creations of one name at the same moment: the unique index decides, say so plainly.
    return created.catch((err: unknown) => {
      if ((err as { code?: string }).code === '23505') throw conflict(`The username "${username}" or that email is already taken`);
      throw err;
    });
  }

  async update(ctx: CallContext | null, id: string, patch: UserPatch, action: 'admin.user.update' | 'account.update' = 'admin.user.update'): Promise<User> {
    const user = await this.get(id);
    if (patch.email !== undefined && patch.email !== null && !EMAIL.test(patch.email)) {
      throw badRequest(`"${patch.email}" is not an email address`);
    }
    if (patch.quotaBytes !== undefined && patch.quotaBytes !== null && (patch.quotaBytes < 0 || !Number.isSafeInteger(patch.quotaBytes))) {
      throw badRequest('The quota must be a whole number of bytes');
    }
    const demotes = (patch.role !== undefined && patch.role !== 'admin') || (patch.status !== undefined && patch.status !== 'active');
    return this.db.transaction().execute(async (tx) => {
      const activeAdmins = demotes ? await this.users.lockActiveAdmins(tx) : [];
      if (activeAdmins.includes(id) && activeAdmins.length <= 1) {
        throw forbidden('This is the last active administrator; make another user an admin first');
      }
      if (patch.email) {
        const other = await this.users.findByLogin(tx, patch.email);
        if (other && other.id !== id) throw conflict(`The email ${patch.email} is already used by another account`);
      }
      const updated = await this.users.update(tx, id, {
        ...(patch.email !== undefined ? { email: patch.email } : {}),
        ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
      });
      if (patch.quotaBytes !== undefined) {
        const space = await this.spaces.ownedBy(tx, id);
        if (space) await this.spaces.setQuota(tx, space.id, patch.quotaBytes);
      }
      if (patch.status === 'suspended' || patch.status === 'deleted') {
        // A suspended account keeps nothing that lets it back in, and reactivation revives
        // nothing: sign-ins, app passwords and devices end for good (whoever had them may be
        // why it was suspended). Reactivated, the user signs in and makes new app passwords.
        const now = new Date();
        await tx.updateTable('refresh_tokens').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
        await tx.updateTable('app_passwords').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
        await tx.updateTable('protocol_sessions').set({ ended_at: now }).where('user_id', '=', id).where('ended_at', 'is', null).execute();
      }
      // A deleted account never signs in to complete its unfinished uploads: they go, and a job removes what they staged.
      if (patch.status === 'deleted') await this.uploads().discardAll(tx, { owner: sessionOwner({ userId: id }) });
      await this.audit.record(tx, ctx, { action, detail: { userId: id, username: user.username, ...patch } });
      return updated!;
    });
  }

  /** `keepSessionFamilyId`: the caller's own sign-in, which survives its password change. */
  async setPassword(ctx: CallContext | null, id: string, password: string, keepSessionFamilyId?: string): Promise<void> {
    checkPasswordPolicy(password);
    const user = await this.get(id);
    // An administrator who set a tenant member's password could sign in as them and read the
    // tenant's files, which tenants keep even from administrators. The operator's CLI stays the
    // way back in for a member locked out.
    if (ctx && ctx.actor.userId !== id && !isOperator(ctx.actor)) {
      const tenant = await this.users.tenantOf(this.db, id);
      if (tenant) throw forbidden(`${user.username} belongs to ${tenant}, a tenant: only they set their password (or the operator, with coffer user passwd)`);
    }
    const passwordHash = await hashPassword(password);
    await this.db.transaction().execute(async (tx) => {
      await this.users.update(tx, id, { password_hash: passwordHash });
      // Other sessions end with a password change; app passwords are separate credentials and stay.
      let sessions = tx.updateTable('refresh_tokens').set({ revoked_at: new Date() }).where('user_id', '=', id).where('revoked_at', 'is', null);
      if (keepSessionFamilyId !== undefined) sessions = sessions.where('family_id', '!=', keepSessionFamilyId);
      await sessions.execute();
      await this.audit.record(tx, ctx, {
        action: ctx?.actor.userId === id ? 'account.password.change' : 'admin.user.password',
        detail: { userId: id, username: user.username },
      });
    });
  }

  async changeOwnPassword(ctx: CallContext, current: string, next: string, keepSessionFamilyId?: string): Promise<void> {
    const user = await this.get(ctx.actor.userId);
    if (!user.password_hash || !(await verify(user.password_hash, current).catch(() => false))) {
      // 403, not 401: the caller is signed in; a 401 would make clients drop a valid session.
      throw new CofferError(403, 'wrong-password', 'The current password is wrong');
    }
    await this.setPassword(ctx, user.id, next, keepSessionFamilyId);
  }

  /** Usage of the caller's space split into live files, trash and old versions. */
  /** Storage of the whole server for the admin overview: totals and the users using the most. */
  async storageOverview(top = 20) {
    const [totals, users, heaviest] = await Promise.all([
      this.spaces.totals(this.db),
      this.list({ limit: 1, offset: 0, sort: 'username', order: 'asc' }),
      this.list({ limit: top, offset: 0, sort: 'used', order: 'desc' }),
    ]);
    return {
      users: users.total,
      used: totals.used,
      files: totals.files,
      trash: totals.trash,
      versions: Math.max(0, totals.used - totals.files - totals.trash),
      quota_total: totals.quotaTotal,
      top_users: heaviest.items.map((u) => ({ id: u.id, username: u.username, used: Number(u.used_bytes ?? 0), quota: u.quota_bytes ?? null })),
    };
  }

  async usage(userId: string) {
    const space = await this.spaces.ownedBy(this.db, userId);
    if (!space) throw notFound('You have no space of your own yet');
    const root = await this.nodes.getById(this.db, space.root_node_id!);
    const trashBytes = await this.nodes.trashVersionBytes(this.db, space.id);
    const files = root?.size ?? 0;
    return {
      used: space.used_bytes,
      quota: space.quota_bytes,
      available: space.quota_bytes === null ? null : Math.max(0, space.quota_bytes - space.used_bytes),
      files,
      trash: trashBytes,
      versions: Math.max(0, space.used_bytes - files - trashBytes),
    };
  }
}
