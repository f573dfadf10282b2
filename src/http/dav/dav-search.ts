import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import type { AccessibleNode } from '../../services/access.service.js';
import type { SearchRequest } from '../../services/search.service.js';
import type { DavResource, DavSearchQuery } from '../../webdav/backend.js';
import { rangesOf } from '../../util/search-ranges.js';

/** Where a search starts in the caller's DAV tree, as the backend found it. */
export type DavSearchScope =
  /** The top of the tree: everything the caller reaches. */
  | { kind: 'all' }
  /** The virtual folder of shares, or of organisation spaces: what is reached that way. */
  | { kind: 'shared' }
  | { kind: 'spaces' }
  /** A real folder (own, in a share or in a space): what lies beneath it. */
  | { kind: 'folder'; id: string }
  /** Somewhere nothing can be found (the trash). */
  | { kind: 'none' };

export interface DavSearchPlaces {
  /** Names of the virtual folders in this caller's tree ("Shared with me", "Spaces", or "… (2)"). */
  sharedName(): Promise<string>;
  spacesName(): Promise<string>;
  /** The resource for a node found at `path`, with the permissions its grant gives. */
  resource(item: AccessibleNode, path: string[]): DavResource;
}

const PAGE = 200;

/**
 * SEARCH over the caller's WebDAV tree through the core's search (the same access rules and
 * index as the REST API): each hit placed at its DAV path, which depends on how it is reached
 * (own files at their path, shares below "Shared with me", organisation spaces below "Spaces").
 */
export async function davSearch(core: Core, ctx: CallContext, scope: DavSearchScope, q: DavSearchQuery, places: DavSearchPlaces): Promise<DavResource[]> {
  if (scope.kind === 'none') return [];
  const folder = scope.kind === 'folder' ? scope.id : undefined;
  // Depth 1 of a virtual folder lists its mounts, which PROPFIND shows; a search there finds what is beneath.
  const request: SearchRequest = {
    q: q.nameContains,
    in: 'name',
    kind: q.kind,
    types: q.types,
    ...rangesOf(q),
    ...(q.depth === '1' && folder ? { parentId: folder } : { folderId: folder }),
    limit: PAGE,
  };
  const out: DavResource[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await core.search.search(ctx, { ...request, cursor });
    for (const hit of page.hits) {
      const source = hit.item.grant.source;
      if (scope.kind === 'shared' && source !== 'share') continue;
      if (scope.kind === 'spaces' && source !== 'member' && source !== 'support') continue;
      const path = await davPath(hit.item, places);
      if (!path) continue;
      out.push(places.resource(hit.item, path));
      if (out.length >= q.max) return out;
    }
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

/** A reachable node's path in the caller's DAV tree, or null where that tree does not show it. */
export async function davPath(item: AccessibleNode, places: Pick<DavSearchPlaces, 'sharedName' | 'spacesName'>): Promise<string[] | null> {
  const names = item.path.split('/').filter((s) => s.length > 0);
  const { grant } = item;
  switch (grant.source) {
    case 'owner':
      return names;
    case 'share': {
      const below: string[] = [];
      for (const n of item.chain) {
        if (n.id === grant.rootId) break;
        below.unshift(n.name);
      }
      return [await places.sharedName(), grant.mountName, ...below];
    }
    case 'member':
    case 'support':
      return [await places.spacesName(), item.space.name, ...names];
    default:
      return null;
  }
}
