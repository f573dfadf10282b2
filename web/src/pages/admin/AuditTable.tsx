import { Info } from 'lucide-react';
import type { AuditEvent } from '../../api/types';
import { DataTable } from '../../ui/DataTable';
import { formatBytes, formatDate } from '../../ui/format';
import { ResultBadge } from './badges';

export function AuditTable({ events, onDetails }: { events: AuditEvent[]; onDetails: (event: AuditEvent) => void }) {
  return (
    <DataTable
      className="admin-audit-table"
      caption="Audit events, newest first"
      columns={['Time', 'User', 'Action', { label: 'Path', className: 'hide-phone' }, { label: 'Bytes', className: 'num hide-phone' }, 'Result', { label: 'IP', className: 'hide-phone' }]}
      actionsLabel="Details"
    >
      {events.map((event) => (
        <tr key={event.id}>
          <td className="admin-audit-time">
            <time dateTime={event.at}>{formatDate(event.at)}</time>
          </td>
          <td className="wrap-anywhere">{actorOf(event)}</td>
          <td className="mono">{event.action}</td>
          <td className="hide-phone mono wrap-anywhere admin-audit-path">{event.path ?? <span className="muted">—</span>}</td>
          <td className="num hide-phone nowrap">{event.bytes === null ? <span className="muted">—</span> : formatBytes(event.bytes)}</td>
          <td>
            <ResultBadge result={event.result} />
          </td>
          <td className="hide-phone mono nowrap">{event.ip ?? <span className="muted">—</span>}</td>
          <td className="actions-cell">
            <button type="button" className="icon-button" aria-label={`Details of ${event.action} at ${formatDate(event.at)}`} title="Details" onClick={() => onDetails(event)}>
              <Info aria-hidden size={18} />
            </button>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** Who did it: a name, or the system for events without a person (maintenance, failed sign-ins). */
export function actorOf(event: AuditEvent): string {
  return event.actor_name ?? (event.actor_id ? event.actor_id : 'System');
}
