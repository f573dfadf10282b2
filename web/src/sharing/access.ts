import { useQuery } from '@tanstack/react-query';
import type { IncomingShare } from '../api/share-types';
import type { FileNode } from '../api/types';
import { useApi } from '../app-context';

/** Where shares appear in a recipient's paths: "/Shared with me/<mount name>/…". */
export const SHARED_WITH_ME = 'Shared with me';
export const SHARED_WITH_ME_PATH = `/${SHARED_WITH_ME}`;
export const INCOMING_SHARES_KEY = ['shares', 'incoming'] as const;

/** The mount name of a path inside "Shared with me"; null for the caller's own items. */
export function sharedMountOf(path: string | undefined): string | null {
  if (!path?.startsWith(`${SHARED_WITH_ME_PATH}/`)) return null;
  const mount = path.slice(SHARED_WITH_ME_PATH.length + 1).split('/')[0];
  return mount || null;
}

export interface FolderAccess {
  /** The share the folder is reached through; null for the caller's own folders. */
  share: IncomingShare | null;
  /** A viewer's folder: changing actions are hidden (the server refuses them anyway). */
  readOnly: boolean;
  /** Owners and managers may share items further. */
  canShare: boolean;
}

/**
 * What the caller may do in a folder. Listings do not carry the caller's role, so it comes from
 * the "Shared with me" entry whose mount name starts the folder's path; until that is known the
 * folder is treated as writable and not sharable, and the server has the last word.
 */
export function useFolderAccess(folder: FileNode | undefined): FolderAccess {
  const api = useApi();
  const mount = sharedMountOf(folder?.path);
  const incoming = useQuery({ queryKey: INCOMING_SHARES_KEY, queryFn: () => api.incomingShares(), enabled: mount !== null, staleTime: 60_000 });
  if (mount === null) return { share: null, readOnly: false, canShare: folder !== undefined };
  const share = incoming.data?.items.find((s) => s.mount_name === mount) ?? null;
  // No share by that name once they are known: a folder of the caller's own that happens to be called so.
  if (!share) return { share: null, readOnly: false, canShare: incoming.isSuccess };
  return { share, readOnly: share.role === 'viewer', canShare: share.role === 'manager' };
}

/** Why a viewer's change is not tried: said when a keyboard shortcut asks for one anyway. */
export const VIEWER_ONLY = 'This folder is shared with you to view only. Ask its owner for the editor role to change it.';
