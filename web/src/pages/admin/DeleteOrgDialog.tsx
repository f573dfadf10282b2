import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Organisation } from '../../api/org-types';
import { useApi } from '../../app-context';
import { ErrorNotice } from '../../ui/Feedback';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { TextField } from './fields';
import { useRefreshOrgs } from './orgQueries';

/** Deletes an organisation with everything in its spaces, once its handle is typed again. */
export function DeleteOrgDialog({ org, onClose }: { org: Organisation; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshOrgs();
  const [typed, setTyped] = useState('');
  const remove = useMutation({
    mutationFn: () => api.deleteOrg(org.slug, typed.trim()),
    onSuccess: async (result) => {
      toast.success(`Deleted ${org.name} and its ${result.deleted_spaces === 1 ? 'space' : `${result.deleted_spaces} spaces`}`);
      onClose();
      await refresh();
    },
  });
  const matches = typed.trim().toLowerCase() === org.slug;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (matches && !remove.isPending) remove.mutate();
  };
  return (
    <Modal
      open
      onOpenChange={(open) => (open || remove.isPending ? undefined : onClose())}
      title={`Delete ${org.name}?`}
      description={`Its ${org.space_count === 1 ? 'space' : `${org.space_count} spaces`} and every file, version and trashed item in them are deleted for good, with its groups and applications. This cannot be undone.`}
    >
      <form onSubmit={submit} noValidate aria-busy={remove.isPending || undefined}>
        <TextField label={`Type “${org.slug}” to confirm`} value={typed} onValueChange={setTyped} autoComplete="off" autoCapitalize="none" spellCheck={false} autoFocus />
        {remove.error ? <ErrorNotice error={remove.error} /> : null}
        <div className="modal-footer">
          <button type="button" className="button" onClick={onClose} disabled={remove.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button-danger" disabled={!matches || remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete organisation'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
