import { useMutation } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { errorMessage } from '../../api/errors';
import { useApi } from '../../app-context';
import type { AuditFilters } from './auditQuery';
import { saveBlob } from '../../ui/download';
import { auditFileName } from './download';

/** Downloads every event matching the filters (not just this page) as CSV. */
export function ExportCsvButton({ filters }: { filters: AuditFilters }) {
  const api = useApi();
  const exportCsv = useMutation({
    mutationFn: () => api.auditCsv(filters),
    onSuccess: (blob) => saveBlob(blob, auditFileName()),
  });
  return (
    <div className="admin-export">
      <button type="button" className="button" disabled={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
        <Download aria-hidden size={16} />
        {exportCsv.isPending ? 'Exporting…' : 'Export CSV'}
      </button>
      <span className="sr-only" role="status">
        {exportCsv.isPending ? 'Preparing the CSV export…' : exportCsv.isSuccess ? 'The CSV export was downloaded.' : ''}
      </span>
      {exportCsv.isError ? (
        <span className="admin-field-error" role="alert">
          Export failed: {errorMessage(exportCsv.error)}
        </span>
      ) : null}
    </div>
  );
}
