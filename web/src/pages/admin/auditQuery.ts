import type { AuditQuery } from '../../api/endpoints';

export const AUDIT_PAGE_SIZE = 50;

/** The filter form as typed: selects and `datetime-local` values, all strings. */
export interface AuditForm {
  userId: string;
  action: string;
  pathPrefix: string;
  /** `YYYY-MM-DDTHH:mm` in the admin's time zone, or empty. */
  from: string;
  to: string;
}

export type AuditFilters = Omit<AuditQuery, 'limit' | 'offset'>;

export const EMPTY_AUDIT_FORM: AuditForm = { userId: '', action: '', pathPrefix: '', from: '', to: '' };

/** A local date-time from the form as the ISO instant the API wants, or undefined when empty or unreadable. */
function isoOf(local: string): string | undefined {
  if (!local.trim()) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The API filters for a form: empty fields are left out rather than sent blank. */
export function auditQueryFromForm(form: AuditForm): AuditFilters {
  const filters: AuditFilters = {};
  if (form.userId) filters.user_id = form.userId;
  if (form.action.trim()) filters.action = form.action.trim();
  if (form.pathPrefix.trim()) filters.path_prefix = form.pathPrefix.trim();
  const from = isoOf(form.from);
  const to = isoOf(form.to);
  if (from) filters.from = from;
  if (to) filters.to = to;
  return filters;
}

/** Why the form cannot be applied, or null. */
export function auditFormProblem(form: AuditForm): string | null {
  const { from, to } = auditQueryFromForm(form);
  if (from && to && from >= to) return '“From” must be earlier than “To”.';
  return null;
}

/** The actions Coffer records, grouped for the filter; the server matches the action exactly. */
export const AUDIT_ACTIONS: { group: string; actions: { value: string; label: string }[] }[] = [
  {
    group: 'Sign-in',
    actions: [
      { value: 'auth.login', label: 'Sign in' },
      { value: 'auth.logout', label: 'Sign out' },
      { value: 'auth.logout-all', label: 'Sign out everywhere' },
      { value: 'auth.refresh', label: 'Session renewed' },
      { value: 'session.open', label: 'Device session opened' },
      { value: 'session.end', label: 'Device session ended' },
      { value: 'app-password.create', label: 'App password created' },
      { value: 'app-password.revoke', label: 'App password revoked' },
    ],
  },
  {
    group: 'Files',
    actions: [
      { value: 'file.upload', label: 'Upload' },
      { value: 'file.overwrite', label: 'Overwrite' },
      { value: 'file.download', label: 'Download' },
      { value: 'folder.create', label: 'Create folder' },
      { value: 'node.rename', label: 'Rename' },
      { value: 'node.move', label: 'Move' },
      { value: 'node.copy', label: 'Copy' },
      { value: 'node.touch', label: 'Touch' },
      { value: 'node.delete', label: 'Move to trash' },
      { value: 'node.restore', label: 'Restore from trash' },
      { value: 'node.purge', label: 'Delete forever' },
      { value: 'version.restore', label: 'Restore version' },
    ],
  },
  {
    group: 'Accounts',
    actions: [
      { value: 'account.update', label: 'Account changed' },
      { value: 'account.password.change', label: 'Password changed' },
      { value: 'admin.user.create', label: 'User created (admin)' },
      { value: 'admin.user.update', label: 'User changed (admin)' },
      { value: 'admin.user.password', label: 'Password set (admin)' },
    ],
  },
  {
    group: 'Maintenance',
    actions: [
      { value: 'fsck.repair', label: 'Repair' },
      { value: 'fsck.repair.usage', label: 'Usage repair' },
    ],
  },
];
