import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import type { Endpoints } from '../../api/endpoints';
import type { Role } from '../../api/types';
import { useApi } from '../../app-context';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { SelectField, TextField } from './fields';
import { ErrorNotice } from '../../ui/Feedback';
import { useRefreshAfterUserChange } from './invalidate';
import { quotaFromBytes, quotaToBytes, type QuotaState } from './quota';
import { QuotaInput } from './QuotaInput';

export const ROLE_OPTIONS = [
  { value: 'user', label: 'User' },
  { value: 'admin', label: 'Administrator' },
] as const satisfies readonly { value: Role; label: string }[];

type NewUser = Parameters<Endpoints['createUser']>[0];

export function CreateUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="Create user" description="The account can sign in at once with this password.">
      {/* Mounted only while open, so every opening starts from an empty form. */}
      <CreateUserForm onClose={() => onOpenChange(false)} />
    </Modal>
  );
}

interface Problems {
  username?: string;
  password?: string;
  quota?: string;
}

function CreateUserForm({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterUserChange();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [quota, setQuota] = useState<QuotaState>(() => quotaFromBytes(undefined));
  const [problems, setProblems] = useState<Problems>({});
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const create = useMutation({
    mutationFn: (body: NewUser) => api.createUser(body),
    onSuccess: async (user) => {
      toast.success(`Created ${user.username}`);
      onClose();
      await refresh(user.id);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The last attempt's refusal no longer applies: never show it next to this attempt's problems.
    create.reset();
    const found: Problems = {};
    if (!username.trim()) found.username = 'Enter a username';
    if (!password) found.password = 'Enter a password';
    const bytes = quotaToBytes(quota);
    if (!bytes.ok) found.quota = bytes.error;
    setProblems(found);
    if (found.username) usernameRef.current?.focus();
    else if (found.password) passwordRef.current?.focus();
    if (!bytes.ok || found.username || found.password) return;
    create.mutate({
      username: username.trim(),
      password,
      role,
      ...(displayName.trim() ? { display_name: displayName.trim() } : {}),
      ...(email.trim() ? { email: email.trim() } : {}),
      ...(bytes.bytes !== undefined ? { quota_bytes: bytes.bytes } : {}),
    });
  };

  return (
    <form onSubmit={submit} noValidate aria-busy={create.isPending || undefined}>
      <TextField
        ref={usernameRef}
        label="Username"
        value={username}
        onValueChange={setUsername}
        error={problems.username}
        hint="Letters, digits, “.”, “_” or “-”. Used to sign in and in WebDAV addresses."
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        required
        autoFocus
      />
      <TextField label="Display name" value={displayName} onValueChange={setDisplayName} hint="Optional; the username is used when empty." autoComplete="off" />
      <TextField label="Email" type="email" value={email} onValueChange={setEmail} hint="Optional; can also be used to sign in." autoComplete="off" />
      <TextField ref={passwordRef} label="Password" type="password" value={password} onValueChange={setPassword} error={problems.password} hint="At least 8 characters." autoComplete="new-password" required />
      <SelectField label="Role" value={role} options={ROLE_OPTIONS} onValueChange={setRole} hint={role === 'admin' ? 'Administrators can manage every user and read the audit log.' : undefined} />
      <QuotaInput value={quota} onChange={setQuota} error={problems.quota} hint="Leave empty to use the server’s default quota." />
      {create.error ? <ErrorNotice error={create.error} /> : null}
      <div className="modal-footer">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create'}
        </button>
      </div>
    </form>
  );
}
