import type { LinkPermission, ShareRole, SupportAccess } from '../db/schema.js';

/**
 * What an actor may do to a node. `share` hands access on to others (never above one's own);
 * `manage` changes the item itself as its owner does: rename, move or delete the top of a
 * share, change or revoke everyone's shares and links; `purge` deletes for good, past the trash.
 */
export type Permission = 'read' | 'list' | 'create' | 'write' | 'delete' | 'share' | 'manage' | 'purge';

/**
 * Why an actor may reach a node: one source of access, found in the same query as the node.
 */
export type Grant =
  | { source: 'owner' }
  /** A member of an organisation's space, with the role their org role, space role and groups give them there. */
  | { source: 'member'; role: ShareRole; spaceId: string; rootId: string }
  | { source: 'share'; shareId: string; role: ShareRole; rootId: string; mountName: string }
  /** An organisation's application, below the folder its scope names (`rootId`). */
  | { source: 'service'; accountId: string; permissions: readonly Permission[]; rootId: string }
  | { source: 'link'; linkId: string; permission: LinkPermission; rootId: string }
  /** A support session a tenant's owner approved: for its time, on its space, read-only unless they gave more. */
  | { source: 'support'; requestId: string; access: SupportAccess; spaceId: string; rootId: string }
  /** The instance's operator at the command line, on an organisation's space (see `isOperator`): a manager's permissions. */
  | { source: 'operator'; spaceId: string; rootId: string };

const SHARE_PERMISSIONS: Record<ShareRole, readonly Permission[]> = {
  viewer: ['read', 'list'],
  editor: ['read', 'list', 'create', 'write', 'delete'],
  manager: ['read', 'list', 'create', 'write', 'delete', 'share'],
};

/** A space manager runs everything in the space as an owner runs their own; the space itself is the org's. */
const MEMBER_PERMISSIONS: Record<ShareRole, readonly Permission[]> = {
  viewer: ['read', 'list'],
  editor: ['read', 'list', 'create', 'write', 'delete'],
  manager: ['read', 'list', 'create', 'write', 'delete', 'share', 'manage', 'purge'],
};

const LINK_PERMISSIONS: Record<LinkPermission, readonly Permission[]> = {
  read: ['read', 'list'],
  // A file drop: visitors add files but see nothing, not even what others dropped, and change nothing.
  upload: ['create'],
  'read-write': ['read', 'list', 'create', 'write', 'delete'],
};

/** Support reads, or at most edits as an editor would: never shares, manages or purges. */
const SUPPORT_PERMISSIONS: Record<SupportAccess, readonly Permission[]> = {
  read: ['read', 'list'],
  write: ['read', 'list', 'create', 'write', 'delete'],
};

export const ROLE_RANK: Record<ShareRole, number> = { viewer: 1, editor: 2, manager: 3 };

/** Everything a grant allows, on the node it was found for. */
export function permissionsOf(grant: Grant): readonly Permission[] {
  switch (grant.source) {
    case 'owner':
      return ['read', 'list', 'create', 'write', 'delete', 'share', 'manage', 'purge'];
    case 'member':
      return MEMBER_PERMISSIONS[grant.role];
    case 'operator':
      return MEMBER_PERMISSIONS.manager;
    case 'share':
      return SHARE_PERMISSIONS[grant.role];
    case 'link':
      return LINK_PERMISSIONS[grant.permission];
    case 'service':
      return grant.permissions;
    case 'support':
      return SUPPORT_PERMISSIONS[grant.access];
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

/** How much a grant allows, to compare two on one node. */
function rank(g: Grant): number {
  if (g.source === 'owner') return 10;
  // A member's role allows `manage` on top of a share's of the same name.
  if (g.source === 'member') return ROLE_RANK[g.role] * 2 + 1;
  if (g.source === 'share') return ROLE_RANK[g.role] * 2;
  return 0;
}

/** The stronger of two grants on one node (a share further down may give more than a space role above). */
export function stronger(a: Grant | null, b: Grant): Grant {
  if (!a) return b;
  return rank(b) > rank(a) ? b : a;
}

/** The virtual folder at the top of a person's tree that holds what others share with them. */
export const SHARED_WITH_ME = 'Shared with me';

/** The virtual folder at the top of a person's WebDAV tree that holds their organisations' spaces. */
export const SPACES_FOLDER = 'Spaces';
