import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { verify } from '@node-rs/argon2';
import { jwtVerify, SignJWT } from 'jose';
import type { CallContext, Actor } from '../core/context.js';
import { badRequest, CofferError, forbidden, notFound, tooManyRequests, unauthorized } from '../core/errors.js';
import type { User } from '../db/schema.js';
import type { Db, WalkedPath } from '../repositories/node.repository.js';
import type { FailureRule, RateLimitRepository } from '../repositories/rate-limit.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import type { AuditService } from './audit.service.js';
import { hashPassword } from './users.service.js';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: 'Bearer';
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface AuthSettings {
  jwtSecret: Uint8Array;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  loginPerIpPerMinute: number;
  /** Failed sign-ins for one account from one client IP before that source must wait. */
  loginFailuresPerSource: number;
  /** Failed sign-ins from one client IP, whatever the accounts, before that IP must wait. */
  loginFailuresPerIp: number;
}

/** A device (client) seen with an app password, as the sign-in query found it. */
export interface DeviceSession {
  id: string;
  endedAt: Date | null;
  lastActivityAt: Date;
}

export interface AppPasswordSignIn {
  actor: Actor;
  /** The device's session with this app password; null when the device is new to it. */
  device: DeviceSession | null;
  /** The paths asked for, walked from the user's root (see authenticateAppPassword). */
  walks: WalkedPath[];
}

/** Longest wait between two attempts of a guessing source. */
const MAX_LOGIN_DELAY_SECONDS = 15 * 60;

/** High-entropy secrets (refresh tokens, app passwords) are stored as SHA-256: fast lookups, nothing to steal. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const APP_PASSWORD_GROUPS = 5;
export function newAppPassword(): string {
  // Five groups of five from an alphabet without look-alikes: ~128 bits, easy to type on a phone.
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(APP_PASSWORD_GROUPS * 5);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  const groups: string[] = [];
  for (let i = 0; i < APP_PASSWORD_GROUPS; i++) groups.push(chars.slice(i * 5, i * 5 + 5).join(''));
  return groups.join('-');
}


/** How long a file link works: long enough to watch a film with seeks, short enough not to linger. */
export const FILE_LINK_TTL_SECONDS = 4 * 3600;
const FILE_LINK_ISSUER = 'coffer-file-link';

/** Sign-in, tokens, refresh-token rotation with reuse detection, and app passwords. */
export class AuthService {
  // A real hash to verify against when the account does not exist, so timing does not tell.
  private readonly dummyHash = hashPassword(randomUUID());
  private readonly verifiedTokens = new Map<string, { subject: string; familyId: string | undefined; expiresAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly users: UserRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly audit: AuditService,
    private readonly settings: AuthSettings,
  ) {
    // One account from one address: delays start soon, and are forgotten only after a quiet day.
    this.sourceRule = { freeFailures: settings.loginFailuresPerSource, maxDelaySeconds: MAX_LOGIN_DELAY_SECONDS, forgetSeconds: 24 * 3600 };
    // One address across accounts (password spraying): a higher bar, forgotten after a quiet hour,
    // since many honest people may share an address.
    this.ipRule = { freeFailures: settings.loginFailuresPerIp, maxDelaySeconds: MAX_LOGIN_DELAY_SECONDS, forgetSeconds: 3600 };
  }

  private readonly sourceRule: FailureRule;
  private readonly ipRule: FailureRule;

  /**
   * Throttles the guesser, not the owner: failures are counted per (account, client IP) and per
   * client IP, and a source past its free failures waits 1 s, 2 s, 4 s … (at most 15 minutes)
   * before its next attempt is even checked. A right password from any other source signs in.
   */
  async login(client: ClientInfo, login: string, password: string): Promise<{ user: User; tokens: TokenPair }> {
    const address = client.ip ?? 'unknown';
    const ip = await this.rateLimits.hit(this.db, `login:ip:${address}`, 60);
    if (ip.count > this.settings.loginPerIpPerMinute) {
      throw tooManyRequests(ip.resetsIn, `Too many sign-in attempts from your address; try again in ${ip.resetsIn} seconds`);
    }
    const ipKey = `login:failed-ip:${address}`;
    const ipWait = await this.rateLimits.attemptWait(this.db, ipKey, this.ipRule);
    if (ipWait > 0) {
      throw tooManyRequests(ipWait, `Too many failed sign-ins from your address; try again in ${ipWait} seconds`);
    }
    const user = await this.users.findByLogin(this.db, login);
    // Failures count against the account whichever of its names (username, email, any case) was typed.
    const sourceKey = `login:failed:${user?.id ?? login.trim().toLowerCase()}:${address}`;
    const wait = await this.rateLimits.claimAttempt(this.db, sourceKey, this.sourceRule);
    if (wait > 0) {
      throw tooManyRequests(wait, `Too many failed sign-ins for this account from your address; try again in ${wait} seconds`);
    }

    const ok = await verify(user?.password_hash ?? (await this.dummyHash), password).catch(() => false);
    if (!user || !user.password_hash || !ok) {
      // The attempt already counts for (account, address); it counts for the address too.
      await this.rateLimits.recordFailure(this.db, ipKey, this.ipRule);
      // Now and then, counters of sources long silent are dropped (no separate job needed).
      if (Math.random() < 0.01) await this.rateLimits.purgeStaleFailures(this.db, 24 * 3600);
      await this.audit.recordAlone(null, {
        actorId: user?.id ?? null,
        actorName: login.slice(0, 200),
        ip: client.ip,
        userAgent: client.userAgent,
        action: 'auth.login',
        result: 'failure',
        detail: { reason: 'bad-credentials' },
      });
      throw unauthorized('Wrong username or password');
    }
    // The right password: this source is not guessing.
    await this.rateLimits.forgiveFailures(this.db, sourceKey);
    if (user.status !== 'active') {
      await this.audit.recordAlone(null, {
        actorId: user.id,
        actorName: user.username,
        ip: client.ip,
        userAgent: client.userAgent,
        action: 'auth.login',
        result: 'failure',
        detail: { reason: user.status },
      });
      throw new CofferError(403, 'account-' + user.status, statusMessage(user.status));
    }
    const tokens = await this.db.transaction().execute(async (tx) => {
      const pair = await this.issue(tx, user, randomUUID(), client);
      await this.audit.record(tx, contextFor(user, client), { action: 'auth.login' });
      return pair;
    });
    return { user, tokens };
  }

  /**
   * Rotates a refresh token. A token presented twice means it leaked: the whole family (every
   * token descended from the same sign-in) is revoked and the caller must sign in again.
   */
  async refresh(client: ClientInfo, refreshToken: string): Promise<TokenPair> {
    const hashed = hashToken(refreshToken);
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hashed).forUpdate().executeTakeFirst();
      if (!row) throw unauthorized('This session is not valid; sign in again');
      if (row.used_at !== null || row.revoked_at !== null) {
        await tx
          .updateTable('refresh_tokens')
          .set({ revoked_at: new Date() })
          .where('family_id', '=', row.family_id)
          .where('revoked_at', 'is', null)
          .execute();
        await this.audit.record(tx, null, {
          actorId: row.user_id,
          ip: client.ip,
          userAgent: client.userAgent,
          action: 'auth.refresh',
          result: 'failure',
          detail: { reason: row.used_at !== null ? 'reused-token-family-revoked' : 'revoked' },
        });
        return null;
      }
      if (row.expires_at < new Date()) throw unauthorized('This session has expired; sign in again');
      const user = await this.users.getById(tx, row.user_id);
      if (!user || user.status !== 'active') throw unauthorized('This account cannot sign in');
      await tx.updateTable('refresh_tokens').set({ used_at: new Date() }).where('id', '=', row.id).execute();
      return this.issue(tx, user, row.family_id, client);
    }).then((pair) => {
      // Thrown after the transaction so the family revocation commits.
      if (!pair) throw unauthorized('This session was already used elsewhere and has been ended; sign in again');
      return pair;
    });
  }

  async logout(ctx: CallContext | null, refreshToken: string): Promise<void> {
    const row = await this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hashToken(refreshToken)).executeTakeFirst();
    if (!row) return;
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('refresh_tokens').set({ revoked_at: new Date() }).where('family_id', '=', row.family_id).where('revoked_at', 'is', null).execute();
      await this.audit.record(tx, ctx, { actorId: row.user_id, action: 'auth.logout' });
    });
  }

  /** Ends every web/API session of the user (sign out everywhere). */
  async logoutEverywhere(ctx: CallContext): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('refresh_tokens').set({ revoked_at: new Date() }).where('user_id', '=', ctx.actor.userId).where('revoked_at', 'is', null).execute();
      await this.audit.record(tx, ctx, { action: 'auth.logout-all' });
    });
  }

  private async issue(tx: Db, user: User, familyId: string, client: ClientInfo): Promise<TokenPair> {
    const refresh = randomBytes(32).toString('base64url');
    await tx
      .insertInto('refresh_tokens')
      .values({
        id: randomUUID(),
        user_id: user.id,
        family_id: familyId,
        token_hash: hashToken(refresh),
        expires_at: new Date(Date.now() + this.settings.refreshTokenTtlSeconds * 1000),
        ip: client.ip,
        user_agent: client.userAgent?.slice(0, 500) ?? null,
      })
      .execute();
    const access = await new SignJWT({ role: user.role, name: user.username, fam: familyId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuedAt()
      .setIssuer('coffer')
      .setExpirationTime(`${this.settings.accessTokenTtlSeconds}s`)
      .sign(this.settings.jwtSecret);
    return { access_token: access, refresh_token: refresh, expires_in: this.settings.accessTokenTtlSeconds, token_type: 'Bearer' };
  }

  /** Checks an access token and that its account may still act (suspension takes effect at once). */
  async authenticateToken(token: string): Promise<Actor> {
    return (await this.authenticateSession(token)).actor;
  }

  /** Like authenticateToken, also naming the sign-in (refresh-token family) the token was issued to. */
  async authenticateSession(token: string): Promise<{ actor: Actor; familyId: string | undefined }> {
    const { subject, familyId } = await this.verifiedSubject(token);
    if (!familyId) throw unauthorized('The access token is invalid or has expired');
    return { actor: await this.sessionActor(subject, familyId), familyId };
  }

  /** The actor of a sign-in that is still open, of an account that may still act. */
  private async sessionActor(userId: string, familyId: string): Promise<Actor> {
    const user = await this.users.getWithSession(this.db, userId, familyId);
    if (!user || user.status !== 'active') throw unauthorized('This account cannot sign in');
    if (!user.session_open) throw unauthorized('This session has ended; sign in again');
    return { userId: user.id, username: user.username, role: user.role, via: 'token' };
  }

  /**
   * The user id a valid access token names. Signature checks are remembered until the token
   * expires (a client sends the same token for minutes), which takes WebCrypto off the hot path.
   */
  private async verifiedSubject(token: string): Promise<{ subject: string; familyId: string | undefined }> {
    const cached = this.verifiedTokens.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.settings.jwtSecret, { issuer: 'coffer', algorithms: ['HS256'] }));
    } catch {
      throw unauthorized('The access token is invalid or has expired');
    }
    if (!payload.sub || !payload.exp) throw unauthorized('The access token is invalid or has expired');
    const verified = { subject: payload.sub, familyId: typeof payload.fam === 'string' ? payload.fam : undefined, expiresAt: payload.exp * 1000 };
    if (this.verifiedTokens.size >= 10_000) this.verifiedTokens.clear();
    this.verifiedTokens.set(token, verified);
    return verified;
  }

  /**
   * A signed, short-lived link that reads one file (or one version of it) without an
   * Authorization header, for what a browser fetches by itself: <img>, <video> with its Range
   * requests, downloads. It is bound to the caller's sign-in, so signing out ends it.
   */
  async issueFileLink(ctx: CallContext, fileId: string, versionId: string | undefined, familyId: string | undefined): Promise<{ ticket: string; expiresAt: Date }> {
    // An app password cannot end a link it made when it is revoked; scripts download directly anyway.
    if (!familyId) throw forbidden('File links are for signed-in web sessions; with an app password, download the content directly');
    const expiresAt = new Date(Date.now() + FILE_LINK_TTL_SECONDS * 1000);
    const ticket = await new SignJWT({ nid: fileId, fam: familyId, ...(versionId ? { vid: versionId } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(ctx.actor.userId)
      .setIssuedAt()
      // Another issuer than access tokens', so a link can never be used as a Bearer token.
      .setIssuer(FILE_LINK_ISSUER)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.settings.jwtSecret);
    return { ticket, expiresAt };
  }

  /** The actor of a file link, if it was issued for exactly this file (and version) and is still valid. */
  async authenticateFileLink(ticket: string, fileId: string, versionId: string | undefined): Promise<Actor> {
    let payload;
    try {
      ({ payload } = await jwtVerify(ticket, this.settings.jwtSecret, { issuer: FILE_LINK_ISSUER, algorithms: ['HS256'] }));
    } catch {
      throw unauthorized('This link has expired or is invalid; open the file again from Coffer');
    }
    if (!payload.sub || payload.nid !== fileId || (payload.vid ?? undefined) !== versionId) throw unauthorized('This link is for another file');
    if (typeof payload.fam !== 'string') throw unauthorized('This link is invalid');
    return this.sessionActor(payload.sub, payload.fam);
  }

  /**
   * HTTP Basic with an app password (protocol clients and scripts). `device` names the client
   * (see deviceName), whose session with this password comes back from the same query. Nothing
   * is cached: app passwords are high-entropy secrets stored as SHA-256, so checking one is a
   * hash and an indexed lookup, and a revocation or suspension made on any server is refused
   * on the very next request.
   *
   * `walks`: paths (normalised names) in the user's own tree that the request goes on to look
   * up; the same query walks them (see UserRepository.findAppPasswordSignIn), so a protocol
   * request pays one round trip before its own work rather than two.
   */
  async authenticateAppPassword(login: string, password: string, device: string, walks: readonly string[][] = []): Promise<AppPasswordSignIn> {
    const found = await this.users.findAppPasswordSignIn(this.db, hashToken(password), device, walks);
    const row = found?.row;
    const wanted = login.trim().toLowerCase();
    const named = row && (row.username.toLowerCase() === wanted || (row.email !== null && row.email.toLowerCase() === wanted));
    if (!row || !named) throw unauthorized('Wrong username or app password');
    if (row.revoked_at !== null) {
      throw unauthorized('This app password was revoked (its device was signed out, or the account suspended); create a new one in your account settings');
    }
    if (row.status !== 'active') throw unauthorized('This account cannot sign in');
    // Coarse last-use stamp: one write per minute at most, not one per request.
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      await this.db.updateTable('app_passwords').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
    }
    return {
      actor: { userId: row.user_id, username: row.username, role: row.role, via: 'app-password', appPasswordId: row.id },
      device:
        row.session_id !== null && row.session_last_activity_at !== null
          ? { id: row.session_id, endedAt: row.session_ended_at, lastActivityAt: row.session_last_activity_at }
          : null,
      walks: found.walks,
    };
  }

  async createAppPassword(ctx: CallContext, name: string) {
    const clean = name.trim();
    if (clean.length === 0 || clean.length > 100) throw badRequest('Give the app password a name of 1–100 characters');
    const password = newAppPassword();
    const row = await this.db.transaction().execute((tx) => this.storeAppPassword(tx, ctx, clean, hashToken(password)));
    return { id: row.id, name: row.name, password, created_at: row.created_at };
  }

  /**
   * Stores (and audits) an app password of the caller known only by its hash, in the caller's
   * transaction: the one rule for every way one is made (here, and login flows, whose password
   * was made and sealed before the owner granted it). `detail` adds to the audit event.
   */
  async storeAppPassword(tx: Db, ctx: CallContext, name: string, tokenHash: string, detail: Record<string, unknown> = {}) {
    const id = randomUUID();
    const inserted = await tx.insertInto('app_passwords').values({ id, user_id: ctx.actor.userId, name, token_hash: tokenHash }).returningAll().executeTakeFirstOrThrow();
    await this.audit.record(tx, ctx, { action: 'app-password.create', detail: { id, name, ...detail } });
    return inserted;
  }

  async listAppPasswords(ctx: CallContext) {
    return this.db
      .selectFrom('app_passwords')
      .select(['id', 'name', 'created_at', 'last_used_at'])
      .where('user_id', '=', ctx.actor.userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  async revokeAppPassword(ctx: CallContext, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await this.users.revokeAppPassword(tx, ctx.actor.userId, id);
      if (!row) throw notFound(`No app password with id ${id}`);
      await this.audit.record(tx, ctx, { action: 'app-password.revoke', detail: { id, name: row.name } });
    });
  }
}

function statusMessage(status: User['status']): string {
  switch (status) {
    case 'suspended':
      return 'This account is suspended; contact your administrator';
    case 'pending':
      return 'This account is pending activation; contact your administrator';
    default:
      return 'This account cannot sign in';
  }
}

export function contextFor(user: User, client: ClientInfo): CallContext {
  return { actor: { userId: user.id, username: user.username, role: user.role, via: 'token' }, ip: client.ip, userAgent: client.userAgent };
}
