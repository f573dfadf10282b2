import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import type { LinkRow } from '../../repositories/link.repository.js';
import type { ShareRow } from '../../repositories/share.repository.js';
import type { AccessibleNode } from '../../services/access.service.js';
import type { LinkInput } from '../../services/links.service.js';
import { CoreDavBackend } from '../dav/core-dav-backend.js';
import { davPath } from '../dav/dav-search.js';
import { ocsCaller } from './ocs-auth.js';
import { OcsError, type OcsValue } from './ocs-envelope.js';
import { linkBits, linkPermissionOfBits, roleBits, roleOfBits } from './share-permissions.js';

/**
 * Nextcloud's sharing API (apps/files_sharing/lib/Controller/ShareAPIController.php and
 * ShareesAPIController.php) under /ocs/v{1,2}.php/apps/files_sharing/api/v1, as the apps call it:
 * the desktop client's Share dialog (src/gui/sharemanager.cpp, src/gui/ocssharejob.cpp), the
 * Android library (lib/resources/shares/*: GetSharesForFileRemoteOperation,
 * CreateShareRemoteOperation, UpdateShareRemoteOperation…) and NextcloudKit (NKShare*).
 *
 * A thin door: shares with people (shareType 0) are Coffer's shares, public links (shareType 3)
 * Coffer's links; who may share what, and how, is the services' to decide. A share is named by a
 * number (the apps keep it as an integer), drawn for shares and links from one sequence, so a
 * number names one of either kind, for good.
 */

const SHARE_USER = 0;
const SHARE_LINK = 3;

/** What a link's `password` and `share_with` say when it has one: never the hash. */
const PASSWORD_SET = '(password set)';

/**
 * ShareAPIController's "not found" (OCSNotFoundException) is OCS code 404 in both versions, not
 * the 998 of an unknown endpoint; it also says "you may not share this" (the share manager's
 * GenericShareException, code 404), which the desktop client must not read as 403, its old
 * sign for "this link needs a password" (ShareManager::slotLinkShareCreated).
 */
const NOT_FOUND = 404;

const WRONG_ID = 'Wrong share ID, share does not exist';
const WRONG_PATH = 'Wrong path, file/folder does not exist';

type Params = Record<string, string>;

type Found = { kind: 'user'; row: ShareRow } | { kind: 'link'; row: LinkRow };

type Answer = (request: FastifyRequest, reply: FastifyReply, data: OcsValue) => FastifyReply;

export function sharingOcsRoutes(app: FastifyInstance, core: Core, prefix: string, answer: Answer): void {
  const base = `${prefix}/apps/files_sharing/api/v1`;

  app.get(`${base}/shares`, { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request);
    const p = params(request);
    const door = new SharingDoor(core, ctx, request);
    return answer(request, reply, await door.list(p));
  });

  // Shares waiting to be accepted, and shares the recipient deleted but may restore: Coffer has
  // neither (a share is there at once; leaving it is final), so both lists are empty rather than
  // a "wrong share ID" for "pending" or an unknown endpoint.
  for (const listing of ['shares/pending', 'deletedshares']) {
    app.get(`${base}/${listing}`, { schema: { hide: true } }, async (request, reply) => {
      await ocsCaller(core, request);
      return answer(request, reply, []);
    });
  }

  // As Nextcloud: one share, as a list of one.
  app.get<{ Params: { id: string } }>(`${base}/shares/:id`, { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request);
    const door = new SharingDoor(core, ctx, request);
    const found = await door.find(request.params.id);
    return answer(request, reply, [await door.describe(found)]);
  });

  app.post(`${base}/shares`, { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request);
    const door = new SharingDoor(core, ctx, request);
    return answer(request, reply, await door.describe(await door.create(params(request))));
  });

  app.put<{ Params: { id: string } }>(`${base}/shares/:id`, { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request);
    const door = new SharingDoor(core, ctx, request);
    return answer(request, reply, await door.describe(await door.update(request.params.id, params(request))));
  });

  app.delete<{ Params: { id: string } }>(`${base}/shares/:id`, { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request);
    const door = new SharingDoor(core, ctx, request);
    await door.remove(request.params.id);
    return answer(request, reply, []);
  });

  app.get(`${base}/sharees`, { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request);
    return answer(request, reply, await sharees(core, ctx, params(request)));
  });
}

/** One request's work: the caller, and what it looked up once (virtual folder names). */
class SharingDoor {
  private sharedName: Promise<string> | undefined;
  private spacesName: Promise<string> | undefined;

  constructor(
    private readonly core: Core,
    private readonly ctx: CallContext,
    private readonly request: FastifyRequest,
  ) {}

  /**
   * GET shares: the caller's shares and links (none of the parameters); those of one item
   * (`path`; with `reshares=true` also those others made of it, else the caller's own); those
   * of the items in a folder (`path` and `subfiles=true`); or what others share with the caller
   * (`shared_with_me=true`, optionally of one `path`).
   */
  async list(p: Params): Promise<OcsValue[]> {
    const target = p.path !== undefined && p.path !== '' ? await this.nodeAt(p.path) : undefined;
    if (p.shared_with_me === 'true') {
      const incoming = await this.core.shares.incoming(this.ctx);
      const rows = incoming.map((i) => i.share).filter((s) => target === undefined || s.node_id === target);
      return this.describeAll(rows.map((row) => ({ kind: 'user' as const, row })));
    }
    let found: Found[];
    if (target !== undefined && p.subfiles !== 'true') {
      const [shares, links] = await Promise.all([
        this.core.shares.forNode(this.ctx, target).catch(emptyIfRefused),
        this.core.links.forNode(this.ctx, target).catch(emptyIfRefused),
      ]);
      found = [...shares.map((row) => ({ kind: 'user' as const, row })), ...links.map((row) => ({ kind: 'link' as const, row }))];
      if (p.reshares !== 'true') found = found.filter((f) => f.row.created_by === this.ctx.actor.userId);
    } else {
      const [shares, links] = await Promise.all([this.core.shares.outgoing(this.ctx), this.core.links.outgoing(this.ctx)]);
      found = [...shares.map((row) => ({ kind: 'user' as const, row })), ...links.map((row) => ({ kind: 'link' as const, row }))];
    }
    const parent = target !== undefined && p.subfiles === 'true' ? target : undefined;
    return this.describeAll(found, parent);
  }

  /** A share or link by its number, as the caller may see it; 404 otherwise, as Nextcloud answers. */
  async find(id: string): Promise<Found> {
    const number = /^\d{1,15}$/.test(id) ? Number(id) : NaN;
    const shareId = await this.core.shares.idOfNumber(number);
    const linkId = shareId === undefined ? await this.core.links.idOfNumber(number) : undefined;
    try {
      if (shareId !== undefined) return { kind: 'user', row: await this.core.shares.get(this.ctx, shareId) };
      if (linkId !== undefined) return { kind: 'link', row: await this.core.links.get(this.ctx, linkId) };
    } catch (err) {
      // Someone else's share is no more there for the caller than one that never was.
      if (err instanceof CofferError && (err.status === 403 || err.status === 404)) throw new OcsError(NOT_FOUND, WRONG_ID);
      throw err;
    }
    throw new OcsError(NOT_FOUND, WRONG_ID);
  }

  async create(p: Params): Promise<Found> {
    if (p.path === undefined || p.path === '') throw new OcsError(NOT_FOUND, 'Please specify a file or folder path');
    const nodeId = await this.nodeAt(p.path);
    const shareType = p.shareType === undefined ? NaN : Number(p.shareType);
    const expiresAt = p.expireDate !== undefined ? expiryOf(p.expireDate) : undefined;
    refuseUnkept(p);
    if (shareType === SHARE_USER) {
      if (p.shareWith === undefined || p.shareWith.trim() === '') throw new OcsError(NOT_FOUND, 'Please specify a valid user');
      // No permissions: the capability's default_permissions, read only.
      const role = p.permissions !== undefined ? roleOfBits(Number(p.permissions)) : 'viewer';
      const row = await this.core.shares.create(this.ctx, { nodeId, recipient: p.shareWith.trim(), role, expiresAt: expiresAt ?? null }).catch(refusedAs404);
      return { kind: 'user', row };
    }
    if (shareType === SHARE_LINK) {
      const input: LinkInput = { nodeId, permission: linkPermission(p) ?? 'read', expiresAt: expiresAt ?? null };
      if (p.password !== undefined && p.password !== '') input.password = p.password;
      const label = p.label ?? p.name;
      if (label !== undefined) input.name = label;
      return { kind: 'link', row: await this.core.links.create(this.ctx, input).catch(refusedAs404) };
    }
    if (Number.isNaN(shareType)) throw new OcsError(400, 'Please specify a share type: 0 (a person) or 3 (a public link)');
    throw new OcsError(400, `Coffer shares with people (shareType 0) and by public link (shareType 3), not by share type ${p.shareType}`);
  }

  async update(id: string, p: Params): Promise<Found> {
    const found = await this.find(id);
    const given = ['permissions', 'password', 'expireDate', 'note', 'label', 'publicUpload', 'hideDownload', 'name'].filter((k) => p[k] !== undefined);
    if (given.length === 0) throw new OcsError(400, 'Wrong or no update parameter given: send permissions, password, expireDate or label');
    refuseUnkept(p);
    const expiresAt = p.expireDate !== undefined ? expiryOf(p.expireDate) : undefined;
    if (found.kind === 'user') {
      if (p.password !== undefined && p.password !== '') throw new OcsError(400, 'A share with a person has no password; only public links have one');
      const role = p.permissions !== undefined ? roleOfBits(Number(p.permissions)) : undefined;
      const row = await this.core.shares.update(this.ctx, found.row.id, { role, expiresAt });
      return { kind: 'user', row };
    }
    const patch: Omit<Partial<LinkInput>, 'nodeId'> = {};
    const permission = linkPermission(p);
    if (permission !== undefined) patch.permission = permission;
    // The marker this door shows for a set password is not a new password.
    if (p.password !== undefined && p.password !== PASSWORD_SET) patch.password = p.password === '' ? null : p.password;
    if (expiresAt !== undefined) patch.expiresAt = expiresAt;
    const label = p.label ?? p.name;
    if (label !== undefined) patch.name = label;
    return { kind: 'link', row: await this.core.links.update(this.ctx, found.row.id, patch) };
  }

  /** Revokes a share or link, or (its recipient) leaves a share, as Nextcloud's DELETE does both. */
  async remove(id: string): Promise<void> {
    const found = await this.find(id);
    if (found.kind === 'user') await this.core.shares.remove(this.ctx, found.row.id);
    else await this.core.links.revoke(this.ctx, found.row.id);
  }

  async describe(found: Found): Promise<OcsValue> {
    const [described] = await this.describeAll([found]);
    if (described === undefined) throw new OcsError(NOT_FOUND, WRONG_ID);
    return described;
  }

  /**
   * Share objects with the fields the apps read (ShareAPIController::formatShare), for the rows
   * whose item the caller reaches (each placed in the caller's tree in one query); with
   * `parent`, only those of the items directly in that folder.
   */
  private async describeAll(found: Found[], parent?: string): Promise<OcsValue[]> {
    const items = await this.core.access.reachable(this.ctx, [...new Set(found.map((f) => f.row.node_id))]);
    const out: OcsValue[] = [];
    for (const f of found) {
      const item = items.get(f.row.node_id);
      if (!item || (parent !== undefined && item.node.parent_id !== parent)) continue;
      const path = await this.pathOf(item);
      if (path === null) continue;
      out.push(f.kind === 'user' ? this.userShare(f.row, item, path) : this.linkShare(f.row, item, path));
    }
    return out;
  }

  private common(item: AccessibleNode, path: string, stime: Date): Record<string, OcsValue> {
    const { node, chain } = item;
    const folder = node.kind === 'folder';
    const root = chain[chain.length - 1] ?? node;
    return {
      parent: null,
      stime: Math.floor(stime.getTime() / 1000),
      path,
      item_type: folder ? 'folder' : 'file',
      mimetype: folder ? 'httpd/unix-directory' : (node.mime ?? 'application/octet-stream'),
      has_preview: false,
      storage_id: item.space.kind === 'personal' ? `home::${item.space.owner_user_id ?? item.space.id}` : `space::${item.space.id}`,
      // Nextcloud's numeric storage id: the file id of the space's top folder, one per space.
      storage: root.file_id,
      item_source: node.file_id,
      file_source: node.file_id,
      file_parent: chain[1]?.file_id ?? null,
      item_size: node.size,
      item_mtime: Math.floor(node.modified_at.getTime() / 1000),
      note: '',
      mail_send: 0,
      hide_download: 0,
      send_password_by_talk: false,
      attributes: null,
    };
  }

  private userShare(s: ShareRow, item: AccessibleNode, path: string): OcsValue {
    const incoming = s.recipient_id === this.ctx.actor.userId;
    const owner = s.owner_username ?? s.created_by_username ?? '';
    const ownerName = s.owner_display_name || owner;
    const sharer = s.created_by_username ?? owner;
    return {
      id: String(s.number),
      share_type: SHARE_USER,
      uid_owner: sharer,
      displayname_owner: sharer === owner ? ownerName : sharer,
      uid_file_owner: owner,
      displayname_file_owner: ownerName,
      permissions: roleBits(s.role, s.node_kind),
      // The recipient may leave a share (DELETE), not change it.
      can_edit: !incoming,
      can_delete: true,
      expiration: expiryText(s.expires_at),
      token: null,
      label: '',
      ...this.common(item, path, s.created_at),
      file_target: incoming ? path : `/${s.mount_name}`,
      share_with: s.recipient_username,
      share_with_displayname: s.recipient_display_name || s.recipient_username,
      password: null,
    };
  }

  private linkShare(l: LinkRow, item: AccessibleNode, path: string): OcsValue {
    const sharer = l.created_by_username ?? '';
    const hasPassword = l.password_hash !== null;
    return {
      id: String(l.number),
      share_type: SHARE_LINK,
      uid_owner: sharer,
      displayname_owner: sharer,
      uid_file_owner: sharer,
      displayname_file_owner: sharer,
      permissions: linkBits(l.permission),
      can_edit: true,
      can_delete: true,
      expiration: expiryText(l.expires_at),
      token: l.token,
      label: l.name,
      // The desktop client reads a link's name from `name` (sharemanager.cpp, parseLinkShare).
      name: l.name,
      ...this.common(item, path, l.created_at),
      file_target: `/${l.node_name}`,
      // The desktop client reads a string here as "has a password" (sharemanager.cpp, parseLinkShare).
      share_with: hasPassword ? PASSWORD_SET : null,
      share_with_displayname: hasPassword ? PASSWORD_SET : null,
      password: hasPassword ? PASSWORD_SET : null,
      url: `${this.request.protocol}://${this.request.host}/s/${l.token}`,
    };
  }

  /** An item's path in the caller's WebDAV tree, as the apps know it ("/Docs/a.txt", "/Shared with me/…"). */
  private async pathOf(item: AccessibleNode): Promise<string | null> {
    const names = await davPath(item, {
      sharedName: () => (this.sharedName ??= this.core.tree.sharedFolderName(this.ctx)),
      spacesName: () => (this.spacesName ??= this.core.tree.spacesFolderName(this.ctx)),
    });
    return names === null ? null : `/${names.join('/')}`;
  }

  /** The node at a path of the caller's WebDAV tree (what the apps send): 404 where nothing is. */
  private async nodeAt(path: string): Promise<string> {
    const segments = path.split('/').filter((s) => s.length > 0);
    // The top folder: its shares are none (the services refuse to share it), its files' some.
    if (segments.length === 0) return (await this.core.tree.rootOf(this.ctx)).node.id;
    const resource = await new CoreDavBackend(this.core, this.ctx).stat(segments).catch(() => null);
    if (!resource || resource.fileId === undefined) throw new OcsError(NOT_FOUND, WRONG_PATH);
    return resource.id;
  }
}

/** Nextcloud's sharee search, answered as the web app's share dialog finds people (SharesService.searchUsers). */
async function sharees(core: Core, ctx: CallContext, p: Params): Promise<OcsValue> {
  const search = (p.search ?? '').trim();
  const perPage = Math.min(50, Math.max(1, Number(p.perPage) || 50));
  const found = search === '' ? [] : await core.shares.searchUsers(ctx, search, perPage);
  const entry = (u: { username: string; display_name: string }): OcsValue => ({
    label: u.display_name || u.username,
    subline: '',
    icon: 'icon-user',
    value: { shareType: SHARE_USER, shareWith: u.username },
    shareWithDisplayNameUnique: u.username,
    status: [],
  });
  const exact = found.filter((u) => u.username.toLowerCase() === search.toLowerCase());
  const others = found.filter((u) => u.username.toLowerCase() !== search.toLowerCase());
  const none = { groups: [], remotes: [], remote_groups: [], emails: [], circles: [], rooms: [], lookup: [] };
  return {
    exact: { users: exact.map(entry), ...none },
    users: others.map(entry),
    ...none,
    lookupEnabled: false,
  };
}

/** Query and body parameters (a form, as the apps send, or JSON) as strings; the body wins. */
function params(request: FastifyRequest): Params {
  const out: Params = {};
  const add = (k: string, v: unknown) => {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  };
  if (typeof request.query === 'object' && request.query !== null) for (const [k, v] of Object.entries(request.query)) add(k, v);
  const body = request.body;
  if (Buffer.isBuffer(body) && body.length > 0) {
    const text = body.toString('utf8');
    const type = String(request.headers['content-type'] ?? '');
    if (/\bjson\b/i.test(type)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new OcsError(400, 'The request body is not valid JSON');
      }
      if (typeof parsed === 'object' && parsed !== null) for (const [k, v] of Object.entries(parsed)) add(k, v);
    } else {
      for (const [k, v] of new URLSearchParams(text)) add(k, v);
    }
  }
  return out;
}

/** What the apps ask for that Coffer does not keep is refused, never silently dropped. */
function refuseUnkept(p: Params): void {
  if (p.note !== undefined && p.note.trim() !== '') throw new OcsError(400, 'Coffer keeps no notes on shares; send the note to the person another way');
  if (p.hideDownload === 'true' || p.hideDownload === '1') throw new OcsError(400, 'Coffer cannot hide the download button of a link: whoever can view a file can download it');
}

/** A link's permission from `permissions` or the older `publicUpload` (read-write when true). */
function linkPermission(p: Params) {
  if (p.permissions !== undefined && p.permissions !== '') return linkPermissionOfBits(Number(p.permissions));
  if (p.publicUpload === 'true') return 'read-write' as const;
  if (p.publicUpload === 'false') return 'read' as const;
  return undefined;
}

/**
 * An `expireDate` as the apps send it: a day, "YYYY-MM-DD", on which the share still works (it
 * ends at the next midnight, UTC); a full ISO date and time is taken as is; empty removes it.
 */
export function expiryOf(value: string): Date | null {
  const v = value.trim();
  if (v === '') return null;
  const day = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00:00)?$/.exec(v);
  const at = day ? new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + 1)) : /T/.test(v) ? new Date(v) : new Date(NaN);
  // Nextcloud answers a date it cannot read with 404 and this message.
  if (Number.isNaN(at.getTime()) || (day && new Date(at.getTime() - 1).toISOString().slice(0, 10) !== `${day[1]}-${day[2]}-${day[3]}`)) {
    throw new OcsError(NOT_FOUND, 'Invalid date, date format must be YYYY-MM-DD');
  }
  return at;
}

/**
 * An expiry as Nextcloud shows it: the last day the share works, "YYYY-MM-DD 00:00:00" (the
 * desktop client reads exactly that form).
 */
export function expiryText(at: Date | null): string | null {
  if (at === null) return null;
  return `${new Date(at.getTime() - 1).toISOString().slice(0, 10)} 00:00:00`;
}

/**
 * A refusal to share as Nextcloud answers it (404 with the reason), and the services' other
 * "not found"s (no such user) as ShareAPIController's 404 rather than the envelope's 998.
 */
function refusedAs404(err: unknown): never {
  if (err instanceof CofferError && (err.status === 403 || err.status === 404)) throw new OcsError(NOT_FOUND, err.message);
  throw err;
}

/** A list the caller may not see (the item is theirs to read, not to share) is an empty one. */
function emptyIfRefused(err: unknown): never[] {
  if (err instanceof CofferError && err.status === 403) return [];
  throw err;
}
