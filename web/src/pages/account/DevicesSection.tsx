import { useQuery, useQueryClient } from '@tanstack/react-query';
import { MonitorSmartphone } from 'lucide-react';
import { useRef, useState } from 'react';
import type { ProtocolSession } from '../../api/types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatDate } from '../../ui/format';
import { ConfirmAction } from '../../ui/ConfirmAction';
import { useToast } from '../../ui/Toasts';
import { APP_PASSWORDS_QUERY } from './AppPasswordsSection';
import { refocusIfLost } from './focus';

export const SESSIONS_QUERY = ['sessions'] as const;

/** Devices signed in with an app password (WebDAV clients), limited in number per account. */
export function DevicesSection() {
  const api = useApi();
  const sessions = useQuery({ queryKey: SESSIONS_QUERY, queryFn: () => api.sessions() });
  const [ending, setEnding] = useState<ProtocolSession | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  return (
    <section className="card" aria-labelledby="account-devices">
      <h2 id="account-devices" ref={headingRef} tabIndex={-1}>
        Connected devices
      </h2>
      {sessions.isPending ? <Spinner label="Loading devices" /> : null}
      {sessions.isError ? <ErrorNotice error={sessions.error} /> : null}
      {sessions.isSuccess ? <DeviceList items={sessions.data.items} limit={sessions.data.limit} onEnd={setEnding} /> : null}
      <EndSessionDialog target={ending} onClose={() => setEnding(null)} onDone={() => refocusIfLost(headingRef.current)} />
    </section>
  );
}

function DeviceList({ items, limit, onEnd }: { items: ProtocolSession[]; limit: number; onEnd: (s: ProtocolSession) => void }) {
  // Idle devices do not count against the limit.
  const inUse = items.filter((s) => s.active).length;
  return (
    <>
      <p className="account-note">
        <strong>
          {inUse} of {limit} devices in use.
        </strong>{' '}
        Devices idle for 30 days no longer count.
      </p>
      {inUse >= limit ? (
        <p className="notice notice-warning" role="status">
          The limit is reached: another device cannot connect until you sign one out.
        </p>
      ) : null}
      {items.length === 0 ? (
        <p className="muted account-empty">
          <MonitorSmartphone aria-hidden size={18} /> No devices are connected. They appear here once they connect with an app password.
        </p>
      ) : (
        <DataTable
          className="devices-table"
          caption="Devices connected with an app password"
          columns={['Device', { label: 'App password', className: 'hide-phone' }, { label: 'IP address', className: 'hide-phone' }, { label: 'Last activity', className: 'hide-phone' }, { label: 'Status', className: 'hide-phone' }]}
          actionsLabel="Actions"
        >
          {items.map((s) => (
            <tr key={s.id}>
              <td className="wrap-anywhere">
                {s.device}
                {/* Phones hide the other columns; what matters stays under the device name. */}
                <span className="device-password-inline muted">
                  {s.app_password_name ? `${s.app_password_name} · ` : ''}
                  {formatDate(s.last_activity_at)} <StatusBadge active={s.active} />
                </span>
              </td>
              <td className="hide-phone wrap-anywhere">{s.app_password_name ?? <span className="muted">Revoked</span>}</td>
              <td className="hide-phone mono">{s.ip ?? '—'}</td>
              <td className="hide-phone">{formatDate(s.last_activity_at)}</td>
              <td className="hide-phone">
                <StatusBadge active={s.active} />
              </td>
              <td className="actions-cell">
                <button type="button" className="button button-small" aria-label={`Sign out ${s.device}`} onClick={() => onEnd(s)}>
                  Sign out
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

function StatusBadge({ active }: { active: boolean }) {
  return active ? <span className="badge badge-success">Active</span> : <span className="badge">Idle</span>;
}

function EndSessionDialog({ target, onClose, onDone }: { target: ProtocolSession | null; onClose: () => void; onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const toast = useToast();
  return (
    <ConfirmAction
      target={target}
      onClose={onClose}
      title="Sign out this device?"
      description={`${target ? `${target.device} will be disconnected and ` : 'The device will be disconnected and '}the app password it signed in with${target?.app_password_name ? ` (“${target.app_password_name}”)` : ''} revoked: every device using that app password needs a new one to reconnect.`}
      confirmLabel="Sign out device"
      pendingLabel="Signing out…"
      run={(s) => api.endSession(s.id)}
      onSuccess={async (s) => {
        toast.success(`Signed out ${s.device}`);
        // Signing out revoked the device's app password (and its other devices' sessions).
        await Promise.all([queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY }), queryClient.invalidateQueries({ queryKey: APP_PASSWORDS_QUERY })]);
        onDone();
      }}
    />
  );
}
