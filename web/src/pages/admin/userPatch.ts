import type { Endpoints } from '../../api/endpoints';
import type { Role, User } from '../../api/types';
import { quotaFromBytes, quotaToBytes, type QuotaState } from './quota';

export type UserPatch = Parameters<Endpoints['updateUser']>[1];
export type EditableStatus = 'active' | 'pending' | 'suspended';

export interface EditUserForm {
  displayName: string;
  email: string;
  role: Role;
  status: EditableStatus;
  quota: QuotaState;
  /** Empty keeps the current password. */
  password: string;
}

export type PatchResult = { ok: true; patch: UserPatch } | { ok: false; problems: { displayName?: string; quota?: string } };

/** Only what changed, so saving an untouched field never overwrites someone else's change to it. */
export function userPatch(user: User, form: EditUserForm): PatchResult {
  const problems: { displayName?: string; quota?: string } = {};
  const patch: UserPatch = {};

  const displayName = form.displayName.trim();
  if (!displayName) problems.displayName = 'Enter a display name';
  else if (displayName !== user.display_name) patch.display_name = displayName;

  const email = form.email.trim() || null;
  if (email !== (user.email ?? null)) patch.email = email;

  if (form.role !== user.role) patch.role = form.role;
  if (form.status !== user.status) patch.status = form.status;

  const quota = quotaToBytes(form.quota);
  if (!quota.ok) problems.quota = quota.error;
  else if (quota.bytes === undefined) {
    // Left empty: only a problem when there was a quota to keep.
    if (user.quota_bytes !== undefined) problems.quota = 'Enter a quota, or choose Unlimited';
  } else if (quota.bytes !== user.quota_bytes) patch.quota_bytes = quota.bytes;

  if (form.password) patch.password = form.password;

  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, patch };
}

export function editFormOf(user: User): EditUserForm {
  return {
    displayName: user.display_name,
    email: user.email ?? '',
    role: user.role,
    status: user.status === 'deleted' ? 'suspended' : user.status,
    quota: quotaFromBytes(user.quota_bytes),
    password: '',
  };
}
