import { Info } from 'lucide-react';
import type { AuditEvent } from '../../api/types';
import { formatBytes, formatDate } from '../../ui/format';
import { ResultBadge } from './badges';

export function AuditTable({ events, onDetails }: { events: AuditEvent[]; onDetails: (event: AuditEvent) => void }) {
  return (
    <div className="table-wrap">
      <table className="data-table admin-audit-table">
        <caption className="sr-only">Audit events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">User</th>
            <th scope="col">Action</th>
            <th scope="col" className="hide-phone">
              Path
            </th>
            <th scope="col" className="num hide-phone">
              Bytes
            </th>
            <th scope="col">Result</th>
            <th scope="col" className="hide-phone">
              IP
            </th>
            <th scope="col">
              <span className="sr-only">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
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
        </tbody>
      </table>
    </div>
  );
}

/** Who did it: a name, or the system for events without a person (maintenance, failed sign-ins). */
export function actorOf(event: AuditEvent): string {
  return event.actor_name ?? (event.actor_id ? event.actor_id : 'System');
}
