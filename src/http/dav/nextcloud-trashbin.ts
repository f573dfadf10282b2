import type { Readable } from 'node:stream';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import type { DavBackend, DavResource } from '../../webdav/backend.js';
import type { DavClientBackend } from '../../webdav/client-properties.js';
import { DavError } from '../../webdav/errors.js';
import { trashItemNamed, trashPages } from './core-dav-backend.js';
import { FrozenItemsTree, quotaOf, readOnlyHere, viaCore, virtualCollection } from './nextcloud-dav-common.js';

const TRASH = 'trash';
const RESTORE = 'restore';
/** What Nextcloud's TrashbinPlugin gives a trashed item: read (G) and delete (D). */
const ITEM_PERMISSIONS = 'GD';

/**
 * Nextcloud's trash bin, as its apps reach it at /remote.php/dav/trashbin/{user}/ (nextcloud/server
 * apps/files_trashbin/lib/Sabre: TrashRoot, TrashHome, RestoreFolder, TrashbinPlugin):
 *   trash/                 PROPFIND lists the items, named "{name}.d{deletion time}" as the core's
 *                          `.Trash` folder names them (the same names, the same lookup);
 *                          DELETE empties the trash
 *   trash/{item}           GET reads a trashed file, DELETE purges the item
 *   restore/               MOVE trash/{item} → restore/{anything} puts the item back where it
 *                          was (the name in restore/ is ignored, as Nextcloud ignores it)
 * Every rule (who may see, restore or purge, where a restore lands when the name is taken) is
 * the core's TrashService's; this class only maps paths onto it.
 */
export class NextcloudTrashbin extends FrozenItemsTree implements DavBackend, DavClientBackend {
  private readonly now = new Date();

  constructor(core: Core, ctx: CallContext) {
    super(core, ctx, { change: 'Items in the trash cannot be changed', favorite: 'Items in the trash cannot be favourites' });
  }

  async stat(path: string[]): Promise<DavResource | null> {
    if (path.length === 0) return virtualCollection([], 'trashbin', true);
    if (path[0] === RESTORE) return path.length === 1 ? virtualCollection([RESTORE], 'restore', false) : null;
    if (path[0] !== TRASH) return null;
    // The trash changes with every deletion anywhere: an ETag that always differs makes clients list it again.
    if (path.length === 1) return virtualCollection([TRASH], `trash-${this.now.getTime()}`, true, this.now);
    if (path.length > 2) return null; // Coffer restores and purges whole items only; their insides are not browsed here.
    const item = await trashItemNamed(this.core, this.ctx, path[1]!, [TRASH]);
    return item ? asItem(item) : null;
  }

  container(path: string[]): Promise<DavResource | null> {
    return this.stat(path);
  }

  async *members(collection: DavResource): AsyncIterable<DavResource[]> {
    if (collection.path.length === 0) {
      yield [(await this.stat([TRASH]))!, (await this.stat([RESTORE]))!];
      return;
    }
    if (collection.path.length !== 1 || collection.path[0] !== TRASH) return;
    for await (const page of trashPages(this.core, this.ctx, [TRASH])) yield page.map(asItem);
  }

  quota(): Promise<{ used: number; available: number | null }> {
    return viaCore(() => quotaOf(this.core, this.ctx));
  }

  async open(file: DavResource, range?: { start: number; end: number }): Promise<Readable> {
    return viaCore(async () => (await this.core.trash.download(this.ctx, file.id)).open(range));
  }

  async downloaded(): Promise<void> {}

  async put(): Promise<never> {
    readOnlyHere('Nothing can be uploaded into the trash; delete a file to put it there');
  }

  async mkcol(): Promise<never> {
    readOnlyHere('No folder can be made in the trash');
  }

  async delete(resource: DavResource): Promise<void> {
    const [top] = resource.path;
    if (top === TRASH && resource.path.length === 1) {
      await viaCore(() => this.core.trash.empty(this.ctx));
      return;
    }
    if (top === TRASH && resource.path.length === 2) {
      await viaCore(() => this.core.trash.deletePermanently(this.ctx, resource.id));
      return;
    }
    readOnlyHere('Only the trash or an item in it can be deleted here');
  }

  async copy(): Promise<never> {
    readOnlyHere('Restore an item from the trash (MOVE it into restore/) before copying it');
  }

  async move(source: DavResource, destination: string[]): Promise<{ created: boolean }> {
    if (source.path[0] !== TRASH || source.path.length !== 2 || destination[0] !== RESTORE || destination.length !== 2) {
      throw new DavError(403, 'Restore an item by moving trash/{item} into restore/; nothing else moves here');
    }
    await viaCore(() => this.core.trash.restore(this.ctx, source.id));
    return { created: true };
  }

}

function asItem(r: DavResource): DavResource {
  return { ...r, permissions: ITEM_PERMISSIONS };
}
