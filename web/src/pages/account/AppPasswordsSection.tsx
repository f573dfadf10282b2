import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, Plus } from 'lucide-react';
import { useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import type { AppPassword, CreatedAppPassword } from '../../api/types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatDate } from '../../ui/format';
import { ConfirmAction } from '../../ui/ConfirmAction';
import { useToast } from '../../ui/Toasts';
import { refocusIfLost } from './focus';
import { NewAppPasswordDialog } from './NewAppPasswordDialog';

export const APP_PASSWORDS_QUERY = ['app-passwords'] as const;

export function AppPasswordsSection({ username }: { username: string }) {
  const [created, setCreated] = useState<CreatedAppPassword | null>(null);
  const [revoking, setRevoking] = useState<AppPassword | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  return (
    <section className="card" aria-labelledby="account-app-passwords">
      <h2 id="account-app-passwords" ref={headingRef} tabIndex={-1}>
        App passwords
      </h2>
      <p className="account-note">
        WebDAV clients (Finder, Windows Explorer, GNOME Files, rclone) and scripts sign in with an app password, not with your account password, which does not work there. Create one per
        device, so you can revoke it alone if the device is lost.
      </p>
      <CreateAppPasswordForm onCreated={setCreated} />
      <AppPasswordList onRevoke={setRevoking} />
      <NewAppPasswordDialog created={created} username={username} onClose={() => setCreated(null)} />
      <RevokeDialog target={revoking} onClose={() => setRevoking(null)} onDone={() => refocusIfLost(headingRef.current)} />
    </section>
  );
}

function CreateAppPasswordForm({ onCreated }: { onCreated: (created: CreatedAppPassword) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const errorId = useId();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: (label: string) => api.createAppPassword(label),
    onSuccess: (created) => {
      setName('');
      onCreated(created);
      void queryClient.invalidateQueries({ queryKey: APP_PASSWORDS_QUERY });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const label = name.trim();
    if (label) create.mutate(label);
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label className="field">
        <span>App password name</span>
        <input
          type="text"
          name="app-password-name"
          placeholder="e.g. Laptop Finder"
          maxLength={100}
          required
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (create.isError) create.reset();
          }}
          aria-invalid={create.isError || undefined}
          aria-describedby={create.isError ? errorId : undefined}
        />
      </label>
      <button type="submit" className="button button-primary" disabled={create.isPending || !name.trim()}>
        <Plus aria-hidden size={18} />
        {create.isPending ? 'Creating…' : 'Create app password'}
      </button>
      {create.isError ? (
        <p className="notice notice-error inline-form-error" role="alert" id={errorId}>
          {errorMessage(create.error)}
        </p>
      ) : null}
    </form>
  );
}

function AppPasswordList({ onRevoke }: { onRevoke: (p: AppPassword) => void }) {
  const api = useApi();
  const list = useQuery({ queryKey: APP_PASSWORDS_QUERY, queryFn: () => api.appPasswords() });
  if (list.isPending) return <Spinner label="Loading app passwords" />;
  if (list.isError) return <ErrorNotice error={list.error} />;
  if (list.data.items.length === 0) {
    return (
      <p className="muted account-empty">
        <KeyRound aria-hidden size={18} /> No app passwords yet.
      </p>
    );
  }
  return (
    <DataTable caption="Your app passwords" columns={['Name', { label: 'Created', className: 'hide-phone' }, 'Last used']} actionsLabel="Actions">
      {list.data.items.map((p) => (
        <tr key={p.id}>
          <td className="wrap-anywhere">{p.name}</td>
          <td className="hide-phone">{formatDate(p.created_at)}</td>
          <td>{p.last_used_at ? formatDate(p.last_used_at) : <span className="muted">Never used</span>}</td>
          <td className="actions-cell">
            <button type="button" className="button button-small" aria-label={`Revoke ${p.name}`} onClick={() => onRevoke(p)}>
              Revoke
            </button>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function RevokeDialog({ target, onClose, onDone }: { target: AppPassword | null; onClose: () => void; onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const toast = useToast();
  return (
    <ConfirmAction
      target={target}
      onClose={onClose}
      title={target ? `Revoke ${target.name}?` : 'Revoke app password?'}
      description="Devices and scripts that use it stop working at once. This cannot be undone."
      confirmLabel="Revoke"
      pendingLabel="Revoking…"
      run={(p) => api.revokeAppPassword(p.id)}
      onSuccess={async (p) => {
        toast.success(`Revoked ${p.name}`);
        // Devices that used it are signed out with it.
        await Promise.all([queryClient.invalidateQueries({ queryKey: APP_PASSWORDS_QUERY }), queryClient.invalidateQueries({ queryKey: ['sessions'] })]);
        onDone();
      }}
    />
  );
}
