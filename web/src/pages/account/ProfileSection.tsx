import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Pencil } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import type { User } from '../../api/types';
import { useApi } from '../../app-context';
import { formatDate } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { InlineError } from '../../ui/InlineError';

export function ProfileSection({ user }: { user: User }) {
  const [editing, setEditing] = useState(false);
  return (
    <section className="card" aria-labelledby="account-profile">
      <h2 id="account-profile">Profile</h2>
      <dl className="account-facts">
        <div>
          <dt>Username</dt>
          <dd className="mono">{user.username}</dd>
        </div>
        <div>
          <dt>Display name</dt>
          <dd>{user.display_name || <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>{user.email ?? <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{user.role === 'admin' ? 'Administrator' : 'User'}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>{formatDate(user.created_at)}</dd>
        </div>
      </dl>
      <button type="button" className="button" onClick={() => setEditing(true)}>
        <Pencil aria-hidden size={16} /> Edit profile
      </button>
      {editing ? <EditProfileDialog user={user} onClose={() => setEditing(false)} /> : null}
    </section>
  );
}

/** Display name and email; the username never changes (it names the WebDAV paths). */
function EditProfileDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [displayName, setDisplayName] = useState(user.display_name);
  const [email, setEmail] = useState(user.email ?? '');
  const save = useMutation({
    mutationFn: () => {
      const change: { display_name?: string; email?: string | null } = {};
      if (displayName.trim() !== user.display_name) change.display_name = displayName.trim();
      const nextEmail = email.trim() === '' ? null : email.trim();
      if (nextEmail !== user.email) change.email = nextEmail;
      return api.updateProfile(change);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['account'] });
      toast.success('Profile saved');
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Modal
      open
      onOpenChange={(open) => !open && !save.isPending && onClose()}
      title="Edit profile"
      description="Your username stays the same: WebDAV clients and app passwords use it."
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="profile-form" className="button button-primary" disabled={save.isPending || displayName.trim() === ''}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="profile-form" onSubmit={submit} noValidate>
        <InlineError error={save.error} />
        <label className="field">
          <span>Display name</span>
          <input name="display_name" autoComplete="name" required maxLength={200} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </label>
        <label className="field">
          <span>
            Email <span className="hint">(optional; you can sign in with it)</span>
          </span>
          <input name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
      </form>
    </Modal>
  );
}
