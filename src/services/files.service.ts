import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { writeOnceRefused, type WriteRules, type WriteRulesService } from './write-rules.service.js';
import type { BlobStore, BlobWriteResult, ByteRange } from '../blobs/blob-store.js';
import { LimitExceededError, SizeMismatchError } from '../blobs/blob-store.js';
import type { CallContext } from '../core/context.js';
import { badRequest, conflict, forbidden, insufficientStorage, notFound, payloadTooLarge } from '../core/errors.js';
import { normalizeName, parsePath, pathDepth } from '../core/names.js';
import type { Node, Space, Version } from '../db/schema.js';
import type { Db, ListOptions, NodeRepository, NodeSummary } from '../repositories/node.repository.js';
import type { NewFilesRepository } from '../repositories/new-files.repository.js';
import type { ContentJobs } from './content-jobs.js';
import type { JobQueue } from '../jobs/queue.js';
import type { DerivedRepository } from '../repositories/derived.repository.js';
import type { NodeMoveRepository } from '../repositories/node-move.repository.js';
import type { PropertyRepository } from '../repositories/property.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';
import type { AuditService } from './audit.service.js';
import { sniffMime } from './mime.js';
import { softDelete } from './soft-delete.js';
import { NewFileBatcher } from './new-file-batcher.js';
import { joinPath, newEtag, type LocatedNode, type PlacedNode, type TreeService } from './tree.service.js';

export interface UploadInput {
  /** Folder to upload into ("root" for the space root). */
  parentId: string;
  /** That folder as the access service already placed it in this request; saves asking again. */
  parent?: LocatedNode | undefined;
  /** Relative path below the parent, e.g. "photos/2024/a.jpg"; missing folders are created. */
  relativePath: string;
  source: Readable;
  /** Declared length when the client sent one; checked against what arrives. */
  size?: number | undefined;
  mime?: string | undefined;
  /** Replace an existing file with a new version instead of picking a free name. */
  overwrite?: boolean | undefined;
  /** Client modification time. */
  modifiedAt?: Date | undefined;
  /** Only replace when the current version's ETag matches (optimistic concurrency). */
  ifMatch?: string | undefined;
  /** SHA-1 (hex) the client says the content has; the upload is refused if it differs. */
  expectedSha1?: string | undefined;
}

/** What one committed upload stored. */
export interface CommittedUpload {
  node: Node;
  version: Version;
  created: boolean;
  path: string;
}

export interface UploadResult extends CommittedUpload {
  space: Space;
}

export interface Download {
  node: Node;
  version: Version;
  open(range?: ByteRange): Promise<Readable>;
  /** A short-lived URL that serves these bytes directly; only where the blob store offers one (S3). */
  presignedUrl?: ((options: { expiresInSeconds: number; fileName: string; contentType: string }) => Promise<string>) | undefined;
}

/** What a committed upload needs: its bytes are already in the blob store. */
interface CommitRequest {
  ctx: CallContext;
  spaceId: string;
  folderId: string;
  /** Folders to create below `folderId` first. */
  folders: string[];
  name: string;
  written: BlobWriteResult;
  mime: string;
  modifiedAt: Date;
  overwrite: boolean;
  ifMatch: string | undefined;
  /** A write-once folder: an existing file of that name is refused, never replaced. */
  refuseExisting?: boolean | undefined;
  /** The original this file is made from (a folder for derived files), linked in the same transaction. */
  originalId?: string | null | undefined;
  /** Runs last inside the commit's transaction. */
  inCommit?: ((tx: Db, committed: CommittedUpload) => Promise<void>) | undefined;
}

/** What planUpload found and decided before any byte is stored. */
export interface UploadPlan {
  parent: LocatedNode;
  space: Space;
  rules: WriteRules | null;
  /** The file's name (time-stamped where the space wants it) and the folders to create before it. */
  name: string;
  folders: string[];
  refuseExisting: boolean;
  originalId: string | null;
  /** The folder policy's size limit, and the most bytes the upload may have all limits considered. */
  policyMax: number | null;
  maxBytes: number | undefined;
}

/** What to do when the target name is taken: refuse, pick a free name, or trash what is there first. */
export type MoveConflictPolicy = 'fail' | 'rename' | 'replace';

export interface FilesDeps {
  tree: TreeService;
  nodes: NodeRepository;
  spaces: SpaceRepository;
  versions: VersionRepository;
  blobs: BlobStore;
  audit: AuditService;
  logger: Logger;
  properties: PropertyRepository;
  newFiles: NewFilesRepository;
  moves: NodeMoveRepository;
  /** A space's layout and folder policies, checked on every write whatever the door. */
  rules: WriteRulesService;
  derived: DerivedRepository;
  /** Jobs new content needs (previews), enqueued with it. */
  contentJobs: ContentJobs;
  queue: JobQueue;
  maxUploadBytes: number | null;
}

/** The namespace rules: uploads, downloads, folders, rename, move, copy and delete to the trash. */
export class FilesService {
  private readonly batcher: NewFileBatcher;

  constructor(private readonly d: FilesDeps) {
    this.batcher = new NewFileBatcher({
      db: d.tree.db,
      newFiles: d.newFiles,
      audit: d.audit,
      logger: d.logger,
      jobsFor: (content) => d.contentJobs.for(content),
      announceJobs: () => d.queue.announce(),
      single: (item) => this.commitUpload({ ...item, folders: [], overwrite: item.replace, ifMatch: undefined }),
    });
  }

  /** The server's limit on one file's size (COFFER_MAX_UPLOAD_BYTES), or null. */
  get maxUploadBytes(): number | null {
    return this.d.maxUploadBytes;
  }

  private get db() {
    return this.d.tree.db;
  }

  get(ctx: CallContext, id: string): Promise<LocatedNode> {
    return this.d.tree.byId(ctx, id, 'read');
  }

  resolve(ctx: CallContext, path: string): Promise<LocatedNode> {
    return this.d.tree.byPath(ctx, path);
  }

  async list(ctx: CallContext, folderId: string, opts: ListOptions) {
    const folder = await this.d.tree.folderById(ctx, folderId, 'list');
    const [items, total] = await Promise.all([
      this.d.nodes.listChildren(this.db, folder.node.id, opts),
      this.d.nodes.countChildren(this.db, folder.node.id),
    ]);
    return { folder, items, total };
  }

  /**
   * A folder's children page by page, checking the caller's access once (or not at all, for a
   * folder the access service already placed in this request).
   */
  async *children(ctx: CallContext, folder: string | LocatedNode, pageSize = 1000): AsyncGenerator<NodeSummary[]> {
    const located = typeof folder === 'string' ? await this.d.tree.folderById(ctx, folder, 'list') : folder;
    if (located.node.kind !== 'folder') throw conflict(`"${located.node.name}" is a file, not a folder`);
    this.d.tree.access.assert(located, 'list');
    const id = located.node.id;
    const fetch = (folders: boolean, after: NodeSummary | null) => {
      const page = this.d.nodes.listChildSummaries(this.db, id, folders, after, pageSize);
      // Awaited below, unless the caller stops reading first: then its failure is nobody's.
      page.catch(() => undefined);
      return page;
    };
    // Folders first, then files, each in name order: the order of the REST listing.
    for (const folders of [true, false]) {
      let next = fetch(folders, null);
      for (;;) {
        const page = await next;
        const more = page.length === pageSize;
        // The next page is asked for before this one is handed out: the database works on it
        // while the caller renders this one.
        if (more) next = fetch(folders, page[page.length - 1]!);
        if (page.length > 0) yield page;
        if (!more) break;
      }
    }
  }

  /**
   * Creates a folder at `relativePath` below the parent. With `parents`, missing folders on the
   * way are created and an existing folder is returned as is (mkdir -p).
   */
  async createFolder(
    ctx: CallContext,
    parentId: string,
    relativePath: string,
    options: { parents: boolean } = { parents: true },
  ): Promise<PlacedNode & { created: boolean }> {
    const segments = parsePath(relativePath);
    if (segments.length === 0) throw badRequest('Give the name of the folder to create');
    const parent = await this.d.tree.folderById(ctx, parentId, 'create');
    // Refused before the space is locked; checked again under the lock, where the parent's path is final.
    this.d.tree.assertDepth(pathDepth(parent.path) + segments.length);
    this.d.rules.checkPlace(await this.d.rules.at(parent), [...parsePath(parent.path), ...segments.map(normalizeName)], 'folder');
    return this.db.transaction().execute(async (tx) => {
      await this.d.spaces.lock(tx, parent.space.id);
      const p = await this.d.tree.recheckFolder(tx, parent.node.id, parent.space.id);
      const path = joinPath(p.path, segments.join('/'));
      if (!options.parents) {
        const found = await this.d.nodes.walkPath(tx, p.node.id, segments);
        if (found.depth === segments.length) throw conflict(`${path} already exists`);
        if (found.depth < segments.length - 1) {
          // Most often a person who typed a "/" into a folder name: say that first.
          throw notFound(
            `There is no folder "${joinPath(p.path, segments.slice(0, -1).join('/'))}" to create "${segments.at(-1)}" in. A folder name cannot contain "/"; to create the folders on the way, send parents: true`,
          );
        }
      }
      const created: Node[] = [];
      const folder = await this.d.tree.ensureFolders(tx, ctx, parent.space.id, p, segments, { created });
      if (created.length === 0) return { node: folder, space: parent.space, path, created: false };
      await this.d.nodes.propagateChange(tx, folder.id, 0);
      // ensureFolders creates the deepest missing segments, in order.
      const firstNew = segments.length - created.length;
      await this.d.audit.recordMany(
        tx,
        created.map((c, i) => ({
          ctx,
          event: { action: 'folder.create', nodeId: c.id, path: joinPath(p.path, segments.slice(0, firstNew + i + 1).join('/')) },
        })),
      );
      const fresh = (await this.d.nodes.getById(tx, folder.id))!;
      return { node: fresh, space: parent.space, path, created: true };
    });
  }

  /**
   * Streams the bytes to a new blob first, then commits blob, version, node, quota and audit in
   * one transaction; if anything fails after the blob was written, the blob is deleted again.
   */
  async upload(ctx: CallContext, input: UploadInput): Promise<UploadResult> {
    const plan = await this.planUpload(ctx, input);
    const { space, rules, policyMax } = plan;
    const { maxUploadBytes } = this.d;
    let written;
    try {
      written = await this.d.blobs.write(input.source, { maxBytes: plan.maxBytes, expectedBytes: input.size, sha1: input.expectedSha1 !== undefined });
    } catch (err) {
      if (err instanceof LimitExceededError) {
        if (rules && policyMax !== null && err.limit === policyMax) throw this.d.rules.tooBig(rules);
        if (maxUploadBytes !== null && err.limit === maxUploadBytes) {
          throw payloadTooLarge(`Files can be at most ${maxUploadBytes} bytes on this server`);
        }
        const fresh = await this.d.spaces.getById(this.db, space.id);
        throw insufficientStorage(fresh?.used_bytes ?? space.used_bytes, space.quota_bytes ?? 0);
      }
      if (err instanceof SizeMismatchError) {
        throw badRequest(`The upload was ${err.actual} bytes but ${err.expected} were announced; nothing was stored`, {
          expected: err.expected,
          received: err.actual,
        });
      }
      throw err;
    }
    return this.commitWritten(ctx, plan, input, written);
  }

  /**
   * Everything an upload checks before a byte of its body is read: the caller may create in the
   * folder, the depth, the space's layout and folder policies, and the declared size against the
   * server's limit and the quota. Upload sessions ask it at creation and again at completion.
   */
  async planUpload(ctx: CallContext, input: Omit<UploadInput, 'source'>): Promise<UploadPlan> {
    const segments = parsePath(input.relativePath);
    if (segments.length === 0) throw badRequest('Give the file a name');
    const folders = segments.slice(0, -1);
    const parent = input.parent && input.parent.node.id === input.parentId ? input.parent : await this.d.tree.folderById(ctx, input.parentId, 'create');
    if (parent.node.kind !== 'folder') throw conflict(`"${parent.node.name}" is a file, not a folder`);
    this.d.tree.access.assert(parent, 'create');
    // Before a byte of the body is read; commitUpload checks again under the space lock.
    this.d.tree.assertDepth(pathDepth(parent.path) + segments.length);

    const rules = await this.d.rules.at(parent);
    const name = rules?.timestampNames ? `${timestamp(new Date())}_${segments[segments.length - 1]!}` : segments[segments.length - 1]!;
    this.d.rules.checkPlace(rules, [...parsePath(parent.path), ...folders, name], 'file');
    this.d.rules.checkFile(rules, name, input.size);
    const writeOnce = rules !== null && rules.policy.writeOnceAt !== null && (input.overwrite ?? false) && !rules.timestampNames;
    if (writeOnce && ctx.overrideWriteOnce) await this.d.rules.assertChangeable(ctx, { ...parent, path: joinPath(parent.path, segments.join('/')) }, 'overwritten');
    const refuseExisting = writeOnce && !ctx.overrideWriteOnce;
    const originalId = await this.d.rules.originalFor(ctx, rules);

    const { maxUploadBytes } = this.d;
    if (input.size !== undefined && maxUploadBytes !== null && input.size > maxUploadBytes) {
      throw payloadTooLarge(`Files can be at most ${maxUploadBytes} bytes on this server`);
    }
    // Refuse early when the declared size cannot fit, before reading a byte of the body.
    const space = parent.space;
    if (space.quota_bytes !== null && input.size !== undefined && space.used_bytes + input.size > space.quota_bytes) {
      throw insufficientStorage(space.used_bytes, space.quota_bytes, input.size);
    }
    const policyMax = this.d.rules.maxBytes(rules);
    const maxBytes = minDefined(
      minDefined(space.quota_bytes !== null ? Math.max(0, space.quota_bytes - space.used_bytes) : undefined, maxUploadBytes ?? undefined),
      policyMax ?? undefined,
    );
    return { parent, space, rules, name, folders, refuseExisting, originalId, policyMax, maxBytes };
  }

  /**
   * Commits a blob already in the store as the planned upload (content checks, type, overwrite or
   * a free name, then one transaction); on any failure the blob is deleted again. `inCommit` runs
   * inside that transaction (an upload session marks itself complete with the file).
   */
  async commitWritten(
    ctx: CallContext,
    plan: UploadPlan,
    input: Pick<UploadInput, 'mime' | 'overwrite' | 'modifiedAt' | 'ifMatch' | 'expectedSha1'>,
    written: BlobWriteResult,
    inCommit?: (tx: Db, committed: CommittedUpload) => Promise<void>,
  ): Promise<UploadResult> {
    const { parent, space, rules, name, folders, refuseExisting, originalId } = plan;
    try {
      if (input.expectedSha1 !== undefined && input.expectedSha1.toLowerCase() !== written.sha1) {
        throw badRequest(`The content's SHA-1 is ${written.sha1}, not ${input.expectedSha1} as announced; nothing was stored`);
      }
      await this.d.rules.checkContent(rules, name, written.head);
      const mime = await sniffMime(name, input.mime, written.head, this.d.logger);
      const modifiedAt = input.modifiedAt ?? new Date();
      // Who may only add (a file drop) never replaces anything: the new file gets a free name.
      // A time-stamped name is a new file every time, never a new version of an older one.
      const overwrite = (input.overwrite ?? false) && this.d.tree.access.can(parent, 'write') && !rules?.timestampNames;
      const commit: CommitRequest = { ctx, spaceId: space.id, folderId: parent.node.id, folders, name, written, mime, modifiedAt, overwrite, ifMatch: input.ifMatch, refuseExisting, originalId, inCommit };
      if (folders.length === 0 && commit.ifMatch === undefined && !refuseExisting && originalId === null && inCommit === undefined) {
        return { ...(await this.batcher.submit({ ctx, spaceId: space.id, folderId: parent.node.id, name, written, mime, modifiedAt, replace: commit.overwrite })), space };
      }
      return { ...(await this.commitUpload(commit)), space };
    } catch (err) {
      await this.d.blobs.delete(written.key).catch((e: unknown) => {
        this.d.logger.error({ err: e, key: written.key }, 'could not delete the blob of a failed upload; fsck will');
      });
      throw err;
    }
  }

  /** One upload's metadata in its own transaction: every rule (folders to create, overwrite, renaming, quota). */
  private commitUpload(c: CommitRequest): Promise<CommittedUpload> {
    const { name, folders, mime, modifiedAt } = c;
    return this.db.transaction().execute(async (tx) => {
        await this.d.spaces.lock(tx, c.spaceId);
        const p = await this.d.tree.recheckFolder(tx, c.folderId, c.spaceId);
        const folder = await this.d.tree.ensureFolders(tx, c.ctx, c.spaceId, p, folders, { below: 1 });
        // Without folders to create, the file goes straight into p: joining '' would end the path in '/'.
        const folderPath = folders.length === 0 ? p.path : joinPath(p.path, folders.join('/'));

        const used = await this.d.spaces.reserve(tx, c.spaceId, c.written.size);
        if (used === null) {
          const now = await this.d.spaces.getById(tx, c.spaceId);
          throw insufficientStorage(now!.used_bytes, now!.quota_bytes ?? 0, c.written.size);
        }

        const blobId = randomUUID();
        await this.d.versions.insertBlob(tx, { id: blobId, storeKey: c.written.key, size: c.written.size, sha256: c.written.sha256 });
        const versionId = randomUUID();

        const existing = await this.d.nodes.getLiveChild(tx, folder.id, name);
        if (existing && c.refuseExisting) {
          throw writeOnceRefused(`${joinPath(folderPath, name)} is in a write-once folder: files there can be added, never overwritten`);
        }
        if (existing && c.ifMatch !== undefined && existing.etag !== c.ifMatch) {
          throw conflict(`"${name}" was changed by someone else; reload it and try again`);
        }
        if (existing && c.overwrite) {
          if (existing.kind === 'folder') throw conflict(`"${name}" is a folder; a file cannot replace it`);
          const version = await this.d.versions.insertVersion(tx, {
            id: versionId,
            nodeId: existing.id,
            blobId,
            size: c.written.size,
            sha256: c.written.sha256,
            sha1: c.written.sha1,
            mime,
            authorId: c.ctx.actor.userId,
          });
          for (const job of this.d.contentJobs.for({ versionId, blobId, name: existing.name, mime })) await this.d.queue.enqueue(tx, job);
          const node = await tx
            .updateTable('nodes')
            .set({
              current_version_id: versionId,
              size: c.written.size,
              mime,
              etag: newEtag(),
              modified_at: modifiedAt,
              updated_at: new Date(),
            })
            .where('id', '=', existing.id)
            .returningAll()
            .executeTakeFirstOrThrow();
          await this.d.nodes.propagateChange(tx, folder.id, c.written.size - existing.size);
          const path = joinPath(folderPath, name);
          await this.d.audit.record(tx, c.ctx, { action: 'file.overwrite', nodeId: node.id, path, bytes: c.written.size });
          if (c.originalId) await this.d.derived.link(tx, { nodeId: node.id, originalId: c.originalId, spaceId: c.spaceId });
          const replaced = { node, version, created: false, path };
          await c.inCommit?.(tx, replaced);
          return replaced;
        }

        const finalName = await this.d.tree.freeName(tx, folder.id, name, false);
        const nodeId = randomUUID();
        const now = new Date();
        const inserted = await this.d.nodes.insert(tx, {
          id: nodeId,
          space_id: c.spaceId,
          parent_id: folder.id,
          name: finalName,
          kind: 'file',
          current_version_id: versionId,
          size: c.written.size,
          mime,
          etag: newEtag(),
          created_by: c.ctx.actor.userId,
          created_at: now,
          modified_at: modifiedAt,
          updated_at: now,
        });
        const version = await this.d.versions.insertVersion(tx, {
          id: versionId,
          nodeId,
          blobId,
          size: c.written.size,
          sha256: c.written.sha256,
          sha1: c.written.sha1,
          mime,
          authorId: c.ctx.actor.userId,
        });
        for (const job of this.d.contentJobs.for({ versionId, blobId, name: finalName, mime })) await this.d.queue.enqueue(tx, job);
        await this.d.nodes.propagateChange(tx, folder.id, c.written.size);
        const path = joinPath(folderPath, finalName);
        await this.d.audit.record(tx, c.ctx, { action: 'file.upload', nodeId, path, bytes: c.written.size, ...(c.originalId ? { detail: { derivedFrom: c.originalId } } : {}) });
        if (c.originalId) await this.d.derived.link(tx, { nodeId, originalId: c.originalId, spaceId: c.spaceId });
        const added = { node: inserted, version, created: true, path };
        await c.inCommit?.(tx, added);
        return added;
    });
  }

  /**
   * What a file was made from and what was made from it (derived files, newest first): only what
   * the caller may read themselves, with paths as they see them.
   */
  async derivation(ctx: CallContext, id: string): Promise<{ original: LocatedNode | null; derived: LocatedNode[] }> {
    const located = await this.d.tree.byId(ctx, id, 'read');
    const original = await this.d.derived.originalOf(this.db, located.node.id);
    const made = await this.d.derived.derivedOf(this.db, located.node.id, 200);
    const ids = [...(original ? [original.id] : []), ...made.map((n) => n.id)];
    const reached = ids.length === 0 ? new Map<string, LocatedNode>() : await this.d.tree.access.reachable(ctx, ids);
    const readable = (nodeId: string) => {
      const item = reached.get(nodeId);
      return item && this.d.tree.access.can(item, 'read') ? item : undefined;
    };
    return {
      original: original ? (readable(original.id) ?? null) : null,
      derived: made.map((n) => readable(n.id)).filter((n): n is LocatedNode => n !== undefined),
    };
  }

  /** The current (or a given) version of a file, ready to stream. */
  async download(ctx: CallContext, id: string, versionId?: string): Promise<Download & { path: string }> {
    const located = await this.d.tree.byId(ctx, id, 'read');
    const { node } = located;
    if (node.kind !== 'file') throw conflict(`"${node.name}" is a folder; download its files one by one`);
    const vid = versionId ?? node.current_version_id;
    const version = vid ? await this.d.versions.getVersion(this.db, vid) : undefined;
    if (!version || version.node_id !== node.id) throw notFound(`No version ${versionId ?? ''} of "${node.name}"`);
    const blob = await this.d.versions.getBlob(this.db, version.blob_id);
    if (!blob) throw notFound(`The bytes of "${node.name}" are missing; ask an administrator to run coffer fsck`);
    return {
      node,
      version,
      path: located.path,
      open: (range) => this.d.blobs.read(blob.store_key, range),
      presignedUrl: this.d.blobs.presignedGetUrl?.bind(this.d.blobs, blob.store_key),
    };
  }

  /**
   * Opens the current version of a file the caller may read; the access check finds the blob
   * in the same query, so a WebDAV GET costs one lookup.
   */
  async openCurrent(ctx: CallContext, node: string | LocatedNode, range?: ByteRange): Promise<{ versionId: string; stream: Readable }> {
    const found = typeof node === 'string' ? await this.d.tree.byId(ctx, node, 'read') : node;
    this.d.tree.access.assert(found, 'read');
    if (!found.current) throw notFound('The file is gone');
    return { versionId: found.current.versionId, stream: await this.d.blobs.read(found.current.storeKey, range) };
  }

  async recordDownload(ctx: CallContext, d: { node: Pick<Node, 'id'>; path: string; bytes: number; versionId: string }) {
    await this.d.audit.recordAlone(ctx, {
      action: 'file.download',
      nodeId: d.node.id,
      path: d.path,
      bytes: d.bytes,
      detail: { version: d.versionId },
    });
  }

  /**
   * Rename and/or move; one row changes whatever the size of the subtree. `node` and
   * `target.parent` may come placed by the caller's own walk (no access query).
   */
  async move(
    ctx: CallContext,
    node: string | LocatedNode,
    target: { parentId?: string | undefined; parent?: LocatedNode | undefined; name?: string | undefined; onConflict?: MoveConflictPolicy },
  ): Promise<PlacedNode & { replaced?: boolean }> {
    const source = typeof node === 'string' ? await this.d.tree.byId(ctx, node, 'delete') : node;
    this.d.tree.access.assert(source, 'delete');
    const id = source.node.id;
    if (source.node.parent_id === null) throw forbidden('The root folder cannot be moved or renamed');
    const destParent = target.parent ?? (target.parentId ? await this.d.tree.folderById(ctx, target.parentId, 'create') : undefined);
    if (destParent) {
      this.d.tree.access.assert(destParent, 'create');
      if (destParent.node.kind !== 'folder') throw conflict(`"${destParent.node.name}" is a file, not a folder`);
    }
    const into = destParent ?? { space: source.space, chain: source.chain.slice(1), path: parentPath(source.path) };
    const newName = target.name !== undefined ? normalizeName(target.name) : source.node.name;
    if ((destParent?.node.id ?? source.node.parent_id) !== source.node.parent_id || newName !== source.node.name) {
      await this.d.rules.assertChangeable(ctx, source, 'renamed or moved');
      this.d.rules.checkPlace(await this.d.rules.at(into), [...parsePath(into.path), newName], source.node.kind);
    }
    if (destParent && destParent.space.id !== source.space.id) {
      // Into another space (out of a share into one's own, say): the bytes are now counted there,
      // so the item is copied (its blobs shared, its quota checked) and the original goes to its
      // owner's trash, restorable. Copy first: a failure between the two leaves two, never none.
      const copied = await this.copy(ctx, source.node.id, { parentId: destParent.node.id, name: target.name, onConflict: target.onConflict });
      await this.trash(ctx, source.node.id);
      return copied;
    }
    const wanted = target.name !== undefined ? normalizeName(target.name) : source.node.name;

    // The common case in one statement; anything it does not commit (a clash, a target gone, a
    // cycle, a subtree too deep) takes the transaction below, which knows every rule and error.
    const entry = this.d.audit.entry(ctx, { action: 'node.move' });
    const fast = await this.d.moves.move(this.db, {
      spaceId: source.space.id,
      nodeId: id,
      parentId: destParent?.node.id ?? null,
      name: wanted,
      maxDepth: this.d.tree.maxDepth,
      now: new Date(),
      audit: entry,
    });
    if (fast.outcome === 'ok') {
      this.d.audit.written([source.space.id]);
      return { node: fast.node, space: source.space, path: fast.path };
    }
    if (fast.outcome === 'unchanged') return { node: fast.node, space: source.space, path: fast.path };

    return this.db.transaction().execute(async (tx) => {
      await this.d.spaces.lock(tx, source.space.id);
      const current = await this.d.tree.byId(ctx, id, 'delete', tx);
      const parentId = destParent?.node.id ?? current.node.parent_id!;
      const dest = await this.d.tree.recheckFolder(tx, parentId, source.space.id);
      const chain = await this.d.nodes.ancestry(tx, dest.node.id);
      if (chain.some((n) => n.id === current.node.id)) {
        throw conflict(`"${current.node.name}" cannot be moved into itself or one of its subfolders`);
      }
      const sameParent = dest.node.id === current.node.parent_id;
      if (sameParent && wanted === current.node.name) return current;
      await this.d.tree.assertSubtreeFits(tx, current.node.id, pathDepth(dest.path), pathDepth(current.path));
      let name = wanted;
      const clash = await this.d.nodes.getLiveChild(tx, dest.node.id, wanted);
      let replaced = false;
      if (clash && clash.id !== current.node.id) {
        if (target.onConflict === 'rename') name = await this.d.tree.freeName(tx, dest.node.id, wanted, current.node.kind === 'folder');
        else if (target.onConflict === 'replace') {
          await this.trashInTx(tx, ctx, clash, joinPath(dest.path, clash.name));
          replaced = true;
        } else throw conflict(`"${wanted}" already exists in ${dest.path}`, { existingId: clash.id });
      }
      const node = await tx
        .updateTable('nodes')
        .set({ parent_id: dest.node.id, name, updated_at: new Date() })
        .where('id', '=', current.node.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (!sameParent) {
        await this.d.nodes.propagateChange(tx, current.node.parent_id!, -current.node.size);
        await this.d.nodes.propagateChange(tx, dest.node.id, current.node.size);
      } else {
        await this.d.nodes.propagateChange(tx, dest.node.id, 0);
      }
      const path = joinPath(dest.path, name);
      await this.d.audit.record(tx, ctx, {
        action: sameParent ? 'node.rename' : 'node.move',
        nodeId: node.id,
        path,
        detail: { from: current.path, ...(replaced ? { replaced: true } : {}) },
      });
      return { node, space: source.space, path, replaced };
    });
  }

  /**
   * Copies a file or folder tree. Versions of the copy point at the same blobs (no bytes are
   * copied) but count against the quota like any file.
   */
  async copy(
    ctx: CallContext,
    id: string,
    target: {
      parentId: string;
      name?: string | undefined;
      onConflict?: MoveConflictPolicy;
      /** Copy a folder without its contents (WebDAV COPY with Depth 0). */
      shallow?: boolean | undefined;
    },
  ): Promise<PlacedNode & { replaced?: boolean }> {
    const source = await this.d.tree.byId(ctx, id, 'read');
    if (source.node.parent_id === null) throw forbidden('The root folder cannot be copied');
    const dest = await this.d.tree.folderById(ctx, target.parentId, 'create');
    const wanted = target.name !== undefined ? normalizeName(target.name) : source.node.name;
    this.d.rules.checkPlace(await this.d.rules.at(dest), [...parsePath(dest.path), wanted], source.node.kind);

    return this.db.transaction().execute(async (tx) => {
      await this.d.spaces.lock(tx, dest.space.id);
      const current = await this.d.tree.byId(ctx, id, 'read', tx);
      const destFolder = await this.d.tree.recheckFolder(tx, dest.node.id, dest.space.id);
      const chain = await this.d.nodes.ancestry(tx, destFolder.node.id);
      if (chain.some((n) => n.id === current.node.id)) {
        throw conflict(`"${current.node.name}" cannot be copied into itself`);
      }
      let name = wanted;
      let replaced = false;
      const clash = await this.d.nodes.getLiveChild(tx, destFolder.node.id, wanted);
      if (clash) {
        if (target.onConflict === 'rename') name = await this.d.tree.freeName(tx, destFolder.node.id, wanted, current.node.kind === 'folder');
        else if (target.onConflict === 'replace') {
          await this.trashInTx(tx, ctx, clash, joinPath(destFolder.path, clash.name));
          replaced = true;
        } else throw conflict(`"${wanted}" already exists in ${destFolder.path}`);
      }
      const tree = target.shallow ? [current.node] : await this.d.nodes.subtree(tx, current.node.id);
      const idMap = new Map<string, string>();
      const ordered: Node[] = [];
      const byParent = new Map<string, Node[]>();
      for (const n of tree) {
        if (n.parent_id) byParent.set(n.parent_id, [...(byParent.get(n.parent_id) ?? []), n]);
      }
      const queue = [current.node];
      // How far below the copied node each copy lands: the copy must fit under the depth limit.
      const levels = new Map<string, number>([[current.node.id, 0]]);
      let height = 0;
      while (queue.length > 0) {
        const n = queue.shift()!;
        ordered.push(n);
        const level = levels.get(n.id)! + 1;
        // Trashed items inside the subtree are not part of what the caller sees, so they are not copied.
        for (const c of byParent.get(n.id) ?? []) {
          if (c.deleted_at !== null) continue;
          queue.push(c);
          levels.set(c.id, level);
          height = Math.max(height, level);
        }
      }
      this.d.tree.assertDepth(pathDepth(destFolder.path) + 1 + height);
      let bytes = 0;
      let copiedSize = 0;
      const now = new Date();
      for (const n of ordered) {
        const newId = randomUUID();
        idMap.set(n.id, newId);
        const sourceVersion =
          n.kind === 'file' && n.current_version_id ? await this.d.versions.getVersion(tx, n.current_version_id) : undefined;
        const versionId = sourceVersion ? randomUUID() : null;
        if (sourceVersion) bytes += sourceVersion.size;
        if (n.id === current.node.id) copiedSize = n.kind === 'folder' && target.shallow ? 0 : n.size;
        await this.d.nodes.insert(tx, {
          id: newId,
          space_id: destFolder.node.space_id,
          parent_id: n.id === current.node.id ? destFolder.node.id : idMap.get(n.parent_id!)!,
          name: n.id === current.node.id ? name : n.name,
          kind: n.kind,
          current_version_id: versionId,
          size: n.kind === 'folder' && target.shallow ? 0 : n.size,
          mime: n.mime,
          etag: newEtag(),
          created_by: ctx.actor.userId,
          created_at: now,
          modified_at: n.modified_at,
          updated_at: now,
        });
        if (versionId && sourceVersion) {
          await this.d.versions.insertVersion(tx, {
            id: versionId,
            nodeId: newId,
            blobId: sourceVersion.blob_id,
            size: sourceVersion.size,
            sha256: sourceVersion.sha256,
            sha1: sourceVersion.sha1,
            mime: sourceVersion.mime,
            authorId: ctx.actor.userId,
          });
          for (const job of this.d.contentJobs.forStoredBytes({ versionId, name: n.id === current.node.id ? name : n.name, mime: sourceVersion.mime ?? n.mime })) {
            await this.d.queue.enqueue(tx, job);
          }
        }
      }
      // Dead properties are copied too, and count against the quota like the file bytes.
      bytes += await this.d.properties.bytesOfNodes(tx, [...idMap.keys()]);
      if (bytes > 0) {
        const used = await this.d.spaces.reserve(tx, dest.space.id, bytes);
        if (used === null) {
          const s = await this.d.spaces.getById(tx, dest.space.id);
          throw insufficientStorage(s!.used_bytes, s!.quota_bytes ?? 0, bytes);
        }
      }
      await this.d.properties.copy(tx, idMap);
      await this.d.nodes.propagateChange(tx, destFolder.node.id, copiedSize);
      const copyId = idMap.get(current.node.id)!;
      const path = joinPath(destFolder.path, name);
      await this.d.audit.record(tx, ctx, {
        action: 'node.copy',
        nodeId: copyId,
        path,
        bytes,
        detail: { from: current.path, sourceId: current.node.id, ...(replaced ? { replaced: true } : {}) },
      });
      const node = (await this.d.nodes.getById(tx, copyId))!;
      return { node, space: dest.space, path, replaced };
    });
  }

  /** Moves a file or folder to the trash: one row changes, whatever lies beneath it. */
  async trash(ctx: CallContext, id: string): Promise<Node> {
    const located = await this.d.tree.byId(ctx, id, 'delete');
    if (located.node.parent_id === null) throw forbidden('The root folder cannot be deleted');
    await this.d.rules.assertChangeable(ctx, located, 'deleted');
    return this.db.transaction().execute(async (tx) => {
      await this.d.spaces.lock(tx, located.space.id);
      const current = await this.d.tree.byId(ctx, id, 'delete', tx);
      return this.trashInTx(tx, ctx, current.node, current.path);
    });
  }

  /** Sets a file's or folder's modification time (sync clients keep their local times). */
  async setModifiedAt(ctx: CallContext, id: string, at: Date): Promise<Node> {
    if (Number.isNaN(at.getTime())) throw badRequest('The modification time is not a valid date');
    const located = await this.d.tree.byId(ctx, id, 'write');
    return this.db.transaction().execute(async (tx) => {
      const node = await tx
        .updateTable('nodes')
        .set({ modified_at: at, updated_at: new Date() })
        .where('id', '=', located.node.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.d.audit.record(tx, ctx, { action: 'node.touch', nodeId: node.id, path: located.path, detail: { modified_at: at.toISOString() } });
      return node;
    });
  }

  private trashInTx(tx: Db, ctx: CallContext, target: Node, path: string): Promise<Node> {
    return softDelete(tx, this.d, ctx, target, path);
  }
}

function minDefined(...values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}

/** "/a/b" of "/a/b/c"; "/" of "/c". */
function parentPath(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

/** The upload time in front of a stored name: sorts by time, and stays a valid name everywhere. */
function timestamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}
