import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import type { Space, SupportAction, SupportRequest } from '../../api/org-types';

type SupportAccess = SupportRequest['access'];
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { Field } from '../../ui/Field';
import { formatDate } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { useRefresh } from './queries';

const STATUS: Record<SupportRequest['status'], string> = {
  pending: 'Waiting for the owner',
  approved: 'Approved, not started',
  refused: 'Refused',
  cancelled: 'Withdrawn',
  active: 'Session running',
  ended: 'Ended',
  revoked: 'Revoked',
  expired: 'Approval lapsed',
};

/**
 * Support access to the organisation's spaces: its owners decide on requests and see what each
 * session did; its admins (and instance administrators) ask, then start their one session.
 */
export function SupportTab({ slug, owner, canAsk }: { slug: string; owner: boolean; canAsk: boolean }) {
  const api = useApi();
  const requests = useQuery({ queryKey: ['org', slug, 'support'], queryFn: () => api.orgSupportRequests(slug) });
  const [deciding, setDeciding] = useState<SupportRequest | null>(null);
  const [watching, setWatching] = useState<SupportRequest | null>(null);
  return (
    <section aria-label="Support access">
      <p className="muted">
        {owner
          ? 'Administrators read this organisation’s files only in a support session you approved: for the time you allow, read-only unless you give more. You can end a session at any time, and see every request it made.'
          : 'Ask the organisation’s owners for access to one of its spaces. Once approved, start your session when you are ready: it runs for the approved time, once.'}
      </p>
      {canAsk ? <AskForm slug={slug} /> : null}
      {requests.isPending ? <Spinner label="Loading support requests" /> : null}
      {requests.isError ? <ErrorNotice error={requests.error} onRetry={() => void requests.refetch()} /> : null}
      {requests.data && requests.data.items.length === 0 ? <p className="muted">No support requests yet.</p> : null}
      {requests.data && requests.data.items.length > 0 ? (
        <DataTable caption="Support requests" columns={['Space', { label: 'Asked by', className: 'hide-phone' }, 'Reason', { label: 'Access', className: 'hide-phone' }, 'Status']} actionsLabel="Actions">
          {requests.data.items.map((r) => (
            <tr key={r.id}>
              <td>{r.space.name}</td>
              <td className="hide-phone">
                {r.requested_by.username}
                <div className="muted">{formatDate(r.created_at)}</div>
              </td>
              <td className="support-reason">{r.reason}</td>
              <td className="hide-phone">
                {r.access === 'write' ? 'Read and write' : 'Read-only'}, {r.minutes} min
              </td>
              <td>
                {STATUS[r.status]}
                {r.status === 'active' && r.ends_at ? <div className="muted">until {formatDate(r.ends_at)}</div> : null}
                {r.decision_note ? <div className="muted">“{r.decision_note}”</div> : null}
              </td>
              <td className="actions-cell">
                <RequestActions request={r} slug={slug} owner={owner} onDecide={() => setDeciding(r)} onActivity={() => setWatching(r)} />
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {deciding ? <DecideDialog request={deciding} slug={slug} onClose={() => setDeciding(null)} /> : null}
      {watching ? <ActivityDialog request={watching} onClose={() => setWatching(null)} /> : null}
    </section>
  );
}

function RequestActions({ request: r, slug, owner, onDecide, onActivity }: { request: SupportRequest; slug: string; owner: boolean; onDecide: () => void; onActivity: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefresh(['org', slug, 'support'], ['spaces']);
  const act = useMutation({
    mutationFn: (action: SupportAction) => api.supportAction(r.id, action),
    onSuccess: async (done) => {
      toast.success(`${r.space.name}: ${STATUS[done.status].toLowerCase()}`);
      await refresh();
    },
    onError: (err) => toast.error(errorMessage(err)),
  });
  const mine = !owner;
  const button = (action: SupportAction, label: string, danger = false) => (
    <button type="button" className={`button button-small${danger ? ' button-danger' : ''}`} disabled={act.isPending} onClick={() => act.mutate(action)} aria-label={`${label}: ${r.space.name}`}>
      {label}
    </button>
  );
  return (
    <div className="button-row">
      {owner && r.status === 'pending' ? (
        <button type="button" className="button button-small button-primary" onClick={onDecide} aria-label={`Decide: ${r.space.name}`}>
          Decide
        </button>
      ) : null}
      {owner && (r.status === 'approved' || r.status === 'active') ? button('revoke', r.status === 'active' ? 'End now' : 'Revoke', true) : null}
      {mine && r.status === 'approved' ? button('start', 'Start session') : null}
      {mine && r.status === 'active' && r.space.root_folder_id ? (
        <a className="button button-small button-primary" href={`/files/${r.space.root_folder_id}`}>
          Open files
        </a>
      ) : null}
      {mine && r.status === 'active' ? button('end', 'End session') : null}
      {mine && (r.status === 'pending' || r.status === 'approved') ? button('cancel', 'Withdraw') : null}
      <button type="button" className="button button-small" onClick={onActivity} aria-label={`Activity: ${r.space.name}`}>
        Activity
      </button>
    </div>
  );
}

function AskForm({ slug }: { slug: string }) {
  const api = useApi();
  const toast = useToast();
  const spaces = useQuery({ queryKey: ['org', slug, 'spaces'], queryFn: () => api.orgSpaces(slug) });
  const refresh = useRefresh(['org', slug, 'support']);
  const [spaceId, setSpaceId] = useState('');
  const [reason, setReason] = useState('');
  const [access, setAccess] = useState<SupportAccess>('read');
  const [minutes, setMinutes] = useState('60');
  const ask = useMutation({
    mutationFn: (space: Space) => api.askSupport(space.id, { reason: reason.trim(), access, minutes: Number(minutes) }),
    onSuccess: async (r) => {
      toast.success(`Asked for access to ${r.space.name}; its owners decide`);
      setReason('');
      await refresh();
    },
  });
  const choices = spaces.data?.items ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const space = choices.find((s) => s.id === (spaceId || choices[0]?.id));
    if (space) ask.mutate(space);
  };
  return (
    <form className="inline-form support-ask" onSubmit={submit} aria-label="Ask for support access">
      <Field label="Space">
        {({ id }) => (
          <select id={id} value={spaceId || choices[0]?.id || ''} onChange={(e) => setSpaceId(e.target.value)} required>
            {choices.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Reason" hint="The owners decide on it: say what you need to do and why (a ticket number helps).">
        {({ id, describedBy }) => <textarea id={id} value={reason} onChange={(e) => setReason(e.target.value)} aria-describedby={describedBy} rows={2} required minLength={5} maxLength={2000} />}
      </Field>
      <AccessFields label="Access" hint="5 to 480" access={access} onAccess={setAccess} minutes={minutes} onMinutes={setMinutes} />
      {ask.error ? <ErrorNotice error={ask.error} /> : null}
      <button type="submit" className="button button-primary" disabled={ask.isPending || choices.length === 0}>
        Ask for access
      </button>
    </form>
  );
}

/** What a session may do and for how long: asked for, then given. */
function AccessFields(p: { label: string; hint: string; access: SupportAccess; onAccess: (a: SupportAccess) => void; minutes: string; onMinutes: (m: string) => void }) {
  return (
    <>
      <Field label={p.label}>
        {({ id }) => (
          <select id={id} value={p.access} onChange={(e) => p.onAccess(e.target.value as SupportAccess)}>
            <option value="read">Read-only</option>
            <option value="write">Read and write</option>
          </select>
        )}
      </Field>
      <Field label="Session length (minutes)" hint={p.hint}>
        {({ id, describedBy }) => <input id={id} type="number" min="5" max="480" value={p.minutes} onChange={(e) => p.onMinutes(e.target.value)} aria-describedby={describedBy} required />}
      </Field>
    </>
  );
}

function DecideDialog({ request: r, slug, onClose }: { request: SupportRequest; slug: string; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefresh(['org', slug, 'support']);
  const [access, setAccess] = useState(r.access);
  const [minutes, setMinutes] = useState(String(r.minutes));
  const [note, setNote] = useState('');
  const done = async (d: SupportRequest) => {
    toast.success(d.status === 'approved' ? `Approved: ${d.requested_by.username} can start a session on ${d.space.name}` : `Refused ${d.requested_by.username}’s request`);
    await refresh();
    onClose();
  };
  const approve = useMutation({ mutationFn: () => api.approveSupport(r.id, { access, minutes: Number(minutes), ...(note.trim() ? { note: note.trim() } : {}) }), onSuccess: done });
  const refuse = useMutation({ mutationFn: () => api.refuseSupport(r.id, note.trim() || undefined), onSuccess: done });
  const busy = approve.isPending || refuse.isPending;
  return (
    <Modal open onOpenChange={(open) => (open ? undefined : onClose())} title={`Support access to ${r.space.name}`} description={`${r.requested_by.username} asks: “${r.reason}”`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          approve.mutate();
        }}
      >
        <AccessFields
          label="Access to give"
          hint="It starts when they start it, within 24 hours; you can end it at any time."
          access={access}
          onAccess={setAccess}
          minutes={minutes}
          onMinutes={setMinutes}
        />
        <Field label="Note (optional)">{({ id }) => <input id={id} type="text" value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />}</Field>
        {approve.error || refuse.error ? <ErrorNotice error={approve.error ?? refuse.error} /> : null}
        <div className="modal-footer">
          <button type="button" className="button button-danger" disabled={busy} onClick={() => refuse.mutate()}>
            Refuse
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            Approve
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ActivityDialog({ request: r, onClose }: { request: SupportRequest; onClose: () => void }) {
  const api = useApi();
  const activity = useQuery({ queryKey: ['support', r.id, 'activity'], queryFn: () => api.supportActivity(r.id) });
  return (
    <Modal open onOpenChange={(open) => (open ? undefined : onClose())} title={`What ${r.requested_by.username}’s request did`} description={`In ${r.space.name}: the request, its decision and every request of its session.`} wide>
      {activity.isPending ? <Spinner label="Loading the activity" /> : null}
      {activity.isError ? <ErrorNotice error={activity.error} onRetry={() => void activity.refetch()} /> : null}
      {activity.data ? (
        <DataTable caption="Activity" className="support-activity" columns={['When', { label: 'Who', className: 'hide-phone' }, 'What']}>
          {activity.data.items.map((e) => (
            <tr key={e.id}>
              <td>{formatDate(e.at)}</td>
              <td className="hide-phone">{e.actor_name ?? '—'}</td>
              <td>{describe(e.action, e.path, e.detail)}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </Modal>
  );
}

function describe(action: string, path: string | null, detail: unknown): string {
  if (action === 'support.access' && typeof detail === 'object' && detail !== null) {
    const d = detail as { method?: unknown; url?: unknown; status?: unknown };
    return `${String(d.method)} ${String(d.url)} → ${String(d.status)}`;
  }
  const labels: Record<string, string> = {
    'support.request': 'Asked for access',
    'support.approve': 'Approved',
    'support.refuse': 'Refused',
    'support.start': 'Started the session',
    'support.end': 'Ended the session',
    'support.revoke': 'Revoked',
    'support.cancel': 'Withdrew the request',
  };
  return `${labels[action] ?? action}${path ? ` ${path}` : ''}`;
}
