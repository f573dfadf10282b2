import { useMutation } from '@tanstack/react-query';
import { Ban, HardDrive, Trash2, Undo2 } from 'lucide-react';
import { errorMessage } from '../../api/errors';
import type { Organisation } from '../../api/org-types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { formatDate } from '../../ui/format';
import { useToast } from '../../ui/Toasts';
import { useRefreshOrgs } from './orgQueries';

interface OrgsTableProps {
  orgs: Organisation[];
  onSpaces: (org: Organisation) => void;
  onSuspend: (org: Organisation) => void;
  onDelete: (org: Organisation) => void;
}

export function OrgsTable({ orgs, onSpaces, onSuspend, onDelete }: OrgsTableProps) {
  return (
    <DataTable
      className="admin-orgs-table"
      caption="Organisations"
      columns={['Organisation', 'Status', { label: 'Members', className: 'num hide-phone' }, { label: 'Spaces', className: 'num hide-phone' }, { label: 'Created', className: 'hide-phone' }]}
      actionsLabel="Actions"
    >
      {orgs.map((org) => (
        <tr key={org.id}>
          <td>
            <div className="admin-user-cell">
              <strong>{org.name}</strong>
              <span className="muted mono">{org.slug}</span>
            </div>
          </td>
          <td>{org.status === 'active' ? <span className="badge badge-success">Active</span> : <span className="badge badge-danger">Suspended</span>}</td>
          <td className="num hide-phone">{org.member_count}</td>
          <td className="num hide-phone">{org.space_count}</td>
          <td className="hide-phone nowrap">
            <time dateTime={org.created_at}>{formatDate(org.created_at)}</time>
          </td>
          <td className="actions-cell">
            <div className="button-row admin-row-actions">
              <button type="button" className="button button-small" aria-label={`Spaces of ${org.name}`} onClick={() => onSpaces(org)}>
                <HardDrive aria-hidden size={15} />
                <span className="hide-phone">Spaces</span>
              </button>
              {org.status === 'active' ? (
                <button type="button" className="button button-small" aria-label={`Suspend ${org.name}`} onClick={() => onSuspend(org)}>
                  <Ban aria-hidden size={15} />
                  <span className="hide-phone">Suspend</span>
                </button>
              ) : (
                <ReactivateButton org={org} />
              )}
              <button type="button" className="button button-small" aria-label={`Delete ${org.name}`} onClick={() => onDelete(org)}>
                <Trash2 aria-hidden size={15} />
                <span className="hide-phone">Delete</span>
              </button>
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** Lifting a suspension takes nothing away, so it asks no question. */
function ReactivateButton({ org }: { org: Organisation }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshOrgs();
  const reactivate = useMutation({
    mutationFn: () => api.reactivateOrg(org.slug),
    onSuccess: async () => {
      toast.success(`Reactivated ${org.name}`);
      await refresh();
    },
    onError: (err) => toast.error(errorMessage(err)),
  });
  return (
    <button type="button" className="button button-small" aria-label={`Reactivate ${org.name}`} disabled={reactivate.isPending} onClick={() => reactivate.mutate()}>
      <Undo2 aria-hidden size={15} />
      <span className="hide-phone">Reactivate</span>
    </button>
  );
}
