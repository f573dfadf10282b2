import type { LinkPermission, ShareRole } from '../db/schema.js';

/**
 * What an actor may do to a node. `share` hands access on to others (never above one's own);
 * `manage` changes the item itself as its owner does: rename, move or delete the top of a
 * share, change or revoke everyone's shares and links.
 */
export type Permission = 'read' | 'list' | 'create' | 'write' | 'delete' | 'share' | 'manage';

/**
 * Why an actor may reach a node: one source of access, found in the same query as the node.
 * Organisation roles, service accounts and support grants join as further kinds.
 */
export type Grant =
  | { source: 'owner' }
  | { source: 'share'; shareId: string; role: ShareRole; rootId: string; mountName: string }
  | { source: 'link'; linkId: string; permission: LinkPermission; rootId: string };

const SHARE_PERMISSIONS: Record<ShareRole, readonly Permission[]> = {
  viewer: ['read', 'list'],
  editor: ['read', 'list', 'create', 'write', 'delete'],
  manager: ['read', 'list', 'create', 'write', 'delete', 'share'],
};

const LINK_PERMISSIONS: Record<LinkPermission, readonly Permission[]> = {
  read: ['read', 'list'],
  // A file drop: visitors add files but see nothing, not even what others dropped, and change nothing.
  upload: ['create'],
  'read-write': ['read', 'list', 'create', 'write', 'delete'],
};

export const ROLE_RANK: Record<ShareRole, number> = { viewer: 1, editor: 2, manager: 3 };

/** Everything a grant allows, on the node it was found for. */
export function permissionsOf(grant: Grant): readonly Permission[] {
  switch (grant.source) {
    case 'owner':
      return ['read', 'list', 'create', 'write', 'delete', 'share', 'manage'];
    case 'share':
      return SHARE_PERMISSIONS[grant.role];
    case 'link':
      return LINK_PERMISSIONS[grant.permission];
  }
}

/**
 * Whether `grant` allows `permission` on `nodeId`. The top of a share or link belongs to the
 * owner's tree, not to the recipient's: renaming, moving or deleting it needs `manage`.
 */
export function allows(grant: Grant, permission: Permission, nodeId: string): boolean {
  if (grant.source !== 'owner' && nodeId === grant.rootId && permission === 'delete') return false;
  return permissionsOf(grant).includes(permission);
}

/** The stronger of two grants on one node (a share further down may give more than one above). */
export function stronger(a: Grant | null, b: Grant): Grant {
  if (!a) return b;
  if (a.source === 'owner') return a;
  if (b.source === 'owner') return b;
  if (a.source === 'share' && b.source === 'share') return ROLE_RANK[b.role] > ROLE_RANK[a.role] ? b : a;
  return a;
}

/** The virtual folder at the top of a person's tree that holds what others share with them. */
export const SHARED_WITH_ME = 'Shared with me';
