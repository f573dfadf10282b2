import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ScrollText } from 'lucide-react';
import { useState } from 'react';
import type { AuditEvent } from '../../api/types';
import { useApi } from '../../app-context';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { AuditEventDialog } from './AuditEventDialog';
import { AuditFilterForm } from './AuditFilterForm';
import { AUDIT_PAGE_SIZE, type AuditFilters } from './auditQuery';
import { AuditTable } from './AuditTable';
import { ExportCsvButton } from './ExportCsvButton';
import { Pager } from './Pager';
import { useDialogTarget } from './useDialogTarget';

export function AuditTab() {
  const api = useApi();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [offset, setOffset] = useState(0);
  const [details, setDetails, closeDetails] = useDialogTarget<AuditEvent>();
  const query = useQuery({
    queryKey: ['admin', 'audit', filters, offset],
    queryFn: () => api.audit({ ...filters, limit: AUDIT_PAGE_SIZE, offset }),
    placeholderData: keepPreviousData,
  });
  const data = query.data;
  const filtered = Object.keys(filters).length > 0;

  const apply = (next: AuditFilters) => {
    setFilters(next);
    setOffset(0);
  };

  return (
    <section aria-labelledby="admin-audit-title">
      <div className="admin-section-header">
        <h2 id="admin-audit-title">Audit log</h2>
        <ExportCsvButton filters={filters} />
      </div>
      <AuditFilterForm onApply={apply} />

      <p className="sr-only" role="status">
        {data ? `${data.total.toLocaleString()} ${data.total === 1 ? 'event' : 'events'} found` : ''}
      </p>
      {query.isPending ? <Spinner label="Loading the audit log" /> : null}
      {query.isError ? (
        <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
      ) : null}
      {data && data.items.length === 0 ? (
        <EmptyState icon={<ScrollText aria-hidden size={40} />} title={filtered ? 'No matching events' : 'No events yet'}>
          {filtered ? 'Nothing was recorded that matches these filters.' : 'Sign-ins, file changes and administration are recorded here.'}
        </EmptyState>
      ) : null}
      {data && data.items.length > 0 ? (
        <div className={query.isPlaceholderData ? 'admin-stale' : undefined} aria-busy={query.isPlaceholderData || undefined}>
          <AuditTable events={data.items} onDetails={setDetails} />
          <Pager offset={offset} pageSize={AUDIT_PAGE_SIZE} shown={data.items.length} total={data.total} noun="events" busy={query.isPlaceholderData} onOffsetChange={setOffset} />
        </div>
      ) : null}
      <AuditEventDialog event={details} onClose={closeDetails} />
    </section>
  );
}
