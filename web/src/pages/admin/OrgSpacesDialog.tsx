import { useQuery } from '@tanstack/react-query';
import type { Organisation } from '../../api/org-types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatBytes, formatDate } from '../../ui/format';
import { Modal } from '../../ui/Modal';

/** An organisation's spaces as entries: their size and quota, never what is in them. */
export function OrgSpacesDialog({ org, onClose }: { org: Organisation; onClose: () => void }) {
  const api = useApi();
  const spaces = useQuery({ queryKey: ['admin', 'orgs', org.slug, 'spaces'], queryFn: () => api.orgSpaces(org.slug) });
  return (
    <Modal open onOpenChange={(open) => (open ? undefined : onClose())} title={`Spaces of ${org.name}`} description="Administrators of the instance see that spaces exist and how much they hold; what is in them is the organisation's." wide>
      {spaces.isPending ? <Spinner label="Loading spaces" /> : null}
      {spaces.isError ? <ErrorNotice error={spaces.error} onRetry={() => void spaces.refetch()} /> : null}
      {spaces.data && spaces.data.items.length === 0 ? <p className="muted">No spaces yet.</p> : null}
      {spaces.data && spaces.data.items.length > 0 ? (
        <DataTable caption={`Spaces of ${org.name}`} columns={['Space', { label: 'Used', className: 'num' }, { label: 'Created', className: 'hide-phone' }]}>
          {spaces.data.items.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td className="num">
                {formatBytes(s.used_bytes)}
                {s.quota_bytes !== null ? ` of ${formatBytes(s.quota_bytes)}` : ''}
              </td>
              <td className="hide-phone nowrap">{formatDate(s.created_at)}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </Modal>
  );
}
