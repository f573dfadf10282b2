import type { BlobStore } from '../blobs/blob-store.js';
import type { CallContext } from '../core/context.js';
import { notFound } from '../core/errors.js';
import { numberedName } from '../core/names.js';
import type { Db } from '../repositories/node.repository.js';
import type { SubtreeRepository } from '../repositories/subtree.repository.js';
import type { ZipEntry } from '../util/zip-stream.js';
import type { AuditService } from './audit.service.js';
import { isUuid, type TreeService } from './tree.service.js';

/** Most ids one multi-selection may name. */
export const MAX_ZIP_SELECTION = 1000;
/** Children read per query while walking a folder. */
const PAGE = 500;

/** What a ZIP download will contain, ready to be streamed; counts fill in as entries are taken. */
export interface ZipDownload {
  /** File name for the archive, without ".zip". */
  name: string;
  entries: AsyncIterable<ZipEntry>;
  counts: { files: number; folders: number; bytes: number };
  /** Audits the download once it has ended (or failed after its first byte). */
  record(outcome: { complete: boolean; bytesSent: number }): Promise<void>;
}

interface Top {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  path: string;
  modified_at: Date;
}

/**
 * ZIP downloads of folders and selections the caller may read. Authorises every item up front, then
 * walks the tree lazily, a page of children at a time, so nothing the size of the tree is held.
 */
export class ZipService {
  constructor(
    private readonly d: { db: Db; tree: TreeService; subtrees: SubtreeRepository; blobs: BlobStore; audit: AuditService },
  ) {}

  /** A folder ("root" for the caller's top folder) and everything beneath it. */
  async folder(ctx: CallContext, id: string): Promise<ZipDownload> {
    const located = await this.d.tree.folderById(ctx, id, 'list');
    const name = located.path === '/' ? located.space.name || 'Files' : located.node.name;
    return this.download(ctx, name, [{ id: located.node.id, name, kind: 'folder', path: located.path, modified_at: located.node.modified_at }], true);
  }

  /**
   * Files and folders the caller may read, each at the top of the archive. Every id is
   * authorised in one query; any id that is not the caller's live item is a 404 naming only it.
   */
  async selection(ctx: CallContext, ids: string[]): Promise<ZipDownload> {
    const unique = [...new Set(ids)];
    const bad = unique.find((id) => !isUuid(id));
    if (bad !== undefined) throw notFound(`No file or folder with id ${bad}`);
    const found = await this.d.tree.access.require(ctx, 'read', unique);
    for (const item of found.values()) if (item.node.kind === 'folder') this.d.tree.access.assert(item, 'list');
    // Two selected items of the same name (from different folders) get "name (1)" in the archive.
    const taken = new Set<string>();
    const tops: Top[] = unique.map((id) => {
      const { node, path } = found.get(id)!;
      const isFolder = node.kind === 'folder';
      let name = node.parent_id === null ? 'Files' : node.name;
      for (let n = 1; taken.has(name); n++) name = numberedName(node.name, n, isFolder);
      taken.add(name);
      return { id: node.id, name, kind: node.kind, path, modified_at: node.modified_at };
    });
    const single = tops.length === 1 ? tops[0] : undefined;
    return this.download(ctx, single?.kind === 'folder' ? single.name : 'download', tops, single?.kind === 'folder');
  }

  private download(ctx: CallContext, name: string, tops: Top[], folderAsRoot: boolean): ZipDownload {
    const counts = { files: 0, folders: 0, bytes: 0 };
    const entries = this.walk(tops, folderAsRoot, counts);
    const first = tops[0]!;
    return {
      name,
      entries,
      counts,
      record: ({ complete, bytesSent }) =>
        this.d.audit.recordAlone(ctx, {
          action: 'zip.download',
          // One item: the event is about it; a selection names its items in the detail.
          nodeId: tops.length === 1 ? first.id : null,
          path: tops.length === 1 ? first.path : null,
          bytes: bytesSent,
          result: complete ? 'success' : 'failure',
          detail: { items: tops.map((t) => t.id), files: counts.files, folders: counts.folders, file_bytes: counts.bytes },
        }),
    };
  }

  /**
   * Depth first. A folder downloaded by itself is the archive's top (its
   * children at the archive root); a selection puts each item under its own name.
   */
  private async *walk(tops: Top[], folderAsRoot: boolean, counts: ZipDownload['counts']): AsyncGenerator<ZipEntry> {
    const fileIds = tops.filter((t) => t.kind === 'file').map((t) => t.id);
    const files = new Map((await this.d.subtrees.walkedByIds(this.d.db, fileIds)).map((f) => [f.id, f]));
    for (const top of tops) {
      if (top.kind === 'file') {
        const child = files.get(top.id);
        // Deleted since it was authorised: a missing file fails the archive rather than leave a hole.
        if (!child) throw new Error(`${top.path} was deleted while the archive was being made`);
        counts.files++;
        counts.bytes += child.size;
        yield this.fileEntry(top.name, child.size, child.modified_at, child.store_key);
        continue;
      }
      const prefix = folderAsRoot ? '' : `${top.name}/`;
      if (prefix) {
        counts.folders++;
        yield folderEntry(prefix, top.modified_at);
      }
      yield* this.walkFolder(top.id, prefix, counts);
    }
  }

  /** Sub-folders first, then files, each in name order, as the listings show them. */
  private async *walkFolder(folderId: string, prefix: string, counts: ZipDownload['counts']): AsyncGenerator<ZipEntry> {
    for (const kind of ['folder', 'file'] as const) {
      let after: { name: string; id: string } | null = null;
      for (;;) {
        const page = await this.d.subtrees.childPage(this.d.db, folderId, kind, after, PAGE);
        for (const child of page) {
          const path = prefix + child.name;
          if (child.kind === 'folder') {
            counts.folders++;
            yield folderEntry(`${path}/`, child.modified_at);
            yield* this.walkFolder(child.id, `${path}/`, counts);
          } else {
            counts.files++;
            counts.bytes += child.size;
            yield this.fileEntry(path, child.size, child.modified_at, child.store_key);
          }
        }
        if (page.length < PAGE) break;
        const last = page[page.length - 1]!;
        after = { name: last.name, id: last.id };
      }
    }
  }

  private fileEntry(path: string, size: number, modifiedAt: Date, storeKey: string | null): ZipEntry {
    return {
      path,
      kind: 'file',
      size,
      modifiedAt,
      open: async () => {
        // A file whose bytes are gone fails the archive rather than leave a silent hole in it.
        if (storeKey === null) throw new Error(`The bytes of ${path} are missing; run coffer fsck`);
        return this.d.blobs.read(storeKey);
      },
    };
  }
}

function folderEntry(path: string, modifiedAt: Date): ZipEntry {
  return {
    path,
    kind: 'folder',
    size: 0,
    modifiedAt,
    open: () => Promise.reject(new Error('A folder has no content')),
  };
}
