import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CallContext } from '../core/context.js';
import { CofferError, forbidden, notFound, tooManyRequests } from '../core/errors.js';
import type { LoginFlow } from '../db/schema.js';
import type { LoginFlowRepository } from '../repositories/login-flow.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { RateLimitRepository } from '../repositories/rate-limit.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import type { AuditService } from './audit.service.js';
import { hashToken, newAppPassword, type AuthService, type ClientInfo } from './auth.service.js';
import { deviceName } from './protocol-sessions.service.js';

/**
 * How a device learns its app password: `poll`, Nextcloud's login flow v2 (the desktop client,
 * the Android app: they poll until it is granted); `redirect`, the older flow (a web view that
 * ends in an nc://login/… redirect, which the iOS app and older clients catch).
 */
export type LoginFlowKind = 'poll' | 'redirect';

export interface LoginFlowSettings {
  /** How long a device has to be let in (Nextcloud: 20 minutes). */
  ttlSeconds: number;
  /** How long a granted password waits for its device's next poll (clients poll every 30 s or so). */
  collectSeconds: number;
  /** Flows one address may start a minute. */
  startsPerIpPerMinute: number;
  /** Polls one address may make a minute (a desktop polls every few seconds to every 30 s). */
  pollsPerIpPerMinute: number;
}

export const DEFAULT_LOGIN_FLOW_SETTINGS: LoginFlowSettings = { ttlSeconds: 20 * 60, collectSeconds: 10 * 60, startsPerIpPerMinute: 30, pollsPerIpPerMinute: 120 };

/** What the device is told when it starts a flow. */
export interface StartedLoginFlow {
  /** Goes into the address the person opens (the browser). */
  loginToken: string;
  /** Stays on the device, which polls with it; null for the older flow. */
  pollToken: string | null;
  expiresAt: Date;
}

/** A flow waiting for its owner, as the grant page shows it. */
export interface PendingLoginFlow {
  kind: LoginFlowKind;
  clientName: string;
  /** The address the request came from, for the person to judge whether it was their device. */
  clientIp: string | null;
  server: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface GrantedLoginFlow {
  appPassword: { id: string; name: string };
  /** For the older flow: where the web view goes, carrying the credentials to the app. */
  redirectUrl: string | null;
}

/** What a device collects with its poll token, once. */
export interface LoginFlowCredentials {
  server: string;
  loginName: string;
  appPassword: string;
}

/** 256 bits, URL-safe: what both tokens are. */
function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The key a polled flow's password is sealed with: derived from the poll token, which only the
 * device holds, so the database alone never yields the password (another hash than the token's
 * own lookup hash, so one never gives the other).
 */
function sealingKey(pollToken: string): Buffer {
  return createHash('sha256').update('coffer login flow seal\0').update(pollToken).digest();
}

function seal(secret: string, pollToken: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(pollToken), iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function unseal(sealed: string, pollToken: string): string {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(pollToken), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** The app password's name: the device as it named itself, within the 100 characters names may have. */
function appPasswordName(clientName: string): string {
  const clean = clientName.replace(/\s+/g, ' ').trim();
  return (clean.length > 100 ? `${clean.slice(0, 99)}…` : clean) || 'unknown client';
}

/** The nc:// address the older flow ends at; the apps split it on "&user:" and "&password:". */
function ncRedirect(server: string, loginName: string, password: string): string {
  return `nc://login/server:${server}&user:${encodeURIComponent(loginName)}&password:${encodeURIComponent(password)}`;
}

const GONE = 'This sign-in request is unknown, was already answered, or has expired (after 20 minutes); start the sign-in again on your device';

/**
 * Nextcloud's login flows: a device asks to be let in, a person signed in to the web app sees
 * which device asks and grants (or refuses) it, and the device gets an app password of its own,
 * named after it, listed with the person's app passwords and devices and revocable there.
 * Tokens are single use and stored hashed; each step may run on any server.
 */
export class LoginFlowService {
  constructor(
    private readonly deps: {
      db: Db;
      repo: LoginFlowRepository;
      auth: AuthService;
      rateLimits: RateLimitRepository;
      users: UserRepository;
      audit: AuditService;
      settings: LoginFlowSettings;
    },
  ) {}

  /** A device asks to be let in. `server` is the address it reached this server at. */
  async start(client: ClientInfo, kind: LoginFlowKind, server: string): Promise<StartedLoginFlow> {
    const { db, repo, settings } = this.deps;
    await this.limit(`login-flow:start:${client.ip ?? 'unknown'}`, settings.startsPerIpPerMinute, 'Too many sign-in requests from your address');
    await this.purgeExpired();
    const loginToken = newToken();
    const pollToken = kind === 'poll' ? newToken() : null;
    // A polled flow's password is made now and sealed for the device, so no later step sees it.
    const password = pollToken ? newAppPassword() : null;
    const expiresAt = new Date(Date.now() + settings.ttlSeconds * 1000);
    await repo.insert(db, {
      id: randomUUID(),
      kind,
      login_token_hash: hashToken(loginToken),
      poll_token_hash: pollToken ? hashToken(pollToken) : null,
      client_name: deviceName(client.userAgent),
      server,
      sealed_password: password && pollToken ? seal(password, pollToken) : null,
      password_hash: password ? hashToken(password) : null,
      ip: client.ip,
      expires_at: expiresAt,
    });
    return { loginToken, pollToken, expiresAt };
  }

  /** The flow behind a login token, for the page that asks its owner. */
  async describe(ctx: CallContext, loginToken: string): Promise<PendingLoginFlow> {
    requirePerson(ctx);
    const flow = await this.deps.repo.pending(this.deps.db, hashToken(loginToken));
    if (!flow) throw notFound(GONE);
    return { kind: flow.kind, clientName: flow.client_name, clientIp: flow.ip, server: flow.server, createdAt: flow.created_at, expiresAt: flow.expires_at };
  }

  /**
   * The signed-in person lets the device in: an app password of theirs, named after the device.
   * Only for themselves (the password is the caller's, whoever started the flow), only once.
   */
  async grant(ctx: CallContext, loginToken: string): Promise<GrantedLoginFlow> {
    requirePerson(ctx);
    const { db, repo, auth, settings } = this.deps;
    return db.transaction().execute(async (tx) => {
      const flow = await repo.pendingForUpdate(tx, hashToken(loginToken));
      if (!flow) throw notFound(GONE);
      const name = appPasswordName(flow.client_name);
      const password = flow.kind === 'redirect' ? newAppPassword() : null;
      const tokenHash = password !== null ? hashToken(password) : flow.password_hash;
      if (tokenHash === null) throw new CofferError(500, 'login-flow-broken', 'This sign-in request is incomplete; start the sign-in again on your device');
      const stored = await auth.storeAppPassword(tx, ctx, name, tokenHash, { via: 'login-flow', flow: flow.kind, client: flow.client_name, client_ip: flow.ip });
      if (password !== null) {
        // The web view gets the password in its redirect; nothing is left to collect.
        await repo.delete(tx, flow.id);
        return { appPassword: { id: stored.id, name }, redirectUrl: ncRedirect(flow.server, ctx.actor.username, password) };
      }
      await repo.markGranted(tx, flow.id, {
        userId: ctx.actor.userId,
        loginName: ctx.actor.username,
        appPasswordId: stored.id,
        expiresAt: new Date(Math.max(flow.expires_at.getTime(), Date.now() + settings.collectSeconds * 1000)),
      });
      return { appPassword: { id: stored.id, name }, redirectUrl: null };
    });
  }

  /** The person does not let the device in: the flow ends, and the device's polls find nothing. */
  async refuse(ctx: CallContext, loginToken: string): Promise<void> {
    requirePerson(ctx);
    const { db, repo, audit } = this.deps;
    await db.transaction().execute(async (tx) => {
      const flow = await repo.pendingForUpdate(tx, hashToken(loginToken));
      if (!flow) throw notFound(GONE);
      await repo.delete(tx, flow.id);
      await audit.record(tx, ctx, { action: 'login-flow.refuse', detail: { flow: flow.kind, client: flow.client_name, client_ip: flow.ip } });
    });
  }

  /**
   * The device asks whether it was let in: its credentials once granted (and never again), else
   * null — the same for a flow waiting, refused, expired, already collected or never started.
   */
  async poll(client: ClientInfo, pollToken: string): Promise<LoginFlowCredentials | null> {
    const { db, repo, audit, settings } = this.deps;
    await this.limit(`login-flow:poll:${client.ip ?? 'unknown'}`, settings.pollsPerIpPerMinute, 'Too many polls from your address');
    if (pollToken.length === 0 || pollToken.length > 200) return null;
    return db.transaction().execute(async (tx) => {
      const flow = await repo.takeGranted(tx, hashToken(pollToken));
      if (!flow) return null;
      const credentials = collected(flow, pollToken);
      await audit.record(tx, null, {
        actorId: flow.user_id,
        actorName: flow.login_name,
        ip: client.ip,
        userAgent: client.userAgent,
        action: 'login-flow.collect',
        detail: { app_password: flow.app_password_id, client: flow.client_name },
      });
      return credentials;
    });
  }

  /**
   * Drops expired flows. A password granted but never collected is revoked with its flow: no
   * device holds it, and it must not linger as a working credential.
   */
  async purgeExpired(): Promise<void> {
    const { db, repo, users, audit } = this.deps;
    await db.transaction().execute(async (tx) => {
      const uncollected = await repo.deleteExpired(tx);
      for (const flow of uncollected) {
        if (!flow.user_id || !flow.app_password_id) continue;
        const revoked = await users.revokeAppPassword(tx, flow.user_id, flow.app_password_id);
        if (revoked) {
          await audit.record(tx, null, { actorId: flow.user_id, action: 'app-password.revoke', detail: { id: revoked.id, name: revoked.name, reason: 'login-flow-not-collected' } });
        }
      }
    });
  }

  private async limit(key: string, perMinute: number, message: string): Promise<void> {
    const hit = await this.deps.rateLimits.hit(this.deps.db, key, 60);
    if (hit.count > perMinute) throw tooManyRequests(hit.resetsIn, `${message}; try again in ${hit.resetsIn} seconds`);
  }
}

function collected(flow: LoginFlow, pollToken: string): LoginFlowCredentials {
  if (flow.sealed_password === null || flow.login_name === null) throw new CofferError(500, 'login-flow-broken', 'This sign-in request is incomplete; start the sign-in again');
  return { server: flow.server, loginName: flow.login_name, appPassword: unseal(flow.sealed_password, pollToken) };
}

/** Letting a device in makes a credential: only a person signed in interactively may. */
function requirePerson(ctx: CallContext): void {
  if (ctx.actor.via !== 'token') throw forbidden('Only a person signed in to Coffer can let a device in; an app password or API key cannot');
}
