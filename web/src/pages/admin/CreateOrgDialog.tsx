import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { NewOrganisation } from '../../api/org-types';
import { useApi } from '../../app-context';
import { ErrorNotice } from '../../ui/Feedback';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { TextField } from './fields';
import { slugOf } from './orgForm';
import { useRefreshOrgs } from './orgQueries';

export function CreateOrgDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="Create organisation" description="Its first owner runs it from then on: adds members, groups and spaces.">
      {/* Mounted only while open, so every opening starts from an empty form. */}
      <CreateOrgForm onClose={() => onOpenChange(false)} />
    </Modal>
  );
}

type Problems = Partial<Record<keyof NewOrganisation, string>>;

function CreateOrgForm({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshOrgs();
  const [name, setName] = useState('');
  // The handle follows the name until someone types one of their own.
  const [slug, setSlug] = useState<string | null>(null);
  const [owner, setOwner] = useState('');
  const [tenant, setTenant] = useState(false);
  const [problems, setProblems] = useState<Problems>({});
  const create = useMutation({
    mutationFn: (body: NewOrganisation) => api.createOrg(body),
    onSuccess: async (org) => {
      toast.success(`Created ${org.name}`);
      onClose();
      await refresh();
    },
  });
  const handle = slug ?? slugOf(name);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.reset();
    const found: Problems = {};
    if (!name.trim()) found.name = 'Enter a name';
    if (!handle.trim()) found.slug = 'Enter a handle';
    if (!owner.trim()) found.owner = 'Enter the username of its first owner';
    setProblems(found);
    if (Object.keys(found).length === 0) create.mutate({ name: name.trim(), slug: handle.trim(), owner: owner.trim(), ...(tenant ? { tenant: true } : {}) });
  };
  return (
    <form onSubmit={submit} noValidate aria-busy={create.isPending || undefined}>
      <TextField label="Name" value={name} onValueChange={setName} error={problems.name} autoComplete="off" required autoFocus />
      <TextField
        label="Handle"
        value={handle}
        onValueChange={setSlug}
        error={problems.slug}
        hint="In addresses and the CLI: lower-case letters, digits and “-”."
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        required
      />
      <TextField label="First owner" value={owner} onValueChange={setOwner} error={problems.owner} hint="The username or email of an existing user." autoComplete="off" autoCapitalize="none" spellCheck={false} required />
      <label className="check-field">
        <input type="checkbox" checked={tenant} onChange={(e) => setTenant(e.target.checked)} />
        <span>A customer tenant: its admins (and you) read its files only in a support session its owner approved</span>
      </label>
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
