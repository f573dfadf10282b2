import { useQuery } from '@tanstack/react-query';
import { Building2, FolderOpen, Table2 } from 'lucide-react';
import { Link } from 'react-router';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatBytes } from '../../ui/format';

/**
 * Every space the person can open: their own files and each organisation space they hold a role
 * on, with the organisations they help run.
 */
export function SpacesPage() {
  const api = useApi();
  const spaces = useQuery({ queryKey: ['spaces'], queryFn: () => api.spaces() });
  const orgs = useQuery({ queryKey: ['orgs'], queryFn: () => api.orgs() });
  return (
    <div className="spaces-page">
      <div className="page-header">
        <h1>Spaces</h1>
      </div>
      {spaces.isPending ? <Spinner label="Loading spaces" /> : null}
      {spaces.isError ? <ErrorNotice error={spaces.error} onRetry={() => void spaces.refetch()} /> : null}
      {spaces.data ? (
        <DataTable caption="Your spaces" columns={['Space', { label: 'Organisation', className: 'hide-phone' }, 'Your role', { label: 'Used', className: 'num hide-phone' }]} actionsLabel="Actions">
          {spaces.data.items.map((s) => (
            <tr key={s.id}>
              <td>
                {s.root_folder_id ? (
                  <Link to={`/files/${s.root_folder_id}`} className="space-link">
                    <FolderOpen aria-hidden size={16} /> {s.org ? s.name : 'My files'}
                  </Link>
                ) : (
                  s.name
                )}
              </td>
              <td className="hide-phone">{s.org?.name ?? 'Personal'}</td>
              <td>{s.my_role ?? (s.support_access ? `support session (${s.support_access === 'write' ? 'read and write' : 'read-only'})` : '—')}</td>
              <td className="num hide-phone">
                {formatBytes(s.used_bytes)}
                {s.quota_bytes !== null ? ` of ${formatBytes(s.quota_bytes)}` : ''}
              </td>
              <td className="actions-cell">
                {s.org ? (
                  <Link className="button button-small" to={`/spaces/${s.id}/records`}>
                    <Table2 aria-hidden size={14} /> Records
                  </Link>
                ) : null}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}

      <h2 className="section-title">Organisations</h2>
      {orgs.isError ? <ErrorNotice error={orgs.error} onRetry={() => void orgs.refetch()} /> : null}
      {orgs.data && orgs.data.items.length === 0 ? (
        <EmptyState icon={<Building2 aria-hidden size={28} />} title="You belong to no organisation">
          An administrator adds organisations and their owners; owners add their members.
        </EmptyState>
      ) : null}
      {orgs.data && orgs.data.items.length > 0 ? (
        <DataTable caption="Your organisations" columns={['Organisation', 'Your role', { label: 'Members', className: 'num hide-phone' }, { label: 'Spaces', className: 'num hide-phone' }]} actionsLabel="Actions">
          {orgs.data.items.map((o) => (
            <tr key={o.id}>
              <td>
                {o.name} {o.status === 'suspended' ? <span className="badge badge-warning">Suspended</span> : null}
              </td>
              <td>{o.my_role ?? '—'}</td>
              <td className="num hide-phone">{o.member_count}</td>
              <td className="num hide-phone">{o.space_count}</td>
              <td className="actions-cell">
                <Link className="button button-small" to={`/orgs/${o.slug}`}>
                  {o.my_role === 'owner' || o.my_role === 'admin' ? 'Manage' : 'Open'}
                </Link>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </div>
  );
}
