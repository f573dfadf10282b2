import { useQueries, useQuery } from '@tanstack/react-query';
import type { IncomingShare } from '../../api/share-types';
import type { FileNode } from '../../api/types';
import { SHARED_WITH_ME_PATH, sharedMountOf } from '../../sharing/access';
import { useServices } from '../../app-context';
import { resolveKey } from './listing';

export const ROOT_NAME = 'My files';

export interface Crumb {
  name: string;
  path: string;
  /** The folder's id; null while it is still being looked up. */
  id: string | null;
  /** Where the crumb leads when that is not a folder view ("Shared with me"). */
  href?: string;
}

function ancestorPaths(path: string): string[] {
  const segments = path.split('/').filter(Boolean);
  return segments.map((_, i) => `/${segments.slice(0, i + 1).join('/')}`);
}

/**
 * The trail from the root to `folder`. Paths come with the listing, ids do not: the parent's id
 * is known, folders visited before are cached by path, and the rest are looked up by path.
 */
export function useCrumbs(folder: FileNode | undefined, share?: IncomingShare | null): Crumb[] {
  const { api, endpoints } = useServices();
  // In an organisation's space the trail starts at the space, and its folders are found by their path in it.
  const spaces = useQuery({ queryKey: ['spaces'], queryFn: () => endpoints.spaces(), staleTime: 60_000, enabled: folder?.space_id !== undefined });
  const orgSpace = spaces.data?.items.find((s) => s.id === folder?.space_id && s.org !== null);
  const path = folder?.path ?? '/';
  const paths = folder ? ancestorPaths(path) : [];
  const parentPath = paths.at(-2);
  const lookups = paths.slice(0, -2);
  // Inside "Shared with me" the top two steps are not folders to look up: the list of shares, and
  // the shared folder, whose parent belongs to its owner.
  const inShared = sharedMountOf(path) !== null;
  const mountPath = share ? `${SHARED_WITH_ME_PATH}/${share.mount_name}` : undefined;
  const resolved = useQueries({
    queries: lookups.map((p) => ({
      queryKey: resolveKey(p, folder?.space_id),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        orgSpace ? api.get<FileNode>(`/spaces/${encodeURIComponent(orgSpace.id)}/metadata${p.split('/').map(encodeURIComponent).join('/')}`, undefined, signal) : api.get<FileNode>('/resolve', { path: p }, signal),
      staleTime: 5 * 60_000,
      // Which space the folder is in must be known first: the same path means another folder elsewhere.
      enabled: !(inShared && (p === SHARED_WITH_ME_PATH || p === mountPath)) && (folder?.space_id === undefined || spaces.isSuccess),
    })),
  });
  if (!folder) return [];
  const crumbs: Crumb[] = [
    orgSpace ? { name: orgSpace.name, path: '/', id: orgSpace.root_folder_id } : { name: ROOT_NAME, path: '/', id: folder.parent_id === null ? folder.id : 'root' },
  ];
  paths.forEach((p, i) => {
    const name = p.slice(p.lastIndexOf('/') + 1);
    if (inShared && p === SHARED_WITH_ME_PATH) {
      crumbs.push({ name, path: p, id: 'shared', href: '/shared' });
      return;
    }
    const id = p === path ? folder.id : p === mountPath ? (share?.node_id ?? null) : p === parentPath ? folder.parent_id : (resolved[i]?.data?.id ?? null);
    crumbs.push({ name, path: p, id });
  });
  return crumbs;
}
