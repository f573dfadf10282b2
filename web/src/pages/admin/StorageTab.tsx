import { useQuery } from '@tanstack/react-query';
import { Archive, Files, HardDrive, History, Trash2, Users } from 'lucide-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { StorageOverview } from '../../api/types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatBytes } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { usageRatio, usageTone } from './UsersTable';
import { usersSearchLink } from './usersView';

export function StorageTab() {
  const api = useApi();
  const query = useQuery({ queryKey: ['admin', 'storage'], queryFn: () => api.storage() });
  return (
    <section aria-labelledby="admin-storage-title">
      <h2 id="admin-storage-title">Storage</h2>
      {query.isPending ? <Spinner label="Loading storage" /> : null}
      {query.isError ? (
        <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
      ) : null}
      {query.data ? (
        <>
          <StorageSummary overview={query.data} />
          <TopUsers overview={query.data} />
        </>
      ) : null}
    </section>
  );
}

function StorageSummary({ overview }: { overview: StorageOverview }) {
  return (
    <ul className="admin-stats" aria-label="Storage totals">
      <Stat icon={<HardDrive aria-hidden size={20} />} label="Total used" value={formatBytes(overview.used)} note="Files, trash and old versions" />
      <Stat icon={<Files aria-hidden size={20} />} label="Files" value={formatBytes(overview.files)} />
      <Stat icon={<Trash2 aria-hidden size={20} />} label="Trash" value={formatBytes(overview.trash)} />
      <Stat icon={<History aria-hidden size={20} />} label="Old versions" value={formatBytes(overview.versions)} />
      <Stat icon={<Users aria-hidden size={20} />} label="Users" value={overview.users.toLocaleString()} />
      <Stat
        icon={<Archive aria-hidden size={20} />}
        label="Quota allocated"
        value={overview.quota_total === null ? 'Unlimited' : formatBytes(overview.quota_total)}
        note={overview.quota_total === null ? 'At least one account has no limit' : undefined}
      />
    </ul>
  );
}

function Stat({ icon, label, value, note }: { icon: ReactNode; label: string; value: string; note?: string }) {
  return (
    <li className="card admin-stat">
      <span className="admin-stat-label">
        {icon}
        {label}
      </span>
      <strong className="admin-stat-value">{value}</strong>
      {note ? <span className="muted admin-stat-note">{note}</span> : null}
    </li>
  );
}

function TopUsers({ overview }: { overview: StorageOverview }) {
  // The server sends them heaviest first; sorted again so the order never depends on that.
  const users = [...overview.top_users].sort((a, b) => b.used - a.used);
  return (
    <>
      <h3 className="admin-subtitle">Usage by user</h3>
      {users.length === 0 ? (
        <EmptyState title="No usage yet">Nobody has stored anything so far.</EmptyState>
      ) : (
        <>
          <DataTable
            className="admin-storage-table"
            caption="Users using the most storage, largest first"
            columns={['User', { label: 'Used', className: 'num' }, { label: 'Quota', className: 'num hide-phone' }, 'Of quota']}
          >
            {users.map((u) => {
              const ratio = u.quota === null ? undefined : usageRatio(u.used, u.quota);
              return (
                <tr key={u.id}>
                  <td className="wrap-anywhere">
                    <Link to={usersSearchLink(u.username)}>
                      {u.username}
                      <span className="sr-only"> (show in Users)</span>
                    </Link>
                  </td>
                  <td className="num nowrap">{formatBytes(u.used)}</td>
                  <td className="num nowrap hide-phone">{u.quota === null ? 'Unlimited' : formatBytes(u.quota)}</td>
                  <td>
                    {ratio === undefined ? (
                      <span className="muted">No limit</span>
                    ) : (
                      <div className="admin-percent">
                        <span className="nowrap">{Math.round(ratio * 100)}%</span>
                        <ProgressBar value={ratio} label={`${u.username} has used ${Math.round(ratio * 100)}% of their quota`} tone={usageTone(ratio)} />
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
          {overview.users > users.length ? (
            <p className="muted admin-storage-note">
              The {users.length} users using the most storage. <Link to="/admin/users?sort=used">See every user by storage used</Link>
            </p>
          ) : null}
        </>
      )}
    </>
  );
}
