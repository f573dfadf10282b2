import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, UserPlus, UserRound, X } from 'lucide-react';
import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../api/errors';
import { SHARE_ROLES, type Person, type Share, type ShareRole } from '../api/share-types';
import { useApi } from '../app-context';
import { ConfirmAction } from '../ui/ConfirmAction';
import { ErrorNotice, Spinner } from '../ui/Feedback';
import { useToast } from '../ui/Toasts';
import { dateInputToIso, formatDay, isPast, personName, ROLE_HINT, ROLE_LABEL, toDateInput, type ShareTarget } from './format';
import { PeoplePicker } from './PeoplePicker';

export const nodeSharesKey = (nodeId: string) => ['shares', 'node', nodeId] as const;

/** Everything that shows shares or the marks in the file list; refreshed after any change. */
export function useRefreshSharing() {
  const queryClient = useQueryClient();
  return () => Promise.all([queryClient.invalidateQueries({ queryKey: ['shares'] }), queryClient.invalidateQueries({ queryKey: ['links'] })]);
}

/** Who an item is shared with, and a form to add someone. */
export function PeopleSection({ node }: { node: ShareTarget }) {
  const headingId = useId();
  return (
    <section className="share-section" aria-labelledby={headingId}>
      <h3 id={headingId}>People</h3>
      <AddPersonForm node={node} />
      <ShareList node={node} />
    </section>
  );
}

interface RoleSelectProps {
  id?: string;
  value: ShareRole;
  onChange: (role: ShareRole) => void;
  /** A name of its own, where no visible label points at it. */
  label?: string;
  describedBy?: string;
  disabled?: boolean;
}

export function RoleSelect({ id, value, onChange, label, describedBy, disabled }: RoleSelectProps) {
  return (
    <select id={id} aria-label={label} aria-describedby={describedBy} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as ShareRole)}>
      {SHARE_ROLES.map((role) => (
        <option key={role} value={role}>
          {ROLE_LABEL[role]}
        </option>
      ))}
    </select>
  );
}

function AddPersonForm({ node }: { node: ShareTarget }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshSharing();
  const roleId = useId();
  const expiryId = useId();
  const errorId = useId();
  const hintId = useId();
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<Person | null>(null);
  const [role, setRole] = useState<ShareRole>('viewer');
  const [expiry, setExpiry] = useState('');
  const add = useMutation({
    mutationFn: (recipient: string) => api.createShare({ node_id: node.id, recipient, role, expires_at: dateInputToIso(expiry) }),
    onSuccess: async (share) => {
      toast.success(`Shared “${node.name}” with ${personName(share.recipient)} as ${ROLE_LABEL[share.role].toLowerCase()}`);
      setText('');
      setPicked(null);
      setExpiry('');
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A typed username works without picking it from the list; the server says if nobody has it.
    const recipient = picked?.username ?? text.trim().replace(/^@/, '');
    if (recipient && !add.isPending) add.mutate(recipient);
  };
  return (
    <form className="share-add" onSubmit={submit} noValidate>
      <PeoplePicker
        label="Add a person"
        value={text}
        onValueChange={(next) => {
          setText(next);
          setPicked(null);
          if (add.isError) add.reset();
        }}
        onPick={(person) => {
          setPicked(person);
          setText(`${personName(person)} (@${person.username})`);
          if (add.isError) add.reset();
        }}
        describedBy={add.isError ? errorId : undefined}
        invalid={add.isError}
      />
      <div className="share-add-role">
        <label className="field-label" htmlFor={roleId}>
          Role
        </label>
        <RoleSelect id={roleId} value={role} onChange={setRole} describedBy={hintId} />
      </div>
      <div className="share-add-expiry">
        <label className="field-label" htmlFor={expiryId}>
          Until <span className="hint">(optional)</span>
        </label>
        <input id={expiryId} type="date" min={toDateInput(new Date())} value={expiry} onChange={(e) => setExpiry(e.target.value)} />
      </div>
      <button type="submit" className="button button-primary share-add-submit" disabled={add.isPending || !text.trim()}>
        <UserPlus aria-hidden size={18} />
        {add.isPending ? 'Sharing…' : 'Share'}
      </button>
      <p id={hintId} className="muted share-role-hint">
        {ROLE_LABEL[role]}: {ROLE_HINT[role]}.
      </p>
      {add.isError ? (
        <p id={errorId} className="notice notice-error share-add-error" role="alert">
          <AlertTriangle aria-hidden size={18} />
          <span>{errorMessage(add.error)}</span>
        </p>
      ) : null}
    </form>
  );
}

function ShareList({ node }: { node: ShareTarget }) {
  const api = useApi();
  const shares = useQuery({ queryKey: nodeSharesKey(node.id), queryFn: () => api.nodeShares(node.id) });
  const [removing, setRemoving] = useState<Share | null>(null);

  if (shares.isPending) return <Spinner label="Loading who has access" />;
  if (shares.isError) return <ErrorNotice error={shares.error} onRetry={() => void shares.refetch()} />;
  const items = shares.data.items;
  return (
    <>
      {items.length === 0 ? (
        <p className="muted share-empty">Not shared with anyone yet.</p>
      ) : (
        <ul className="share-list" aria-label={`People with access to ${node.name}`}>
          {items.map((share) => (
            <ShareRow key={share.id} share={share} onRemove={setRemoving} />
          ))}
        </ul>
      )}
      <StopSharingConfirm share={removing} onClose={() => setRemoving(null)} />
    </>
  );
}

/** Asks before taking a person's access to an item away; then says so and refreshes what shows shares. */
export function StopSharingConfirm({ share, onClose, onStopped }: { share: Share | null; onClose: () => void; onStopped?: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshSharing();
  return (
    <ConfirmAction
      target={share}
      onClose={onClose}
      title={share ? `Stop sharing with ${personName(share.recipient)}?` : 'Stop sharing?'}
      description={share ? `${personName(share.recipient)} loses access to “${share.node_name}” at once.` : ''}
      confirmLabel="Stop sharing"
      pendingLabel="Removing…"
      run={(s) => api.deleteShare(s.id)}
      onSuccess={async (s) => {
        toast.success(`Stopped sharing “${s.node_name}” with ${personName(s.recipient)}`);
        await refresh();
        onStopped?.();
      }}
    />
  );
}

function ShareRow({ share, onRemove }: { share: Share; onRemove: (share: Share) => void }) {
  const api = useApi();
  const refresh = useRefreshSharing();
  const who = personName(share.recipient);
  const change = useMutation({
    mutationFn: (role: ShareRole) => api.updateShare(share.id, { role }),
    onSuccess: () => refresh(),
  });
  const expired = isPast(share.expires_at);
  return (
    <li className="share-row">
      <UserRound aria-hidden size={20} className="share-row-icon" />
      <div className="share-row-who">
        <span className="share-row-name">{who}</span>
        <span className="muted share-row-meta">
          @{share.recipient.username}
          {share.expires_at ? (
            <>
              {' '}
              · {expired ? 'expired' : 'until'} {formatDay(share.expires_at)}
            </>
          ) : null}
        </span>
        {change.isError ? (
          <span className="confirm-error" role="alert">
            {errorMessage(change.error)}
          </span>
        ) : null}
      </div>
      <div className="share-row-actions">
        <RoleSelect label={`Role of ${who}`} value={change.isPending && change.variables ? change.variables : share.role} disabled={change.isPending} onChange={(role) => change.mutate(role)} />
        <button type="button" className="icon-button" aria-label={`Stop sharing with ${who}`} title="Stop sharing" onClick={() => onRemove(share)}>
          <X aria-hidden size={18} />
        </button>
      </div>
    </li>
  );
}
