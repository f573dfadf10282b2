import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor, CallContext } from '../core/context.js';
import { badRequest, CofferError, forbidden, notFound } from '../core/errors.js';
import { normalizeName, parsePath } from '../core/names.js';
import type { Db } from '../repositories/node.repository.js';
import type { OrgRepository } from '../repositories/org.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import type { AuditService } from './audit.service.js';
import type { ServiceAccountsService } from './service-accounts.service.js';
import type { TreeService } from './tree.service.js';

export type SignedMethod = 'GET' | 'PUT';

/** What a signed URL allows, all of it under its signature. */
export interface SignedGrant {
  method: SignedMethod;
  /** A path in a space… */
  spaceId: string | null;
  path: string[] | null;
  /** …or one node by id. */
  nodeId: string | null;
  /** Unix seconds. */
  expires: number;
  /** Who issued it: "u.<user id>" or "k.<API key id>"; their access is checked again at each use. */
  issuer: string;
  length: number | null;
  type: string | null;
  nonce: string;
  once: boolean;
}

export interface IssueInput {
  space?: string | undefined;
  path?: string | undefined;
  nodeId?: string | undefined;
  method: SignedMethod;
  expiresIn?: number | undefined;
  contentLength?: number | undefined;
  contentType?: string | undefined;
  singleUse?: boolean | undefined;
}

export interface SignedUrlsDeps {
  db: Db;
  tree: TreeService;
  orgs: OrgRepository;
  users: UserRepository;
  serviceAccounts: ServiceAccountsService;
  audit: AuditService;
  secret: Buffer;
  /** The longest a signed URL of a personal space may live (an organisation sets its own). */
  personalMaxSeconds: number;
}

const DEFAULT_SECONDS = 600;
const TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;

/**
 * Signed URLs: a URL that allows one method on one path (or node) until it expires, optionally
 * bound to a length, a type and a single use, with no other credential. Everything it allows is
 * in the URL under an HMAC; at each use the issuer's own access is checked again, so revoking
 * their key, their membership or suspending the organisation ends every URL they issued.
 */
export class SignedUrlsService {
  constructor(private readonly d: SignedUrlsDeps) {}

  /** Checks the caller may do now what the URL will allow, and signs it. */
  async issue(ctx: CallContext, input: IssueInput): Promise<{ url: string; expiresAt: Date; grant: SignedGrant }> {
    const { actor } = ctx;
    if (actor.link) throw forbidden('A public link cannot issue signed URLs');
    const issuer = actor.service ? `k.${actor.service.keyId}` : `u.${actor.userId}`;
    if ((input.path === undefined) === (input.nodeId === undefined)) throw badRequest('Name either a path in a space (space and path) or a node_id');
    if (input.contentLength !== undefined && (!Number.isSafeInteger(input.contentLength) || input.contentLength < 0)) throw badRequest('content_length is a whole number of bytes');
    if (input.contentType !== undefined && !TYPE.test(input.contentType)) throw badRequest(`"${input.contentType}" is not a media type such as application/pdf`);
    if (input.method === 'GET' && (input.contentLength !== undefined || input.contentType !== undefined)) throw badRequest('content_length and content_type bind uploads (PUT) only');

    let spaceId: string | null = null;
    let path: string[] | null = null;
    let nodeId: string | null = null;
    let orgId: string | null;
    let chainSpace: string;
    let shownPath: string;
    if (input.nodeId !== undefined) {
      const item = await this.d.tree.byId(ctx, input.nodeId, input.method === 'GET' ? 'read' : 'write');
      if (item.node.kind !== 'file') throw badRequest('A signed URL reads or replaces one file, not a folder');
      nodeId = item.node.id;
      orgId = item.space.org_id;
      chainSpace = item.space.id;
      shownPath = item.path;
    } else {
      if (input.space === undefined) throw badRequest('Name the space the path is in');
      const segments = parsePath(input.path!).map(normalizeName);
      if (segments.length === 0) throw badRequest('Name a file, not the top of the space');
      const { space, nodes } = await this.d.tree.walkSpace(ctx, input.space, segments);
      const existing = nodes.length === segments.length + 1 ? nodes[segments.length]! : undefined;
      if (input.method === 'GET') {
        if (!existing) throw notFound(`Nothing at /${segments.join('/')} in this space`);
        const item = await this.d.tree.byId(ctx, existing.id, 'read');
        if (item.node.kind !== 'file') throw badRequest('A signed URL reads one file, not a folder');
      } else if (existing) {
        await this.d.tree.byId(ctx, existing.id, 'write');
      } else {
        // Uploading makes what is missing below the deepest folder that exists: the caller must be able to add there.
        await this.d.tree.folderById(ctx, nodes[Math.min(nodes.length - 1, segments.length - 1)]!.id, 'create');
      }
      spaceId = space.id;
      path = segments;
      orgId = space.org_id;
      chainSpace = space.id;
      shownPath = '/' + segments.join('/');
    }

    const org = orgId ? await this.d.orgs.getById(this.d.db, orgId) : undefined;
    const max = org?.signed_url_max_seconds ?? this.d.personalMaxSeconds;
    const seconds = input.expiresIn ?? Math.min(DEFAULT_SECONDS, max);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > max) throw badRequest(`A signed URL here may live 1 to ${max} seconds`);
    const grant: SignedGrant = {
      method: input.method,
      spaceId,
      path,
      nodeId,
      // Rounded up: a URL asked for N seconds lives at least N seconds, never less.
      expires: Math.ceil(Date.now() / 1000 + seconds),
      issuer,
      length: input.contentLength ?? null,
      type: input.contentType?.toLowerCase() ?? null,
      nonce: randomBytes(12).toString('base64url'),
      once: input.singleUse ?? false,
    };
    await this.d.audit.recordAlone(ctx, {
      action: 'signed_url.issue',
      spaceId: chainSpace,
      path: shownPath,
      detail: { method: grant.method, nodeId, expires: new Date(grant.expires * 1000).toISOString(), length: grant.length, type: grant.type, once: grant.once, nonce: grant.nonce },
    });
    return { url: this.urlOf(grant), expiresAt: new Date(grant.expires * 1000), grant };
  }

  /** The URL's path and query (relative to the server), signed. */
  urlOf(g: SignedGrant): string {
    const where = g.nodeId ? `nodes/${g.nodeId}` : `${g.spaceId}/${g.path!.map(encodeURIComponent).join('/')}`;
    const q = new URLSearchParams({ method: g.method, expires: String(g.expires), issuer: g.issuer, nonce: g.nonce });
    if (g.length !== null) q.set('length', String(g.length));
    if (g.type !== null) q.set('type', g.type);
    if (g.once) q.set('once', '1');
    q.set('signature', this.sign(g));
    return `/api/v1/signed/${where}?${q}`;
  }

  /**
   * The grant a request's URL carries, once its signature, method and expiry hold, and the
   * issuer's context to act in (their access is what the request then gets, no more).
   */
  async open(
    where: { spaceId: string | null; path: string[] | null; nodeId: string | null },
    query: Record<string, string | undefined>,
    method: string,
    client: { ip: string | null; userAgent: string | null },
  ): Promise<{ grant: SignedGrant; ctx: CallContext }> {
    const expires = Number(query.expires);
    if (query.length !== undefined && !/^\d{1,16}$/.test(query.length)) {
      throw signedUrlError(403, 'signed-url-invalid', 'This signed URL is not valid: its signature does not match what it asks for');
    }
    const grant: SignedGrant = {
      method: query.method === 'PUT' ? 'PUT' : 'GET',
      spaceId: where.spaceId,
      path: where.path,
      nodeId: where.nodeId,
      expires,
      issuer: query.issuer ?? '',
      length: query.length === undefined ? null : Number(query.length),
      type: query.type ?? null,
      nonce: query.nonce ?? '',
      once: query.once === '1',
    };
    const given = Buffer.from(query.signature ?? '', 'base64url');
    const expected = Buffer.from(this.sign(grant), 'base64url');
    if (query.method !== grant.method || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw signedUrlError(403, 'signed-url-invalid', 'This signed URL is not valid: its signature does not match what it asks for');
    }
    const wanted = method === 'HEAD' ? 'GET' : method;
    if (wanted !== grant.method) throw signedUrlError(405, 'signed-url-method', `This signed URL allows ${grant.method} only`);
    if (!Number.isFinite(expires) || expires * 1000 <= Date.now()) {
      throw signedUrlError(403, 'signed-url-expired', `This signed URL expired at ${new Date((Number.isFinite(expires) ? expires : 0) * 1000).toISOString()}; ask for a new one`);
    }
    const actor = await this.issuerActor(grant.issuer);
    return { grant, ctx: { actor, ip: client.ip, userAgent: client.userAgent, signedUrl: grant.nonce } };
  }

  /** Spends a single-use URL: the first use wins, on every server; later ones get 410. */
  async spend(grant: SignedGrant): Promise<void> {
    if (!grant.once) return;
    const r = await sql`insert into signed_url_uses (nonce, expires_at) values (${grant.nonce}, to_timestamp(${grant.expires})) on conflict do nothing`.execute(this.d.db);
    if (Number(r.numAffectedRows ?? 0) === 0) throw signedUrlError(410, 'signed-url-used', 'This signed URL was for one use, and it has been used');
  }

  /** Forgets the uses of URLs that have expired anyway (the maintenance task). */
  async purgeSpent(now = new Date()): Promise<number> {
    const r = await this.d.db.deleteFrom('signed_url_uses').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  private async issuerActor(issuer: string): Promise<Actor> {
    try {
      if (issuer.startsWith('k.')) return await this.d.serviceAccounts.authenticateKeyId(issuer.slice(2));
      if (issuer.startsWith('u.')) {
        const user = await this.d.users.getById(this.d.db, issuer.slice(2));
        if (user?.status === 'active') return { userId: user.id, username: user.username, role: user.role, via: 'token' };
      }
    } catch (err) {
      if (!(err instanceof CofferError)) throw err;
    }
    throw signedUrlError(403, 'signed-url-issuer', 'Whoever issued this signed URL can no longer use it (their key was revoked or their account or organisation is no longer active)');
  }

  private sign(g: SignedGrant): string {
    const canonical = JSON.stringify(['coffer-signed-url-v1', g.method, g.spaceId, g.path, g.nodeId, g.expires, g.issuer, g.length, g.type, g.nonce, g.once]);
    return createHmac('sha256', this.d.secret).update(canonical).digest('base64url');
  }
}

function signedUrlError(status: number, code: string, message: string): CofferError {
  return new CofferError(status, code, message);
}
