import { useMutation } from '@tanstack/react-query';
import { AlertTriangle } from 'lucide-react';
import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import type { Share, ShareRole } from '../../api/share-types';
import { useApi } from '../../app-context';
import { dateInputToIso, isoToDateInput, personName, ROLE_HINT, ROLE_LABEL, toDateInput } from '../../sharing/format';
import { RoleSelect, useRefreshSharing } from '../../sharing/PeopleSection';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';

/** Changes the role or the end date of one share. */
export function ShareChangeDialog({ share, onClose }: { share: Share | null; onClose: () => void }) {
  const formId = useId();
  return (
    <Modal
      open={share !== null}
      onOpenChange={(open) => !open && onClose()}
      title={share ? `Change sharing with ${personName(share.recipient)}` : 'Change sharing'}
      description={share ? `For “${share.node_name}”.` : undefined}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary">
            Save
          </button>
        </>
      }
    >
      {share ? <ChangeForm key={share.id} formId={formId} share={share} onDone={onClose} /> : null}
    </Modal>
  );
}

function ChangeForm({ formId, share, onDone }: { formId: string; share: Share; onDone: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshSharing();
  const roleId = useId();
  const hintId = useId();
  const expiryId = useId();
  const [role, setRole] = useState<ShareRole>(share.role);
  const [expiry, setExpiry] = useState(isoToDateInput(share.expires_at));
  const save = useMutation({
    mutationFn: () => {
      const body: { role?: ShareRole; expires_at?: string | null } = {};
      if (role !== share.role) body.role = role;
      if (expiry !== isoToDateInput(share.expires_at)) body.expires_at = dateInputToIso(expiry);
      return api.updateShare(share.id, body);
    },
    onSuccess: async (changed) => {
      toast.success(`Saved the changes for ${personName(changed.recipient)}`);
      onDone();
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    if (role === share.role && expiry === isoToDateInput(share.expires_at)) onDone();
    else save.mutate();
  };
  return (
    <form id={formId} onSubmit={submit} noValidate>
      <div className="field">
        <label className="field-label" htmlFor={roleId}>
          Role
        </label>
        <RoleSelect id={roleId} value={role} onChange={setRole} describedBy={hintId} />
        <span id={hintId} className="hint">
          {ROLE_LABEL[role]}: {ROLE_HINT[role]}.
        </span>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={expiryId}>
          Until <span className="hint">(optional; empty for no end)</span>
        </label>
        <input id={expiryId} type="date" min={toDateInput(new Date())} value={expiry} onChange={(e) => setExpiry(e.target.value)} />
      </div>
      {save.isError ? (
        <p className="notice notice-error" role="alert">
          <AlertTriangle aria-hidden size={18} />
          <span>{errorMessage(save.error)}</span>
        </p>
      ) : null}
      <p className="sr-only" aria-live="polite">
        {save.isPending ? 'Saving…' : ''}
      </p>
    </form>
  );
}
