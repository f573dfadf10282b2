import { useMutation } from '@tanstack/react-query';
import { ArrowDown, ArrowUp, ArrowUpDown, Pencil, UserCheck, UserX } from 'lucide-react';
import { errorMessage } from '../../api/errors';
import type { User } from '../../api/types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { formatBytes, formatDate } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { useToast } from '../../ui/Toasts';
import { RoleBadge, StatusBadge } from './badges';
import { useRefreshAfterUserChange } from './invalidate';
import type { UserSort, UsersView } from './usersView';

interface UsersTableProps {
  users: User[];
  view: UsersView;
  myId: string | undefined;
  onSort: (sort: UserSort) => void;
  onEdit: (user: User) => void;
  onSuspend: (user: User) => void;
}

export function UsersTable({ users, view, myId, onSort, onEdit, onSuspend }: UsersTableProps) {
  return (
    <DataTable
      className="admin-users-table"
      caption={`Users, sorted by ${sortName(view.sort)}`}
      columns={[
        <SortHeader label="User" column="username" view={view} onSort={onSort} />,
        { label: 'Email', className: 'hide-phone' },
        { label: 'Role', className: 'hide-phone' },
        { label: 'Status', className: 'hide-phone' },
        <SortHeader label="Storage" column="used" view={view} onSort={onSort} />,
        <SortHeader label="Created" column="created" view={view} onSort={onSort} className="hide-phone" />,
      ]}
      actionsLabel="Actions"
    >
      {users.map((user) => (
        <UserRow key={user.id} user={user} isMe={user.id === myId} onEdit={onEdit} onSuspend={onSuspend} />
      ))}
    </DataTable>
  );
}

function sortName(sort: UserSort): string {
  return sort === 'username' ? 'username' : sort === 'used' ? 'storage used' : 'creation date';
}

function SortHeader({ label, column, view, onSort, className }: { label: string; column: UserSort; view: UsersView; onSort: (s: UserSort) => void; className?: string }) {
  const active = view.sort === column;
  const Icon = !active ? ArrowUpDown : view.order === 'asc' ? ArrowUp : ArrowDown;
  return (
    <th scope="col" className={className} aria-sort={active ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <Icon aria-hidden size={14} className={active ? undefined : 'admin-sort-idle'} />
      </button>
    </th>
  );
}

function UserRow({ user, isMe, onEdit, onSuspend }: { user: User; isMe: boolean; onEdit: (u: User) => void; onSuspend: (u: User) => void }) {
  return (
    <tr>
      <td>
        <div className="admin-user-cell">
          <span className="admin-username">
            <strong>{user.username}</strong>
            {isMe ? <span className="badge admin-you">You</span> : null}
          </span>
          {user.display_name && user.display_name !== user.username ? <span className="muted">{user.display_name}</span> : null}
          {/* Phones drop the Role and Status columns; the badges move here instead. */}
          <span className="admin-phone-only admin-inline-badges">
            {user.role === 'admin' ? <RoleBadge role={user.role} /> : null}
            <StatusBadge status={user.status} />
          </span>
        </div>
      </td>
      <td className="hide-phone wrap-anywhere">{user.email ?? <span className="muted">—</span>}</td>
      <td className="hide-phone">
        <RoleBadge role={user.role} />
      </td>
      <td className="hide-phone">
        <StatusBadge status={user.status} />
      </td>
      <td>
        <UsageCell user={user} />
      </td>
      <td className="hide-phone nowrap">
        <time dateTime={user.created_at}>{formatDate(user.created_at)}</time>
      </td>
      <td className="actions-cell">
        <div className="button-row admin-row-actions">
          <button type="button" className="button button-small" aria-label={`Edit ${user.username}`} onClick={() => onEdit(user)}>
            <Pencil aria-hidden size={15} />
            <span className="hide-phone">Edit</span>
          </button>
          {isMe ? null : <StatusActionButton user={user} onSuspend={onSuspend} />}
        </div>
      </td>
    </tr>
  );
}

/** Used of quota, with a bar when there is a limit. */
export function UsageCell({ user }: { user: Pick<User, 'username' | 'used_bytes' | 'quota_bytes'> }) {
  const used = user.used_bytes ?? 0;
  const quota = user.quota_bytes;
  const ratio = typeof quota === 'number' ? usageRatio(used, quota) : undefined;
  return (
    <div className="admin-usage">
      <span className="nowrap">
        {formatBytes(used)} / {quota === null ? 'Unlimited' : quota === undefined ? '—' : formatBytes(quota)}
      </span>
      {ratio !== undefined ? <ProgressBar value={ratio} label={`Storage used by ${user.username}`} tone={usageTone(ratio)} /> : null}
    </div>
  );
}

export function usageRatio(used: number, quota: number): number {
  if (quota > 0) return used / quota;
  return used > 0 ? 1 : 0;
}

export function usageTone(ratio: number): 'normal' | 'warning' | 'danger' {
  return ratio >= 1 ? 'danger' : ratio >= 0.9 ? 'warning' : 'normal';
}

/**
 * One button that suspends an active user or reactivates the others; staying the same element
 * keeps keyboard focus on it when the row's status flips.
 */
function StatusActionButton({ user, onSuspend }: { user: User; onSuspend: (u: User) => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterUserChange();
  const reactivate = useMutation({
    mutationFn: () => api.reactivateUser(user.id),
    onSuccess: async () => {
      toast.success(`Reactivated ${user.username}`);
      await refresh(user.id);
    },
    onError: (err) => toast.error(`Could not reactivate ${user.username}: ${errorMessage(err)}`),
  });
  const suspends = user.status === 'active';
  const Icon = suspends ? UserX : UserCheck;
  const verb = suspends ? 'Suspend' : 'Reactivate';
  return (
    <button
      type="button"
      className={suspends ? 'button button-small button-ghost admin-suspend' : 'button button-small'}
      aria-label={`${verb} ${user.username}`}
      // Not `disabled` while busy: a disabled button drops keyboard focus.
      aria-disabled={reactivate.isPending || undefined}
      onClick={() => {
        if (reactivate.isPending) return;
        if (suspends) onSuspend(user);
        else reactivate.mutate();
      }}
    >
      <Icon aria-hidden size={15} />
      <span className="hide-phone">{reactivate.isPending ? 'Reactivating…' : verb}</span>
    </button>
  );
}
