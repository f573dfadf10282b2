import type { Core } from '../../core/core.js';
import type { CallContext } from '../../core/context.js';
import { CofferError } from '../../core/errors.js';
import type { DavLock, DavResource, DeadProperty, LockStore } from '../../webdav/backend.js';
import type { DavClientFacts } from '../../webdav/client-properties.js';
import { DavError } from '../../webdav/errors.js';
import { davErrorOf } from './core-dav-backend.js';

/**
 * Nextcloud's trash bin and versions trees (nextcloud-trashbin.ts, nextcloud-versions.ts) hold
 * nothing that can be locked: a LOCK there is refused, and no lock ever stands in a write's way.
 */
export const NO_LOCKS: LockStore = {
  covering: async (): Promise<DavLock[]> => [],
  under: async (): Promise<DavLock[]> => [],
  create: async () => {
    throw new DavError(403, 'Nothing here can be locked');
  },
  refresh: async () => null,
  remove: async () => false,
  removeUnder: async () => undefined,
};

/** A virtual collection of these trees (their roots, trash/, restore/). */
export function virtualCollection(path: string[], etag: string, readOnly: boolean, at = new Date(0)): DavResource {
  return { id: `nc-${path.join('/')}`, path, collection: true, size: 0, etag, contentType: null, createdAt: at, modifiedAt: at, sha1: null, permissions: readOnly ? 'G' : 'GCK', readOnly };
}

/**
 * The clients' facts of these trees' items: nobody stars or shares a trashed item or an old
 * version, and nc:has-preview says what /index.php/core/preview answers (preview.routes.ts).
 */
export function plainFacts(core: Core, resources: DavResource[]): Map<string, DavClientFacts> {
  return new Map(
    resources.map((r) => [r.id, { favorite: false, shareTypes: [], owner: null, mountType: null, hasPreview: !r.collection && core.previews.makesPreviewOf(r.contentType) }]),
  );
}

export async function quotaOf(core: Core, ctx: CallContext): Promise<{ used: number; available: number | null }> {
  const usage = await core.users.usage(ctx.actor.userId);
  return { used: usage.used, available: usage.available };
}

export function readOnlyHere(what: string): never {
  throw new DavError(403, what);
}

/** Runs a core call and turns its errors into protocol errors with the same status and message. */
export async function viaCore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CofferError) throw davErrorOf(err);
    throw err;
  }
}

/**
 * What the trash bin and versions trees have in common: the caller's, on no lock, and holding
 * items nobody edits, annotates or stars (`frozen` says why, in the refusals).
 */
export abstract class FrozenItemsTree {
  readonly principal: string;
  readonly instanceId: string;
  readonly locks: LockStore = NO_LOCKS;

  constructor(
    protected readonly core: Core,
    protected readonly ctx: CallContext,
    private readonly frozen: { change: string; favorite: string },
  ) {
    this.principal = ctx.actor.userId;
    this.instanceId = core.instanceId;
  }

  async setModifiedAt(): Promise<never> {
    readOnlyHere(this.frozen.change);
  }

  async deadProperties(): Promise<Map<string, DeadProperty[]>> {
    return new Map();
  }

  async patchDeadProperties(): Promise<never> {
    readOnlyHere(this.frozen.change);
  }

  async clientFacts(resources: DavResource[]): Promise<Map<string, DavClientFacts>> {
    return plainFacts(this.core, resources);
  }

  async setFavorite(): Promise<never> {
    readOnlyHere(this.frozen.favorite);
  }

  async favorites(): Promise<DavResource[]> {
    return [];
  }
}
