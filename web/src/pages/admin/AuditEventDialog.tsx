import type { ReactNode } from 'react';
import type { AuditEvent } from '../../api/types';
import { formatBytes, formatDate } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { actorOf } from './AuditTable';
import { ResultBadge } from './badges';

/** Everything one audit event recorded, including what the table leaves out. */
export function AuditEventDialog({ event, onClose }: { event: AuditEvent | null; onClose: () => void }) {
  return (
    <Modal open={event !== null} onOpenChange={(open) => !open && onClose()} title={event ? `Audit event ${event.id}` : 'Audit event'} wide>
      {event ? <EventFacts event={event} /> : null}
    </Modal>
  );
}

function EventFacts({ event }: { event: AuditEvent }) {
  const detail = event.detail === null || event.detail === undefined ? null : JSON.stringify(event.detail, null, 2);
  return (
    <>
      <dl className="admin-facts">
        <Fact term="Time">
          <time dateTime={event.at}>{formatDate(event.at)}</time> <span className="muted mono">{event.at}</span>
        </Fact>
        <Fact term="User">
          {actorOf(event)}
          {event.actor_id && event.actor_name ? <span className="muted mono"> {event.actor_id}</span> : null}
        </Fact>
        <Fact term="Action">
          <span className="mono">{event.action}</span>
        </Fact>
        <Fact term="Result">
          <ResultBadge result={event.result} />
        </Fact>
        <Fact term="Path">{event.path ? <span className="mono">{event.path}</span> : '—'}</Fact>
        {event.node_id ? (
          <Fact term="Item id">
            <span className="mono">{event.node_id}</span>
          </Fact>
        ) : null}
        <Fact term="Bytes">{event.bytes === null ? '—' : `${formatBytes(event.bytes)} (${event.bytes.toLocaleString()} bytes)`}</Fact>
        <Fact term="IP address">{event.ip ? <span className="mono">{event.ip}</span> : '—'}</Fact>
        <Fact term="User agent">{event.user_agent ?? '—'}</Fact>
      </dl>
      <h3 className="admin-detail-title">Detail</h3>
      {detail ? (
        <pre className="admin-detail-json" tabIndex={0} aria-label="Detail as JSON">
          {detail}
        </pre>
      ) : (
        <p className="muted">No further detail was recorded.</p>
      )}
    </>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
