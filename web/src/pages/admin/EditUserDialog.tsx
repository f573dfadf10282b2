import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { User } from '../../api/types';
import { useApi } from '../../app-context';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { ROLE_OPTIONS } from './CreateUserDialog';
import { SelectField, TextField } from './fields';
import { ErrorNotice } from '../../ui/Feedback';
import { useRefreshAfterUserChange } from './invalidate';
import { QuotaInput } from './QuotaInput';
import { editFormOf, userPatch, type EditableStatus, type EditUserForm, type UserPatch } from './userPatch';

const STATUS_OPTIONS = [
  { value: 'active', label: 'Active' },
  { value: 'pending', label: 'Pending' },
  { value: 'suspended', label: 'Suspended' },
] as const satisfies readonly { value: EditableStatus; label: string }[];

interface EditUserDialogProps {
  /** The user being edited; null while closed. */
  user: User | null;
  isMe: boolean;
  onClose: () => void;
}

export function EditUserDialog({ user, isMe, onClose }: EditUserDialogProps) {
  return (
    <Modal open={user !== null} onOpenChange={(open) => !open && onClose()} title={user ? `Edit ${user.username}` : 'Edit user'} description={isMe ? 'This is your own account.' : undefined}>
      {user ? <EditUserFormView key={user.id} user={user} isMe={isMe} onClose={onClose} /> : null}
    </Modal>
  );
}

function EditUserFormView({ user, isMe, onClose }: { user: User; isMe: boolean; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterUserChange();
  const [form, setForm] = useState<EditUserForm>(() => editFormOf(user));
  const [problems, setProblems] = useState<{ displayName?: string; quota?: string }>({});
  const set = <K extends keyof EditUserForm>(key: K) => (value: EditUserForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const save = useMutation({
    mutationFn: (patch: UserPatch) => api.updateUser(user.id, patch),
    onSuccess: async (updated) => {
      toast.success(`Saved changes to ${updated.username}`);
      onClose();
      await refresh(updated.id);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = userPatch(user, form);
    setProblems(result.ok ? {} : result.problems);
    if (!result.ok) return;
    if (Object.keys(result.patch).length === 0) {
      toast.show(`Nothing changed for ${user.username}`);
      onClose();
      return;
    }
    save.mutate(result.patch);
  };

  const statusHint =
    form.status === 'suspended' && user.status !== 'suspended'
      ? 'Suspending signs them out everywhere at once and refuses new sign-ins.'
      : form.status === 'pending' && user.status !== 'pending'
        ? 'Pending accounts cannot sign in until they are activated.'
        : undefined;
  const roleHint = isMe && form.role === 'user' ? 'You will lose access to Administration.' : undefined;

  return (
    <form onSubmit={submit} noValidate aria-busy={save.isPending || undefined}>
      <TextField label="Display name" value={form.displayName} onValueChange={set('displayName')} error={problems.displayName} autoComplete="off" autoFocus />
      <TextField label="Email" type="email" value={form.email} onValueChange={set('email')} hint="Leave empty to remove it." autoComplete="off" />
      <SelectField label="Role" value={form.role} options={ROLE_OPTIONS} onValueChange={set('role')} hint={roleHint} />
      <SelectField label="Status" value={form.status} options={STATUS_OPTIONS} onValueChange={set('status')} hint={statusHint} />
      <QuotaInput value={form.quota} onChange={set('quota')} error={problems.quota} />
      <TextField
        label="New password"
        type="password"
        value={form.password}
        onValueChange={set('password')}
        hint="Optional. Leave empty to keep the current one; a new one signs them out of the web app."
        autoComplete="new-password"
      />
      {save.error ? <ErrorNotice error={save.error} /> : null}
      <div className="modal-footer">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
