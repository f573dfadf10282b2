import type { Role, UserStatus } from '../../api/types';

const STATUS: Record<UserStatus, { label: string; tone: string }> = {
  active: { label: 'Active', tone: 'badge-success' },
  pending: { label: 'Pending', tone: 'badge-warning' },
  suspended: { label: 'Suspended', tone: 'badge-danger' },
  deleted: { label: 'Deleted', tone: '' },
};

export function StatusBadge({ status }: { status: UserStatus }) {
  const { label, tone } = STATUS[status];
  return <span className={`badge ${tone}`}>{label}</span>;
}

export function RoleBadge({ role }: { role: Role }) {
  return role === 'admin' ? <span className="badge badge-accent">Admin</span> : <span className="badge">User</span>;
}

/** Audit results are free text on the server; the two it writes today get colours. */
export function ResultBadge({ result }: { result: string }) {
  const tone = result === 'success' ? 'badge-success' : result === 'failure' ? 'badge-danger' : '';
  const label = result ? result.charAt(0).toUpperCase() + result.slice(1) : '—';
  return <span className={`badge ${tone}`}>{label}</span>;
}
