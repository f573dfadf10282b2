import type { LinkPermission, ShareRole } from '../../db/schema.js';
import { OcsError } from './ocs-envelope.js';

/**
 * Nextcloud's share permission bits (OCP\Constants::PERMISSION_*), as the apps send and read
 * them in the sharing API, translated to and from Coffer's roles and link permissions. The rules
 * (who may give which role) stay in the services; this only translates.
 */
export const NC_READ = 1;
export const NC_UPDATE = 2;
export const NC_CREATE = 4;
export const NC_DELETE = 8;
export const NC_SHARE = 16;
const NC_WRITE = NC_UPDATE | NC_CREATE | NC_DELETE;

/**
 * The bits of a share with a person in a role. As Nextcloud does for files, a file's share
 * carries no create or delete bit (there is nothing to create or delete in a file).
 */
export function roleBits(role: ShareRole, kind: 'file' | 'folder'): number {
  const write = kind === 'folder' ? NC_WRITE : NC_UPDATE;
  if (role === 'viewer') return NC_READ;
  if (role === 'editor') return NC_READ | write;
  return NC_READ | write | NC_SHARE;
}

/**
 * The role for the bits an app asks for: read alone is a viewer; any change (update, create,
 * delete) an editor; a change and resharing a manager. Coffer has no role that may reshare but
 * not change anything, so read+share is refused rather than given more or less than asked.
 */
export function roleOfBits(bits: number): ShareRole {
  if (!Number.isInteger(bits) || bits < 1 || bits > 31) throw new OcsError(400, `Invalid permissions ${bits}: give a sum of 1 (read), 2 (update), 4 (create), 8 (delete) and 16 (share)`);
  if ((bits & NC_READ) === 0) throw new OcsError(400, 'A share with a person must at least let them read (permission 1)');
  const writes = (bits & NC_WRITE) !== 0;
  if ((bits & NC_SHARE) !== 0 && !writes) {
    throw new OcsError(400, 'Coffer lets only people who can edit share further: ask for read (1), edit (15) or edit and share (31)');
  }
  if ((bits & NC_SHARE) !== 0) return 'manager';
  return writes ? 'editor' : 'viewer';
}

/** A link's bits: read 1, file drop 4 (create only), read-write 15, as Nextcloud shows them. */
export function linkBits(permission: LinkPermission): number {
  if (permission === 'read') return NC_READ;
  if (permission === 'upload') return NC_CREATE;
  return NC_READ | NC_WRITE;
}

/**
 * The link permission for the bits an app asks for (the share bit, which Nextcloud uses for
 * federated resharing of links, is ignored): create alone is a file drop, read alone read-only,
 * read with any change read-write.
 */
export function linkPermissionOfBits(bits: number): LinkPermission {
  if (!Number.isInteger(bits) || bits < 1 || bits > 31) throw new OcsError(400, `Invalid permissions ${bits}: give 1 (read only), 4 (file drop) or 15 (read and write)`);
  const b = bits & ~NC_SHARE;
  if (b === NC_CREATE) return 'upload';
  if (b === NC_READ) return 'read';
  if ((b & NC_READ) !== 0) return 'read-write';
  throw new OcsError(400, `Invalid permissions ${bits} for a link: give 1 (read only), 4 (file drop) or 15 (read and write)`);
}
