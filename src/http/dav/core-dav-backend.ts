import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import type { Node } from '../../db/schema.js';
import type { NodeSummary, WalkedPath } from '../../repositories/node.repository.js';
import { ownSpace, type ResourceLock } from '../../services/locks.service.js';
import type { LocatedNode, Walk } from '../../services/tree.service.js';
import type { SpaceRef } from '../../repositories/lock.repository.js';
import type { DavBackend, DavLock, DavResource, DavSearchBackend, DavSearchQuery, DeadProperty, LockStore, PropertyName, PutOptions, TransferOptions } from '../../webdav/backend.js';
import type { AccessibleNode } from '../../services/access.service.js';
import { davPath, davSearch, type DavSearchScope } from './dav-search.js';
import type { DavClientBackend, DavClientFacts } from '../../webdav/client-properties.js';
import { DavError } from '../../webdav/errors.js';
import { SHARED_WITH_ME, SPACES_FOLDER } from '../../core/access.js';
import type { SpaceRow } from '../../repositories/org.repository.js';
import type { ShareRole } from '../../db/schema.js';
import { davClientKind, virtualFoldersFor, type VirtualFolders } from './client-kind.js';

type ChainNode = Node & { sha1: string | null };
/** A node reached through "Shared with me", with the share that reaches it. */
type SharedNode = { node: ChainNode; share: { id: string; role: ShareRole }; top: boolean };
/** A node reached through "Spaces/<space>/…", with the space and the caller's role on it. */
type SpaceNode = { node: ChainNode; space: SpaceRow; role: ShareRole; top: boolean };

/** The virtual folder at the DAV root that shows the trash. */
export const TRASH_FOLDER = '.Trash';
const TRASH_NS = 'http://coffer.dev/ns';
const NC = 'http://nextcloud.org/ns';
const PAGE = 1000;
const FILE_PERMISSIONS = 'RGDNVW';
const FOLDER_PERMISSIONS = 'RGDNVCK';

/**
 * Nextcloud's permission letters for what a share allows (S shared, M mounted, R reshare, G read,
 * D delete, N rename, V move, W write, C create file, K create folder). The top of a share cannot
 * be deleted, renamed or moved by its recipient.
 */
function sharedPermissions(role: ShareRole, folder: boolean, top: boolean): string {
  // In Nextcloud's order (OCP\Files\DavUtil::getDavPermissions). Deleting the top leaves the
  // share (see delete), so the recipient may always do it, as in Nextcloud.
  let p = 'S';
  if (role === 'manager') p += 'R';
  p += 'MG';
  if (top) p += 'D';
  if (role !== 'viewer') p += (top ? '' : 'DNV') + (folder ? 'CK' : 'W');
  return p;
}

/**
 * Nextcloud's permission letters for a member of an organisation's space (M mounted); the top of
 * a space is the organisation's: no member deletes, renames or moves it.
 */
function memberPermissions(role: ShareRole, folder: boolean, top: boolean): string {
  let p = role === 'manager' ? 'RMG' : 'MG';
  if (role !== 'viewer') p += (top ? '' : 'DNV') + (folder ? 'CK' : 'W');
  return p;
}

/**
 * The user's personal space as WebDAV sees it: paths map to the core's tree, `/.Trash/` to the
 * trash (read-only; MOVE out restores, DELETE purges). Every call goes through the core's
 * services with the caller's context, so every rule (permissions, quota, audit) applies.
 */
export class CoreDavBackend implements DavBackend, DavSearchBackend, DavClientBackend {
  readonly principal: string;
  readonly instanceId: string;
  readonly locks: CoreLockStore;
  /** The virtual folders this kind of client sees (see client-kind.ts). */
  private readonly virtual: VirtualFolders;

  /**
   * `walked`: paths of the caller's own tree already walked with their sign-in (the request's
   * target and destination: see namedPaths), so looking them up costs no query.
   */
  constructor(
    private readonly core: Core,
    private readonly ctx: CallContext,
    walked: readonly { path: string[]; walk: WalkedPath }[] = [],
  ) {
    this.principal = ctx.actor.userId;
    this.instanceId = core.instanceId;
    this.locks = new CoreLockStore(core, ctx, (path) => this.lockView(path), (path) => this.assertLockable(path));
    // A link's visitor sees the linked folder alone: no trash, no shares of the link's creator.
    this.virtual = ctx.actor.link ? { trash: false, shared: false } : virtualFoldersFor(davClientKind(ctx.userAgent));
    if (ctx.actor.link) return;
    for (const { path, walk } of walked) {
      // Without a space of their own the lookup is left to chain, which says so.
      if (walk.space && walk.nodes.length > 0) this.remember(path, Promise.resolve(core.tree.homeWalk(ctx, walk)));
    }
  }

  private readonly shareViews = new Map<string, Promise<LockView | null>>();

  /** Where the locks of `path` are kept (see LockView); null where nothing can be locked. */
  private async lockView(path: string[]): Promise<LockView | null> {
    if (await this.isSpaces(path)) {
      if (path.length < 2) return null;
      const found = await this.spaceAt(path.slice(0, 2));
      // A space's locks are kept on its own paths, the same for every member.
      return found ? { space: found.space.id, base: [], top: path.slice(0, 2) } : null;
    }
    if (!(await this.isShared(path))) return { space: ownSpace(this.ctx), base: [], top: [] };
    if (path.length < 2) return null;
    const mount = path[1]!;
    let view = this.shareViews.get(mount);
    if (!view) {
      view = this.sharedAt(path.slice(0, 2)).then(async (found) => {
        if (!found) return null;
        const top = await this.core.tree.byId(this.ctx, found.node.id, 'read');
        return { space: top.space.id, base: top.path.split('/').filter((s) => s.length > 0), top: path.slice(0, 2) };
      });
      this.shareViews.set(mount, view);
    }
    return view;
  }

  /**
   * A lock holds others off writing, so only who may write may take one: on an existing item,
   * `write` on it; on a new name (a lock-null resource), `create` in its folder.
   */
  private async assertLockable(path: string[]): Promise<void> {
    if (this.isTrash(path)) throw new DavError(403, 'The trash is read-only');
    const node = await this.nodeAt(path);
    if (node) {
      await this.core.tree.byId(this.ctx, node.id, 'write');
      return;
    }
    const parent = await this.folderAt(path.slice(0, -1));
    await this.core.tree.byId(this.ctx, parent.id, 'create');
  }

  private isTrash(path: string[]): boolean {
    return this.virtual.trash && path[0] === TRASH_FOLDER;
  }

  private sharedName: Promise<string> | undefined;

  /** Whether `path` lies in (or is) the virtual folder of shares; a real folder of that name wins. */
  private async isShared(path: string[]): Promise<boolean> {
    const first = path[0];
    if (!this.virtual.shared || first === undefined || !first.startsWith(SHARED_WITH_ME)) return false;
    this.sharedName ??= this.core.tree.sharedFolderName(this.ctx);
    return first === (await this.sharedName);
  }

  private readonly sharedChains = new Map<string, Promise<SharedNode | null>>();

  /** The node at a path inside "Shared with me/<share>/…", or null. */
  private sharedAt(path: string[]): Promise<SharedNode | null> {
    const key = path.join('/');
    let found = this.sharedChains.get(key);
    if (!found) {
      const below = path.slice(2);
      found = this.core.tree
        .sharedChain(this.ctx, path[1]!, below)
        .then(({ nodes, share }) => {
          const node = nodes.length === below.length + 1 ? nodes[below.length] : undefined;
          return node && share ? { node, share, top: below.length === 0 } : null;
        })
        .catch((err: unknown) => {
          if (err instanceof CofferError && err.code === 'invalid-name') return null;
          throw err;
        });
      this.sharedChains.set(key, found);
    }
    return found;
  }

  private spacesName: Promise<string> | undefined;

  /** Whether `path` lies in (or is) the virtual folder of the caller's organisation spaces; a real folder of that name wins. */
  private async isSpaces(path: string[]): Promise<boolean> {
    const first = path[0];
    if (this.ctx.actor.link || first === undefined || !first.startsWith(SPACES_FOLDER)) return false;
    this.spacesName ??= this.core.tree.spacesFolderName(this.ctx);
    return first === (await this.spacesName);
  }

  private spaceList: Promise<SpaceRow[]> | undefined;

  /** The organisation spaces the caller holds a role (or a support session) on, once per request. */
  private orgSpaces(): Promise<SpaceRow[]> {
    // A support session shows its space with the permissions it has (the access check enforces them).
    this.spaceList ??= this.core.spaces
      .mine(this.ctx)
      .then((rows) => rows.filter((r) => r.org_id !== null).flatMap((r) => (r.my_role ? [r] : r.support_access ? [{ ...r, my_role: r.support_access === 'write' ? ('editor' as const) : ('viewer' as const) }] : [])));
    return this.spaceList;
  }

  private readonly spaceChains = new Map<string, Promise<SpaceNode | null>>();

  /** The node at a path inside "Spaces/<space>/…", or null. */
  private spaceAt(path: string[]): Promise<SpaceNode | null> {
    const key = path.join('/');
    let found = this.spaceChains.get(key);
    if (!found) {
      found = (async () => {
        const space = (await this.orgSpaces()).find((s) => s.name === path[1]);
        if (!space || !space.my_role) return null;
        const below = path.slice(2);
        const nodes = await this.core.tree.spaceWalk(this.ctx, space, below);
        const node = nodes.length === below.length + 1 ? nodes[below.length] : undefined;
        return node ? { node, space, role: space.my_role, top: below.length === 0 } : null;
      })().catch((err: unknown) => {
        if (err instanceof CofferError && err.code === 'invalid-name') return null;
        throw err;
      });
      this.spaceChains.set(key, found);
    }
    return found;
  }

  /**
   * Nodes along paths resolved during this request, by path: a request looks up its target,
   * the parent and the destination, often more than once. Dropped after every change.
   */
  private readonly chains = new Map<string, Promise<Walk | null>>();

  private chain(path: string[]): Promise<Walk | null> {
    const known = this.chains.get(path.join('/'));
    if (known) return known;
    const found = this.core.tree.chain(this.ctx, path).catch((err: unknown) => {
      if (err instanceof CofferError && err.code === 'invalid-name') return null;
      throw err;
    });
    this.remember(path, found);
    return found;
  }

  /** Keeps a walk of `path` for this request, and the walks to each folder on its way. */
  private remember(path: string[], found: Promise<Walk | null>): void {
    this.chains.set(path.join('/'), found);
    // The walk found every folder on the way too: a PUT's parent then costs no second query.
    void found.then((walk) => {
      if (!walk) return;
      this.locks.sawOwnSpace(walk.locksHeld);
      for (let i = 0; i < Math.min(path.length, walk.nodes.length); i++) {
        const prefix = path.slice(0, i).join('/');
        if (!this.chains.has(prefix)) this.chains.set(prefix, Promise.resolve({ nodes: walk.nodes.slice(0, i + 1), locksHeld: walk.locksHeld, located: (d) => (d <= i ? walk.located(d) : undefined) }));
      }
    }, () => undefined);
  }

  /** The live node at `path` (in the caller's own tree or in a share), or undefined. */
  private async nodeAt(path: string[]): Promise<ChainNode | undefined> {
    if (await this.isSpaces(path)) {
      if (path.length < 2) return undefined;
      return (await this.spaceAt(path))?.node;
    }
    if (await this.isShared(path)) {
      if (path.length < 2) return undefined;
      return (await this.sharedAt(path))?.node;
    }
    const walk = await this.chain(path);
    return walk && walk.nodes.length === path.length + 1 ? walk.nodes[path.length] : undefined;
  }

  /**
   * The node at `path` as the access service places it from this request's walk (the caller's
   * own tree), so opening or adding to it costs no second query; undefined elsewhere (shares,
   * links), where the service is asked by id.
   */
  private async locatedAt(path: string[]): Promise<LocatedNode | undefined> {
    if ((await this.isShared(path)) || (await this.isSpaces(path))) return undefined;
    const walk = await this.chain(path);
    return walk && walk.nodes.length === path.length + 1 ? walk.located(path.length) : undefined;
  }

  /** The folder at `path`; 409 if it is missing or a file, 403 for the virtual folder of shares. */
  private async folderAt(path: string[]): Promise<ChainNode> {
    if (path.length === 1 && (await this.isShared(path))) {
      throw new DavError(403, `"${path[0]}" holds what others share with you; nothing can be added to it directly`);
    }
    if (path.length === 1 && (await this.isSpaces(path))) {
      throw new DavError(403, `"${path[0]}" holds your organisations' spaces; spaces are made by their organisation's admins in the web app`);
    }
    const node = await this.nodeAt(path);
    if (!node || node.kind !== 'folder') throw new DavError(409, `The folder /${path.join('/')} does not exist`);
    return node;
  }

  /** Version ids of files opened in this request, for the download's audit event. */
  private readonly openedVersions = new Map<string, string>();

  private changed(): void {
    this.chains.clear();
    this.sharedChains.clear();
    this.spaceChains.clear();
  }

  stat(path: string[]): Promise<DavResource | null> {
    return this.statWith(path, true);
  }

  /**
   * Where a file at `path` is uploaded: its folder's id and its name (for uploads that arrive
   * elsewhere, such as Nextcloud's chunked uploads, and land at a path of this tree). The same
   * refusals as a PUT there: the trash and the virtual folders take no files, the folder must exist.
   */
  async uploadTarget(path: string[]): Promise<{ parentId: string; name: string }> {
    return dav(async () => {
      if (path.length === 0) throw new DavError(403, 'The root is a collection; name a file inside it');
      if (this.isTrash(path)) throw new DavError(403, 'The trash is read-only');
      const parent = await this.folderAt(path.slice(0, -1));
      this.changed();
      return { parentId: parent.id, name: path[path.length - 1]! };
    });
  }

  /** Without the validators, the resource's ETag may be incomplete: only what the interface names leaves here. */
  container(path: string[]): Promise<Pick<DavResource, 'collection' | 'readOnly'> | null> {
    return this.statWith(path, false);
  }

  private statWith(path: string[], validators: boolean): Promise<DavResource | null> {
    return dav(async () => {
      if (this.isTrash(path)) return this.statTrash(path);
      if (await this.isSpaces(path)) {
        if (path.length === 1) return this.spacesRoot(path[0]!);
        const found = await this.spaceAt(path);
        if (!found) return null;
        return { ...toResource(found.node, path, found.node.sha1), permissions: memberPermissions(found.role, found.node.kind === 'folder', found.top) };
      }
      if (await this.isShared(path)) {
        if (path.length === 1) return this.sharedRoot(path[0]!);
        const found = await this.sharedAt(path);
        if (!found) return null;
        return { ...toResource(found.node, path, found.node.sha1), permissions: sharedPermissions(found.share.role, found.node.kind === 'folder', found.top) };
      }
      const node = await this.nodeAt(path);
      if (!node) return null;
      const resource = toResource(node, path, node.sha1);
      if (this.ctx.actor.link?.permission === 'upload') {
        // A file drop shows nothing that was dropped: an existing file looks like a free name.
        // Its folders can be reached to drop into (a tree dropped folder by folder), blank.
        if (node.kind === 'file') return null;
        return { ...resource, size: 0, etag: `drop-${node.id}`, permissions: 'CK', sha1: null };
      }
      // Sync clients poll the top's ETag: it changes with anything in the shares and spaces too.
      if (path.length === 0 && validators && !this.ctx.actor.link) {
        const tag = this.virtual.shared ? await this.core.shares.tag(this.ctx) : null;
        const spaces = await this.spacesTag();
        if (tag || spaces) resource.etag = createHash('md5').update(`${node.etag}:${tag ?? ''}:${spaces ?? ''}`).digest('hex');
      }
      return resource;
    });
  }

  /** The virtual folder of shares, when there are any. */
  private async sharedRoot(name: string): Promise<DavResource | null> {
    const tag = await this.core.shares.tag(this.ctx);
    if (!tag) return null;
    const root = await this.core.tree.rootOf(this.ctx);
    const r = toResource(root.node, [name], null);
    return { ...r, id: `shared-${root.node.id}`, fileId: undefined, size: 0, etag: tag, permissions: 'SM', readOnly: true, extra: [] };
  }

  /** A tag that changes when a space is added, removed or renamed, or anything in one changes. */
  private async spacesTag(): Promise<string | null> {
    const spaces = await this.orgSpaces();
    if (spaces.length === 0) return null;
    return createHash('md5')
      .update(spaces.map((s) => `${s.id}/${s.name}/${s.my_role}/${s.root_etag ?? ''}`).join('|'))
      .digest('hex');
  }

  /** The virtual folder of the caller's organisation spaces, when they hold a role on any. */
  private async spacesRoot(name: string): Promise<DavResource | null> {
    const tag = await this.spacesTag();
    if (!tag) return null;
    const root = await this.core.tree.rootOf(this.ctx);
    const r = toResource(root.node, [name], null);
    return { ...r, id: `spaces-${root.node.id}`, fileId: undefined, size: 0, etag: tag, permissions: 'M', readOnly: true, extra: [] };
  }

  async *members(collection: DavResource): AsyncIterable<DavResource[]> {
    if (await this.isSpaces(collection.path)) {
      if (collection.path.length === 1) {
        const entries: DavResource[] = [];
        for (const space of await dav(() => this.orgSpaces())) {
          const found = await dav(() => this.spaceAt([collection.path[0]!, space.name]));
          if (found) entries.push({ ...toResource(found.node, [collection.path[0]!, space.name], null), permissions: memberPermissions(found.role, true, true) });
        }
        if (entries.length > 0) yield entries;
        return;
      }
      const found = await dav(() => this.spaceAt(collection.path));
      if (!found) return;
      const pages = this.core.files.children(this.ctx, collection.id, PAGE);
      for (;;) {
        const next = await dav(() => pages.next());
        if (next.done) return;
        yield next.value.map((n) => ({ ...summaryResource(n, collection.path), permissions: memberPermissions(found.role, n.kind === 'folder', false) }));
      }
    }
    if (await this.isShared(collection.path)) {
      if (collection.path.length === 1) {
        const incoming = await dav(() => this.core.shares.incoming(this.ctx));
        if (incoming.length > 0) {
          yield incoming.map(({ share, node }) => ({
            ...toResource(node, [collection.path[0]!, share.mount_name], null),
            permissions: sharedPermissions(share.role, node.kind === 'folder', true),
          }));
        }
        return;
      }
      const found = await dav(() => this.sharedAt(collection.path));
      if (!found) return;
      const pages = this.core.files.children(this.ctx, collection.id, PAGE);
      for (;;) {
        const next = await dav(() => pages.next());
        if (next.done) return;
        yield next.value.map((n) => ({ ...summaryResource(n, collection.path), permissions: sharedPermissions(found.share.role, n.kind === 'folder', false) }));
      }
    }
    if (this.isTrash(collection.path)) {
      if (collection.path.length > 1) return;
      yield* trashPages(this.core, this.ctx, [TRASH_FOLDER]);
      return;
    }
    const root = collection.path.length === 0;
    if (root) {
      const virtual: DavResource[] = [];
      if (this.virtual.trash) virtual.push(this.trashRoot(collection));
      if (this.virtual.shared) {
        this.sharedName ??= this.core.tree.sharedFolderName(this.ctx);
        const shared = await dav(async () => this.sharedRoot(await this.sharedName!));
        if (shared) virtual.push(shared);
      }
      if (!this.ctx.actor.link) {
        this.spacesName ??= this.core.tree.spacesFolderName(this.ctx);
        const spaces = await dav(async () => this.spacesRoot(await this.spacesName!));
        if (spaces) virtual.push(spaces);
      }
      if (virtual.length > 0) yield virtual;
    }
    const pages = this.core.files.children(this.ctx, (await this.locatedAt(collection.path)) ?? collection.id, PAGE);
    for (;;) {
      const next = await dav(() => pages.next());
      if (next.done) return;
      const page = root && this.virtual.trash ? next.value.filter((n) => n.name !== TRASH_FOLDER) : next.value;
      yield page.map((n) => summaryResource(n, collection.path));
    }
  }

  async quota(): Promise<{ used: number; available: number | null }> {
    // The creator's usage is not a link visitor's business.
    if (this.ctx.actor.link) return { used: 0, available: null };
    const usage = await dav(() => this.core.users.usage(this.ctx.actor.userId));
    return { used: usage.used, available: usage.available };
  }

  async open(file: DavResource, range?: { start: number; end: number }): Promise<Readable> {
    return dav(async () => {
      if (this.isTrash(file.path)) return (await this.core.trash.download(this.ctx, file.id)).open(range);
      const opened = await this.core.files.openCurrent(this.ctx, (await this.locatedAt(file.path)) ?? file.id, range);
      // Through a link, a download from the first byte counts against its limit; resuming does not.
      if (!range || range.start === 0) {
        await this.core.links.takeDownload(this.ctx).catch((err: unknown) => {
          opened.stream.destroy();
          throw err;
        });
      }
      this.openedVersions.set(file.id, opened.versionId);
      return opened.stream;
    });
  }

  async downloaded(file: DavResource, bytes: number): Promise<void> {
    const versionId = this.openedVersions.get(file.id) ?? '';
    await this.core.files.recordDownload(this.ctx, { node: { id: file.id }, path: '/' + file.path.join('/'), bytes, versionId });
  }

  async put(path: string[], body: Readable, o: PutOptions): Promise<{ resource: DavResource; created: boolean }> {
    return dav(async () => {
      if (this.isTrash(path)) throw new DavError(403, 'The trash is read-only');
      const parent = await this.folderAt(path.slice(0, -1));
      const located = await this.locatedAt(path.slice(0, -1));
      this.changed();
      const result = await this.core.files.upload(this.ctx, {
        parentId: parent.id,
        parent: located,
        relativePath: path[path.length - 1]!,
        source: body,
        size: o.size,
        mime: o.contentType,
        overwrite: true,
        modifiedAt: o.modifiedAt,
        ifMatch: o.ifMatch,
        expectedSha1: o.sha1,
      });
      return { resource: toResource(result.node, [...path.slice(0, -1), result.node.name], result.version.sha1), created: result.created };
    });
  }

  async mkcol(path: string[]): Promise<DavResource> {
    return dav(async () => {
      if (this.isTrash(path)) throw new DavError(403, 'The trash is read-only');
      const parent = await this.folderAt(path.slice(0, -1));
      this.changed();
      const created = await this.core.files.createFolder(this.ctx, parent.id, path[path.length - 1]!, { parents: false });
      return toResource(created.node, path, null);
    });
  }

  async delete(resource: DavResource): Promise<void> {
    this.changed();
    await dav(async () => {
      if (this.isTrash(resource.path)) {
        if (resource.path.length !== 2) throw new DavError(403, 'Only whole items can be deleted from the trash');
        await this.core.trash.deletePermanently(this.ctx, resource.id);
        return;
      }
      if ((await this.isSpaces(resource.path)) && resource.path.length <= 2) {
        throw new DavError(403, resource.path.length === 1 ? `"${resource.path[0]}" holds your organisations' spaces` : 'A space is deleted by its organisation\'s admins, in the web app');
      }
      if (await this.isShared(resource.path)) {
        if (resource.path.length === 1) throw new DavError(403, `"${resource.path[0]}" holds what others share with you; leave shares one by one`);
        // Deleting the top of a share in a file browser leaves it, as in Nextcloud.
        const found = resource.path.length === 2 ? await this.sharedAt(resource.path) : null;
        if (found) {
          await this.core.shares.remove(this.ctx, found.share.id);
          return;
        }
      }
      await this.core.files.trash(this.ctx, resource.id);
    });
  }

  async copy(source: DavResource, destination: string[], o: TransferOptions): Promise<{ created: boolean }> {
    return dav(async () => {
      if (this.isTrash(source.path)) throw new DavError(403, 'Copy items out of the trash by restoring them first (MOVE)');
      const parent = await this.destinationParent(destination);
      this.changed();
      const r = await this.core.files.copy(this.ctx, source.id, {
        parentId: parent,
        name: destination[destination.length - 1]!,
        onConflict: o.overwrite ? 'replace' : 'fail',
        shallow: o.shallow,
      });
      return { created: !r.replaced };
    });
  }

  async move(source: DavResource, destination: string[], o: TransferOptions): Promise<{ created: boolean; resource?: DavResource }> {
    return dav(async () => {
      const parent = await this.destinationParent(destination);
      const name = destination[destination.length - 1]!;
      if (this.isTrash(source.path)) {
        this.changed();
        if (source.path.length !== 2) throw new DavError(403, 'Only whole items can be restored from the trash');
        const restored = await this.core.trash.restore(this.ctx, source.id, { parentId: parent, name, replace: o.overwrite });
        return { created: !restored.replaced };
      }
      // Placed by this request's walks, before the change drops them: the move asks no access query.
      const located = await this.locatedAt(source.path);
      const into = await this.locatedAt(destination.slice(0, -1));
      this.changed();
      const r = await this.core.files.move(this.ctx, located ?? source.id, {
        ...(into ? { parent: into } : { parentId: parent }),
        name,
        onConflict: o.overwrite ? 'replace' : 'fail',
      });
      return { created: !r.replaced, resource: { ...toResource(r.node, destination, source.sha1), permissions: source.permissions } };
    });
  }

  async setModifiedAt(resource: DavResource, at: Date): Promise<void> {
    this.changed();
    await dav(() => this.core.files.setModifiedAt(this.ctx, resource.id, at));
  }

  async deadProperties(resources: DavResource[]): Promise<Map<string, DeadProperty[]>> {
    const ids = resources.filter((r) => !r.readOnly).map((r) => r.id);
    const props = await dav(() => this.core.properties.forNodes(this.ctx, ids));
    const out = new Map<string, DeadProperty[]>();
    for (const [id, list] of props) out.set(id, list.map((p) => ({ ns: p.namespace, local: p.name, xml: p.value })));
    return out;
  }

  /** RFC 5323 SEARCH beneath a collection of this tree, through the core's search (see dav-search.ts). */
  async search(query: DavSearchQuery): Promise<DavResource[]> {
    const { scope } = query;
    let where: DavSearchScope;
    if (this.ctx.actor.link || this.isTrash(scope.path)) where = { kind: 'none' };
    else if (scope.path.length === 0) where = query.depth === '1' ? { kind: 'folder', id: scope.id } : { kind: 'all' };
    else if (scope.path.length === 1 && (await this.isShared(scope.path))) where = query.depth === '1' ? { kind: 'none' } : { kind: 'shared' };
    else if (scope.path.length === 1 && (await this.isSpaces(scope.path))) where = query.depth === '1' ? { kind: 'none' } : { kind: 'spaces' };
    else where = { kind: 'folder', id: scope.id };
    return dav(() =>
      davSearch(this.core, this.ctx, where, query, {
        sharedName: () => (this.sharedName ??= this.core.tree.sharedFolderName(this.ctx)),
        spacesName: () => (this.spacesName ??= this.core.tree.spacesFolderName(this.ctx)),
        resource: (item, path) => searchResource(item, path),
      }),
    );
  }

  // ---- the ownCloud and Nextcloud clients' properties (client-properties.ts) -----------------

  private ownOwner: Promise<{ id: string; displayName: string }> | undefined;
  private incomingShares: Promise<Map<string, { id: string; displayName: string }>> | undefined;

  /**
   * Whose a resource is, as the clients show it: the caller's own files and their organisations'
   * spaces are the caller's (Nextcloud shows a group folder's files as its viewer's); what others
   * share is the sharer's. Each lookup is made once per request, whatever the listing's size.
   */
  private async ownerOf(path: string[]): Promise<{ id: string; displayName: string } | null> {
    if (this.ctx.actor.link || this.ctx.actor.service) return null;
    if (path.length >= 2 && (await this.isShared(path))) {
      this.incomingShares ??= this.core.shares
        .incoming(this.ctx)
        .then((rows) => new Map(rows.map((r) => [r.share.mount_name, { id: r.share.owner_username ?? '', displayName: r.share.owner_display_name || (r.share.owner_username ?? '') }])));
      return (await this.incomingShares).get(path[1]!) ?? null;
    }
    this.ownOwner ??= this.core.users.get(this.ctx.actor.userId).then((u) => ({ id: u.username, displayName: u.display_name || u.username }));
    return this.ownOwner;
  }

  /** Facts for a page: the caller's stars and shares in one query, owners once per request. */
  async clientFacts(resources: DavResource[]): Promise<Map<string, DavClientFacts>> {
    return dav(async () => {
      const nodes = resources.filter((r) => r.fileId !== undefined && !this.isTrash(r.path));
      const marks = await this.core.favorites.marks(this.ctx, nodes.map((r) => r.id));
      const out = new Map<string, DavClientFacts>();
      for (const r of nodes) {
        const mark = marks.get(r.id);
        const shared = r.path.length >= 2 && (await this.isShared(r.path));
        const inSpace = !shared && r.path.length >= 2 && (await this.isSpaces(r.path));
        out.set(r.id, {
          favorite: mark?.favorite ?? false,
          shareTypes: mark?.shareTypes ?? [],
          owner: await this.ownerOf(r.path),
          mountType: shared ? 'shared' : inSpace ? 'group' : null,
          hasPreview: !r.collection && this.core.previews.makesPreviewOf(r.contentType),
        });
      }
      return out;
    });
  }

  async setFavorite(resource: DavResource, favorite: boolean): Promise<void> {
    if (resource.fileId === undefined || this.isTrash(resource.path)) throw new DavError(403, 'Only files and folders can be favourites, not this virtual folder or the trash');
    await dav(() => this.core.favorites.set(this.ctx, resource.id, favorite));
  }

  /** The caller's favourites they can still reach, each at its path in this tree (own, shared, spaces). */
  async favorites(max: number): Promise<DavResource[]> {
    if (this.ctx.actor.link) return [];
    return dav(async () => {
      const places = {
        sharedName: () => (this.sharedName ??= this.core.tree.sharedFolderName(this.ctx)),
        spacesName: () => (this.spacesName ??= this.core.tree.spacesFolderName(this.ctx)),
      };
      const out: DavResource[] = [];
      for (const item of await this.core.favorites.list(this.ctx, max)) {
        // A sync client does not see the shares' folder where it shows none: nor favourites in it.
        if (item.grant.source === 'share' && !this.virtual.shared) continue;
        const path = await davPath(item, places);
        if (path) out.push(searchResource(item, path));
      }
      return out;
    });
  }

  async patchDeadProperties(resource: DavResource, set: DeadProperty[], remove: PropertyName[]): Promise<void> {
    await dav(() =>
      this.core.properties.patch(
        this.ctx,
        resource.id,
        set.map((p) => ({ namespace: p.ns, name: p.local, value: p.xml })),
        remove.map((p) => ({ namespace: p.ns, name: p.local })),
      ),
    );
  }

  private async destinationParent(destination: string[]): Promise<string> {
    if (this.isTrash(destination)) throw new DavError(403, 'Nothing can be put into the trash but by deleting it');
    return (await this.folderAt(destination.slice(0, -1))).id;
  }

  private trashRoot(root: DavResource): DavResource {
    return { ...root, id: `trash-${root.id}`, fileId: undefined, path: [TRASH_FOLDER], size: 0, etag: `trash-${root.etag}`, permissions: '', readOnly: true, sha1: null, extra: [] };
  }

  private async statTrash(path: string[]): Promise<DavResource | null> {
    if (path.length === 1) {
      const root = await this.core.tree.rootOf(this.ctx);
      return this.trashRoot(toResource(root.node, [], null));
    }
    if (path.length > 2) return null;
    return trashItemNamed(this.core, this.ctx, path[1]!, [TRASH_FOLDER]);
  }
}

/**
 * The caller's trash as resources in `parent` (the virtual `.Trash` here, Nextcloud's
 * trashbin/{user}/trash in nextcloud-trashbin.ts), a page at a time.
 */
export async function* trashPages(core: Core, ctx: CallContext, parent: string[]): AsyncGenerator<DavResource[]> {
  for (let offset = 0; ; offset += PAGE) {
    const { items } = await dav(() => core.trash.list(ctx, PAGE, offset));
    const clashes = await dav(() => core.trash.nameClashes(ctx, items));
    if (items.length > 0) yield items.map((n) => trashResource(n, clashes.has(n.id), parent));
    if (items.length < PAGE) return;
  }
}

/** The trashed item a "name.d<deletion time>[.<id prefix>]" segment names, as a resource in `parent`. */
export async function trashItemNamed(core: Core, ctx: CallContext, segment: string, parent: string[]): Promise<DavResource | null> {
  return dav(async () => {
    // "a.txt.d1700000000.d1554454" reads two ways: an id prefix can itself look like ".d<digits>".
    // The reading with an id prefix is tried first; the other would need a deletion in 1970.
    const withId = /^(.*)\.d(\d{1,12})\.([0-9a-f]{8})$/.exec(segment);
    if (withId) {
      const candidates = await core.trash.findByName(ctx, withId[1]!, Number(withId[2]));
      // The oldest keeps the plain name; the others are told apart by the start of their id.
      const found = candidates.find((c, i) => i > 0 && c.id.startsWith(withId[3]!));
      if (found) return trashResource(found, true, parent);
    }
    const plain = /^(.*)\.d(\d{1,12})$/.exec(segment);
    if (!plain) return null;
    const [oldest] = await core.trash.findByName(ctx, plain[1]!, Number(plain[2]));
    return oldest ? trashResource(oldest, false, parent) : null;
  });
}

/**
 * Trashed items are shown as "name.d<deletion time>", as Nextcloud's trash bin does; an item
 * whose name and second repeat an older one's gets ".<start of its id>" as well. The nc:
 * properties are those of Nextcloud's TrashbinPlugin (apps/files_trashbin/lib/Sabre/
 * TrashbinPlugin.php), which the apps list the trash with; its original location is relative to
 * the user's files, without a leading slash, as Nextcloud gives it.
 */
function trashResource(n: Node, clash: boolean, parent: string[]): DavResource {
  const deletedAt = n.deleted_at ?? new Date(0);
  const seconds = String(Math.floor(deletedAt.getTime() / 1000));
  const name = `${n.name}.d${seconds}${clash ? `.${n.id.slice(0, 8)}` : ''}`;
  const origin = n.trash_origin_path ?? `/${n.name}`;
  return {
    ...toResource(n, [...parent, name], null),
    permissions: 'D',
    readOnly: true,
    extra: [
      { name: { ns: TRASH_NS, local: 'deleted-at' }, text: deletedAt.toISOString() },
      { name: { ns: TRASH_NS, local: 'original-location' }, text: origin },
      { name: { ns: NC, local: 'trashbin-filename' }, text: n.name },
      { name: { ns: NC, local: 'trashbin-original-location' }, text: origin.replace(/^\/+/, '') },
      { name: { ns: NC, local: 'trashbin-title' }, text: n.name },
      { name: { ns: NC, local: 'trashbin-deletion-time' }, text: seconds },
    ],
  };
}

function summaryResource(n: NodeSummary, parent: string[]): DavResource {
  const folder = n.kind === 'folder';
  return {
    id: n.id,
    fileId: n.file_id,
    path: [...parent, n.name],
    collection: folder,
    size: n.size,
    etag: n.etag,
    contentType: folder ? null : n.mime,
    createdAt: new Date(n.created_ms),
    modifiedAt: new Date(n.modified_ms),
    sha1: n.sha1,
    permissions: folder ? FOLDER_PERMISSIONS : FILE_PERMISSIONS,
    readOnly: false,
  };
}

/** A search hit as a resource, with the permission letters its grant gives. */
function searchResource(item: AccessibleNode, path: string[]): DavResource {
  const r = toResource(item.node, path, item.current?.sha1 ?? null);
  const folder = item.node.kind === 'folder';
  const { grant } = item;
  if (grant.source === 'share') return { ...r, permissions: sharedPermissions(grant.role, folder, grant.rootId === item.node.id) };
  if (grant.source === 'member') return { ...r, permissions: memberPermissions(grant.role, folder, false) };
  if (grant.source === 'support') return { ...r, permissions: memberPermissions(grant.access === 'write' ? 'editor' : 'viewer', folder, false) };
  return r;
}

/** `sha1`: of the node's current version, where known. */
function toResource(n: Node, path: string[], sha1: string | null): DavResource {
  const folder = n.kind === 'folder';
  return {
    id: n.id,
    fileId: n.file_id,
    path,
    collection: folder,
    size: n.size,
    etag: n.etag,
    contentType: folder ? null : n.mime,
    createdAt: n.created_at,
    modifiedAt: n.modified_at,
    sha1,
    permissions: folder ? FOLDER_PERMISSIONS : FILE_PERMISSIONS,
    readOnly: false,
  };
}

/**
 * Where a DAV path's locks are kept: the space, the space path (`base`) of the DAV folder `top`
 * the request is in. A user's own paths are their space's paths; "Shared with me/<share>/…" maps
 * to the owner's paths below the shared item, so owner and recipients see one set of locks.
 */
export interface LockView {
  space: SpaceRef;
  base: string[];
  top: string[];
}

class CoreLockStore implements LockStore {
  /**
   * Whether the caller's own space held any live lock when this request walked it; undefined
   * before a walk. Without one, checking the own space's locks has nothing to find.
   */
  private ownLocksHeld: boolean | undefined;

  constructor(
    private readonly core: Core,
    private readonly ctx: CallContext,
    private readonly viewOf: (path: string[]) => Promise<LockView | null>,
    private readonly assertLockable: (path: string[]) => Promise<void>,
  ) {}

  /** The stored lock as this caller's DAV tree shows it; a lock above a share's top shows at the top. */
  private shown(view: LockView, l: ResourceLock): DavLock {
    const inside = view.base.every((s, i) => l.path[i] === s) && l.path.length >= view.base.length;
    return toDavLock({ ...l, path: inside ? [...view.top, ...l.path.slice(view.base.length)] : view.top });
  }

  sawOwnSpace(locksHeld: boolean): void {
    this.ownLocksHeld = (this.ownLocksHeld ?? false) || locksHeld;
  }

  /** True when `view` is the caller's own space and this request's walk found no lock there. */
  private knownUnlocked(view: LockView): boolean {
    return view.top.length === 0 && this.ownLocksHeld === false;
  }

  private stored(view: LockView, path: string[]): string[] {
    return [...view.base, ...path.slice(view.top.length)];
  }

  async covering(path: string[], descendants: boolean, withParent = false): Promise<DavLock[]> {
    // Locks are kept on their holders' own paths; a link's paths are not any user's.
    if (this.ctx.actor.link) return [];
    const view = await dav(() => this.viewOf(path));
    if (!view || this.knownUnlocked(view)) return [];
    // The parent of a share's top is the virtual folder, where nobody can lock anything.
    const parent = withParent && path.length > view.top.length;
    const locks = await dav(() => this.core.locks.covering(view.space, this.stored(view, path), descendants, parent));
    return locks.map((l) => this.shown(view, l));
  }

  async under(path: string[]): Promise<DavLock[]> {
    if (this.ctx.actor.link) return [];
    const view = await dav(() => this.viewOf(path));
    if (!view || this.knownUnlocked(view)) return [];
    return (await dav(() => this.core.locks.under(view.space, this.stored(view, path)))).map((l) => this.shown(view, l));
  }

  async create(lock: DavLock, conflicts: (existing: DavLock[]) => Error | null): Promise<void> {
    if (this.ctx.actor.link) throw new DavError(403, 'Locking needs an account; through a public link, files are written without locks');
    await dav(() => this.assertLockable(lock.root));
    const view = await dav(() => this.viewOf(lock.root));
    if (!view) throw new DavError(409, 'Nothing can be locked here');
    const stored = fromDavLock({ ...lock, root: this.stored(view, lock.root) });
    this.ownLocksHeld = true;
    await dav(() => this.core.locks.create(this.ctx, view.space, stored, (existing) => conflicts(existing.map((l) => this.shown(view, l)))));
  }

  async refresh(token: string, timeoutSeconds: number): Promise<DavLock | null> {
    const l = await this.core.locks.refresh(this.ctx, token, new Date(Date.now() + timeoutSeconds * 1000));
    return l ? toDavLock(l) : null;
  }

  remove(token: string): Promise<boolean> {
    return this.core.locks.remove(this.ctx, token);
  }

  async removeUnder(path: string[]): Promise<void> {
    const view = await dav(() => this.viewOf(path));
    if (view && !this.knownUnlocked(view)) await dav(() => this.core.locks.removeUnder(view.space, this.stored(view, path)));
  }
}

function toDavLock(l: ResourceLock): DavLock {
  return {
    token: l.token,
    root: l.path,
    depth: l.depth,
    scope: l.scope,
    ownerXml: l.ownerXml,
    principal: l.userId,
    timeoutSeconds: Math.max(0, Math.round((l.expiresAt.getTime() - Date.now()) / 1000)),
    expiresAt: l.expiresAt,
  };
}

function fromDavLock(l: DavLock): ResourceLock {
  return { token: l.token, path: l.root, depth: l.depth, scope: l.scope, ownerXml: l.ownerXml, userId: l.principal, expiresAt: l.expiresAt };
}

/** A core error as the protocol error with the same status, message and Retry-After. */
export function davErrorOf(err: CofferError, headers: Record<string, string> = {}): DavError {
  if (typeof err.extra.retryAfter === 'number') headers = { ...headers, 'retry-after': String(err.extra.retryAfter) };
  // A path deeper than the server allows is, in WebDAV's terms, a place it refuses to create
  // things at (RFC 4918 §9.3.1): 403 rather than the REST API's 400.
  const status = err.code === 'path-too-deep' ? 403 : err.status;
  return new DavError(status, err.message, err.status === 507 ? { name: 'quota-not-exceeded' } : undefined, headers);
}

/** Runs a core call and turns its errors into protocol errors with the same status and message. */
async function dav<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CofferError) throw davErrorOf(err);
    throw err;
  }
}
