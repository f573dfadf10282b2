import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { verify } from '@node-rs/argon2';
import type { CallContext } from '../core/context.js';
import { badRequest, CofferError, forbidden, notFound, sharingOff, tooManyRequests, unauthorized } from '../core/errors.js';
import type { LinkPermission } from '../db/schema.js';
import type { LinkPatch, LinkRepository, LinkRow } from '../repositories/link.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { FailureRule, RateLimitRepository } from '../repositories/rate-limit.repository.js';
import type { AuditService } from './audit.service.js';
import { isUuid, type TreeService } from './tree.service.js';
import { hashPassword } from './users.service.js';

export type LinkState = 'active' | 'expired' | 'exhausted' | 'revoked';

export interface LinkInput {
  nodeId: string;
  name?: string | undefined;
  permission: LinkPermission;
  password?: string | null | undefined;
  expiresAt?: Date | null | undefined;
  maxDownloads?: number | null | undefined;
  maxViews?: number | null | undefined;
}

/** A visitor's request through a link: the link, and the context services act in for them. */
export interface LinkVisit {
  link: LinkRow;
  ctx: CallContext;
  /** Whether the visitor may use the link now (no password, or it was given). */
  unlocked: boolean;
  /**
   * Whether the visitor holds a session of this link: their visit was counted when it was
   * handed out (by `unlock` or the first page view), so it goes on after the last allowed view.
   */
  counted: boolean;
}

/** How long a visitor who gave a link's password stays let in. */
const SESSION_SECONDS = 12 * 3600;
/** Links are capabilities: 192 random bits, URL-safe. */
const TOKEN_BYTES = 24;

const perVisitor: FailureRule = { freeFailures: 5, maxDelaySeconds: 900, forgetSeconds: 3600 };
const perLink: FailureRule = { freeFailures: 50, maxDelaySeconds: 900, forgetSeconds: 3600 };
const perIp: FailureRule = { freeFailures: 20, maxDelaySeconds: 900, forgetSeconds: 3600 };

export function linkState(link: Pick<LinkRow, 'revoked_at' | 'expires_at' | 'max_downloads' | 'downloads' | 'max_views' | 'views'>, now = new Date()): LinkState {
  if (link.revoked_at) return 'revoked';
  if (link.expires_at && link.expires_at <= now) return 'expired';
  if ((link.max_downloads !== null && link.downloads >= link.max_downloads) || (link.max_views !== null && link.views >= link.max_views)) return 'exhausted';
  return 'active';
}

const GONE: Record<Exclude<LinkState, 'active'>, string> = {
  revoked: 'This link was switched off by the person who shared it. Ask them for a new one.',
  expired: 'This link has expired. Ask the person who shared it for a new one.',
  exhausted: 'This link has been used as often as its owner allowed. Ask them for a new one.',
};

export const linkGone = (state: Exclude<LinkState, 'active'>) => new CofferError(410, `link-${state}`, GONE[state], { state });

/**
 * Public links: a random token that lets anyone holding it reach one file or folder, with an
 * optional password, expiry and download and view limits. Owners manage them here; visitors are
 * turned into a link actor whose only source of access is the link, so every service applies
 * its rules to them through the access service like to anyone else.
 */
export class LinksService {
  constructor(
    private readonly d: { db: Db; tree: TreeService; links: LinkRepository; rateLimits: RateLimitRepository; audit: AuditService; secret: Uint8Array },
  ) {}

  async create(ctx: CallContext, input: LinkInput): Promise<LinkRow> {
    const item = await this.d.tree.byId(ctx, input.nodeId, 'share');
    if (item.space.share_policy !== 'all') throw sharingOff(item.space.share_policy === 'people' ? 'This space allows sharing with people only, not by public link' : 'Nothing in this space may be shared');
    if (item.node.parent_id === null) throw badRequest('Your top folder cannot be shared by link; share the folders or files in it');
    checkPermissionFits(item.node.kind, input.permission);
    if (input.permission !== 'read') this.d.tree.access.assert(item, 'write');
    const id = randomUUID();
    const row = {
      id,
      token: randomBytes(TOKEN_BYTES).toString('base64url'),
      node_id: item.node.id,
      space_id: item.space.id,
      created_by: ctx.actor.userId,
      name: cleanName(input.name),
      permission: input.permission,
      password_hash: input.password ? await hashLinkPassword(input.password) : null,
      expires_at: future(input.expiresAt ?? null),
      max_downloads: input.maxDownloads ?? null,
      max_views: input.maxViews ?? null,
    };
    return this.d.db.transaction().execute(async (tx) => {
      await this.d.links.insert(tx, row);
      await this.d.audit.record(tx, ctx, {
        action: 'link.create',
        nodeId: item.node.id,
        path: item.path,
        detail: { link: id, permission: row.permission, password: row.password_hash !== null, expires_at: row.expires_at?.toISOString() ?? null, max_downloads: row.max_downloads, max_views: row.max_views },
      });
      return (await this.d.links.getById(tx, id))!;
    });
  }

  async forNode(ctx: CallContext, nodeId: string): Promise<LinkRow[]> {
    const item = await this.d.tree.byId(ctx, nodeId, 'share');
    return this.d.links.forNode(this.d.db, item.node.id);
  }

  async outgoing(ctx: CallContext): Promise<LinkRow[]> {
    if (ctx.actor.link) return [];
    return this.d.links.outgoing(this.d.db, ctx.actor.userId);
  }

  async get(ctx: CallContext, id: string): Promise<LinkRow> {
    const link = isUuid(id) ? await this.d.links.getById(this.d.db, id) : undefined;
    if (!link || link.revoked_at) throw notFound(`No link with id ${id}`);
    await this.requireManaging(ctx, link);
    return link;
  }

  /**
   * The id of the live link with this number (the Nextcloud apps treat links as shares, by
   * number), or undefined; `get` then decides whether the caller may see it.
   */
  async idOfNumber(number: number): Promise<string | undefined> {
    return Number.isSafeInteger(number) && number > 0 ? this.d.links.idByNumber(this.d.db, number) : undefined;
  }

  async update(ctx: CallContext, id: string, patch: Omit<Partial<LinkInput>, 'nodeId'>): Promise<LinkRow> {
    const link = await this.get(ctx, id);
    const item = await this.requireManaging(ctx, link);
    const changes: LinkPatch = {};
    if (patch.name !== undefined) changes.name = cleanName(patch.name);
    if (patch.permission !== undefined) {
      checkPermissionFits(link.node_kind, patch.permission);
      if (patch.permission !== 'read') this.d.tree.access.assert(item, 'write');
      changes.permission = patch.permission;
    }
    if (patch.password !== undefined) changes.password_hash = patch.password ? await hashLinkPassword(patch.password) : null;
    if (patch.expiresAt !== undefined) changes.expires_at = future(patch.expiresAt);
    if (patch.maxDownloads !== undefined) {
      if (patch.maxDownloads !== null && patch.maxDownloads < link.downloads) {
        throw badRequest(`This link was downloaded ${link.downloads} times already; the limit cannot be lower`);
      }
      changes.max_downloads = patch.maxDownloads;
    }
    if (patch.maxViews !== undefined) {
      if (patch.maxViews !== null && patch.maxViews < link.views) throw badRequest(`This link was viewed ${link.views} times already; the limit cannot be lower`);
      changes.max_views = patch.maxViews;
    }
    return this.d.db.transaction().execute(async (tx) => {
      await this.d.links.update(tx, link.id, changes);
      const { password_hash: pw, ...shown } = changes;
      await this.d.audit.record(tx, ctx, {
        action: 'link.update',
        nodeId: link.node_id,
        path: item.path,
        detail: { link: link.id, ...shown, ...(pw !== undefined ? { password: pw !== null } : {}) },
      });
      return (await this.d.links.getById(tx, link.id))!;
    });
  }

  async revoke(ctx: CallContext, id: string): Promise<void> {
    const link = await this.get(ctx, id);
    const item = await this.requireManaging(ctx, link);
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.links.revoke(tx, link.id))) throw notFound(`No link with id ${id}`);
      await this.d.audit.record(tx, ctx, { action: 'link.revoke', nodeId: link.node_id, path: item.path, detail: { link: link.id } });
    });
  }

  // Visitors.

  /**
   * A visitor's request through `token`: 404 for a token that never existed, 410 for a link that
   * was revoked, has expired or is used up. `session` is what `unlock` handed out, if anything.
   */
  async visit(token: string, client: { ip: string | null; userAgent: string | null }, session?: string): Promise<LinkVisit> {
    const link = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await this.d.links.byToken(this.d.db, token) : undefined;
    if (!link) throw notFound('There is no such link; check that it was copied whole');
    // Checked here too, for the doors that walk below the link without asking the access check.
    if (link.space_share_policy !== 'all') throw sharingOff('Public links to this space are turned off');
    const counted = session !== undefined && this.sessionValid(link, session);
    const state = linkState(link);
    // A visit already counted may finish after the views run out: the last view stays usable.
    const viewsOnlyUsedUp = state === 'exhausted' && (link.max_downloads === null || link.downloads < link.max_downloads);
    if (state !== 'active' && !(viewsOnlyUsedUp && counted)) throw linkGone(state);
    const actingFor = link.created_by ?? link.owner_id;
    if (!actingFor) throw linkGone('revoked');
    const ctx: CallContext = {
      actor: {
        userId: actingFor,
        username: `link ${link.name ? `"${link.name}"` : link.id.slice(0, 8)}`,
        role: 'user',
        via: 'link',
        link: { id: link.id, nodeId: link.node_id, permission: link.permission },
      },
      ip: client.ip,
      userAgent: client.userAgent,
    };
    return { link, ctx, unlocked: link.password_hash === null || counted, counted };
  }

  /** A visit that may use the link: 401 while its password was not given. */
  async enter(token: string, client: { ip: string | null; userAgent: string | null }, session?: string): Promise<LinkVisit> {
    const visit = await this.visit(token, client, session);
    if (!visit.unlocked) throw unauthorized('This link is protected by a password');
    return visit;
  }

  /**
   * Checks a visitor's password, slowed down per visitor, per link and per address so guessing
   * gets nowhere; returns the session that lets them in for the next hours.
   */
  async unlock(token: string, password: string, client: { ip: string | null; userAgent: string | null }): Promise<{ session: string; maxAgeSeconds: number; link: LinkRow }> {
    const visit = await this.visit(token, client);
    const { link } = visit;
    if (link.password_hash === null) return this.startVisit(visit);
    const ip = client.ip ?? 'unknown';
    const sourceKey = `link:${link.id}:${ip}`;
    for (const [key, rule] of [[`link-ip:${ip}`, perIp], [`link:${link.id}`, perLink]] as const) {
      const wait = await this.d.rateLimits.attemptWait(this.d.db, key, rule);
      if (wait > 0) throw tooManyRequests(wait, `Too many wrong passwords; try again in ${wait} seconds`);
    }
    const wait = await this.d.rateLimits.claimAttempt(this.d.db, sourceKey, perVisitor);
    if (wait > 0) throw tooManyRequests(wait, `Too many wrong passwords; try again in ${wait} seconds`);
    const ok = await verify(link.password_hash, password).catch(() => false);
    if (!ok) {
      await this.d.rateLimits.recordFailure(this.d.db, `link-ip:${ip}`, perIp);
      await this.d.rateLimits.recordFailure(this.d.db, `link:${link.id}`, perLink);
      await this.d.audit.recordAlone(visit.ctx, { action: 'link.unlock', nodeId: link.node_id, result: 'failure' });
      throw unauthorized('That is not the password of this link');
    }
    await this.d.rateLimits.forgiveFailures(this.d.db, sourceKey);
    return this.startVisit(visit);
  }

  /**
   * Counts one view (a visit begins: its page was opened, or its password given) and hands out
   * the session that carries the rest of the visit; 410 once the views are used up.
   */
  async startVisit(visit: LinkVisit): Promise<{ session: string; maxAgeSeconds: number; link: LinkRow }> {
    if (!(await this.d.links.take(this.d.db, visit.link.id, 'views'))) throw await this.goneNow(visit.link.id);
    await this.d.audit.recordAlone(visit.ctx, { action: 'link.view', nodeId: visit.link.node_id });
    return { session: this.session(visit.link), maxAgeSeconds: SESSION_SECONDS, link: visit.link };
  }

  /** Takes one download for a link visitor before the first byte goes out; 410 once they are used up. */
  async takeDownload(ctx: CallContext): Promise<void> {
    const id = ctx.actor.link?.id;
    if (!id) return;
    if (await this.d.links.take(this.d.db, id, 'downloads')) return;
    throw await this.goneNow(id);
  }

  /**
   * A visit by a client that sends the link's password with every request (public WebDAV, with
   * HTTP Basic). The password is checked like `unlock` does; a right one is remembered for a
   * minute, so a client listing a folder does not pay for argon2 on each request.
   */
  async enterWithPassword(token: string, password: string, client: { ip: string | null; userAgent: string | null }): Promise<LinkVisit> {
    const visit = await this.visit(token, client);
    const { link } = visit;
    if (link.password_hash === null) return visit;
    const key = createHmac('sha256', this.d.secret).update(`link-basic\n${link.id}\n${link.password_hash}\n${password}`).digest('base64url');
    const until = this.recentPasswords.get(key);
    if (until === undefined || until < Date.now()) {
      await this.unlock(token, password, client);
      if (this.recentPasswords.size > 10_000) this.recentPasswords.clear();
      this.recentPasswords.set(key, Date.now() + 60_000);
    }
    return { ...visit, unlocked: true, counted: true };
  }

  /** Keys of link passwords given right in the last minute (bound to the link's current hash). */
  private readonly recentPasswords = new Map<string, number>();

  /** Why a link just refused to be taken from: whatever its row says now, else used up. */
  private async goneNow(id: string): Promise<CofferError> {
    const fresh = await this.d.links.getById(this.d.db, id);
    const state = fresh ? linkState(fresh) : 'revoked';
    return linkGone(state === 'active' ? 'exhausted' : state);
  }

  private session(link: LinkRow): string {
    const exp = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    return `${exp}.${this.mac(link, exp)}`;
  }

  /** A session names its link and the password it was given for: changing the password ends it. */
  private sessionValid(link: LinkRow, session: string): boolean {
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(session);
    if (!m) return false;
    const exp = Number(m[1]);
    if (exp * 1000 < Date.now()) return false;
    const expected = Buffer.from(this.mac(link, exp));
    const given = Buffer.from(m[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private mac(link: LinkRow, exp: number): string {
    return createHmac('sha256', this.d.secret).update(`link-session\n${link.id}\n${exp}\n${link.password_hash ?? ''}`).digest('base64url');
  }

  /** The owner manages every link of their items; anyone else only the links they made. */
  private async requireManaging(ctx: CallContext, link: LinkRow) {
    const item = await this.d.tree.byId(ctx, link.node_id, 'share').catch((err: unknown) => {
      if (err instanceof CofferError && err.status === 403) throw forbidden('Only the owner or whoever made this link can change it');
      throw notFound(`No link with id ${link.id}`);
    });
    if (item.grant.source !== 'owner' && link.created_by !== ctx.actor.userId) throw forbidden('Only the owner or whoever made this link can change it');
    return item;
  }
}

function checkPermissionFits(kind: 'file' | 'folder', permission: LinkPermission): void {
  if (kind === 'file' && permission !== 'read') throw badRequest('A link to a file can only let people view and download it; upload links need a folder');
}

function cleanName(name: string | undefined): string {
  const n = (name ?? '').trim();
  if (n.length > 200) throw badRequest('A link name can be at most 200 characters long');
  return n;
}

function future(at: Date | null): Date | null {
  if (at === null) return null;
  if (Number.isNaN(at.getTime())) throw badRequest('The expiry date is not a valid date');
  if (at.getTime() <= Date.now()) throw badRequest('The expiry date must lie in the future');
  return at;
}

async function hashLinkPassword(password: string): Promise<string> {
  if (password.length < 4) throw badRequest('A link password must be at least 4 characters long');
  if (password.length > 1024) throw badRequest('A link password can be at most 1024 characters long');
  return hashPassword(password);
}
