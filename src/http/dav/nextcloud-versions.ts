import type { Readable } from 'node:stream';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import type { Node, Version } from '../../db/schema.js';
import type { DavBackend, DavResource } from '../../webdav/backend.js';
import type { DavClientBackend } from '../../webdav/client-properties.js';
import { DavError } from '../../webdav/errors.js';
import { FrozenItemsTree, quotaOf, readOnlyHere, viaCore, virtualCollection } from './nextcloud-dav-common.js';

const VERSIONS = 'versions';
const RESTORE = 'restore';
const NC_NS = 'http://nextcloud.org/ns';

type ListedVersion = Version & { author_name: string | null };

/**
 * Nextcloud's file versions, as its apps reach them at /remote.php/dav/versions/{user}/
 * (nextcloud/server apps/files_versions/lib/Sabre: VersionRoot, VersionHome, VersionCollection,
 * VersionFile, RestoreFolder, Plugin):
 *   versions/{fileid}/       PROPFIND lists the file's older versions; fileid is the numeric
 *                            oc:fileid. Each is named by its Unix time, as Nextcloud names them
 *                            (a second version in the same second gets ".{start of its id}")
 *   versions/{fileid}/{ts}   GET reads that version's bytes
 *   restore/target           MOVE versions/{fileid}/{ts} there makes it the current version
 * Access is the core's: listing and reading need read access to the file (a viewer of a share
 * may), restoring needs write access (an editor may), both through VersionsService.
 */
export class NextcloudVersions extends FrozenItemsTree implements DavBackend, DavClientBackend {
  /** The file each version resource seen in this request belongs to. */
  private readonly fileOf = new Map<string, string>();

  constructor(core: Core, ctx: CallContext) {
    super(core, ctx, { change: 'Versions cannot be changed', favorite: 'Versions cannot be favourites' });
  }

  async stat(path: string[]): Promise<DavResource | null> {
    if (path.length === 0) return virtualCollection([], 'versions-home', true);
    if (path[0] === RESTORE) return path.length === 1 ? virtualCollection([RESTORE], 'restore', false) : null;
    if (path[0] !== VERSIONS) return null;
    // Nextcloud lists nothing here either: versions are reached by a file's id.
    if (path.length === 1) return virtualCollection([VERSIONS], 'versions', true);
    const listed = await this.versionsOf(path[1]!);
    if (!listed) return null;
    if (path.length === 2) return { ...virtualCollection(path.slice(0, 2), listed.node.etag, true, listed.node.modified_at), fileId: listed.node.file_id };
    if (path.length > 3) return null;
    return listed.resources.find((r) => r.path[2] === path[2]) ?? null;
  }

  container(path: string[]): Promise<DavResource | null> {
    return this.stat(path);
  }

  async *members(collection: DavResource): AsyncIterable<DavResource[]> {
    if (collection.path.length === 0) {
      yield [(await this.stat([VERSIONS]))!, (await this.stat([RESTORE]))!];
      return;
    }
    if (collection.path.length !== 2 || collection.path[0] !== VERSIONS) return;
    const listed = await this.versionsOf(collection.path[1]!);
    if (listed) yield listed.resources;
  }

  quota(): Promise<{ used: number; available: number | null }> {
    return viaCore(() => quotaOf(this.core, this.ctx));
  }

  async open(file: DavResource, range?: { start: number; end: number }): Promise<Readable> {
    const nodeId = this.fileOf.get(file.id);
    if (!nodeId) throw new DavError(404, 'No such version');
    return viaCore(async () => (await this.core.files.download(this.ctx, nodeId, file.id)).open(range));
  }

  async downloaded(): Promise<void> {}

  async put(): Promise<never> {
    readOnlyHere('Versions are made by writing the file itself');
  }

  async mkcol(): Promise<never> {
    readOnlyHere('No folder can be made among versions');
  }

  async delete(): Promise<never> {
    readOnlyHere('Old versions are kept by the server; they cannot be deleted one by one');
  }

  async copy(): Promise<never> {
    readOnlyHere('Restore a version (MOVE it to restore/target) or download it (GET)');
  }

  async move(source: DavResource, destination: string[]): Promise<{ created: boolean }> {
    const nodeId = this.fileOf.get(source.id);
    if (!nodeId || destination[0] !== RESTORE || destination.length !== 2) {
      throw new DavError(403, 'Restore a version by moving versions/{fileid}/{version} to restore/target; nothing else moves here');
    }
    await viaCore(() => this.core.versions.restore(this.ctx, nodeId, source.id));
    return { created: true };
  }


  /** The older versions of the file with this numeric id, if the caller may read it; null where there is no such file. */
  private async versionsOf(segment: string): Promise<{ node: Node; resources: DavResource[] } | null> {
    if (!/^\d{1,15}$/.test(segment)) return null;
    return viaCore(async () => {
      const located = await this.core.tree.byFileId(this.ctx, Number(segment), 'read').catch((err: unknown) => {
        if (err instanceof CofferError && err.status === 404) return null;
        throw err;
      });
      if (!located || located.node.kind !== 'file') return null;
      const { node, items } = await this.core.versions.list(this.ctx, located.node.id);
      const older = items.filter((v) => v.id !== node.current_version_id);
      for (const v of older) this.fileOf.set(v.id, node.id);
      return { node, resources: versionResources(node, older, [VERSIONS, segment]) };
    });
  }
}

/**
 * Versions named by their Unix time, as Nextcloud names them (its version id is the mtime); the
 * oldest of a second keeps the plain name, later ones of that second get ".{start of their id}".
 * nc:version-author is the author's user name (Plugin.php's VERSION_AUTHOR); nc:version-label is
 * empty: Coffer keeps no labels.
 */
function versionResources(node: Node, versions: ListedVersion[], parent: string[]): DavResource[] {
  const seen = new Set<string>();
  // Oldest first, so the first of each second is the one with the plain name.
  const named = [...versions].reverse().map((v) => {
    const second = String(Math.floor(v.created_at.getTime() / 1000));
    const name = seen.has(second) ? `${second}.${v.id.slice(0, 8)}` : second;
    seen.add(second);
    return { v, name };
  });
  return named.reverse().map(({ v, name }) => ({
    id: v.id,
    path: [...parent, name],
    collection: false,
    size: v.size,
    etag: v.id.replaceAll('-', ''),
    contentType: v.mime ?? node.mime,
    createdAt: v.created_at,
    modifiedAt: v.created_at,
    sha1: v.sha1,
    permissions: 'G',
    readOnly: true,
    extra: [
      { name: { ns: NC_NS, local: 'version-author' }, text: v.author_name ?? '' },
      { name: { ns: NC_NS, local: 'version-label' }, text: '' },
    ],
  }));
}
