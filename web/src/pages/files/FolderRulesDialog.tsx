import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { FolderPolicies, FolderPolicyChange } from '../../api/org-types';
import type { FileNode } from '../../api/types';
import { useApi } from '../../app-context';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { Field } from '../../ui/Field';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { describeEffective, policyChange, rulesForm } from './folderRules';

const policyKey = (id: string) => ['folder-policy', id];

interface Props {
  folder: FileNode;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/**
 * A folder's rules: what applies in it (its own rules and those of the folders above) and its own,
 * which its managers set. The server has the last word and its refusals are shown as it gives them.
 */
export function FolderRulesDialog({ folder, open, onOpenChange }: Props) {
  const api = useApi();
  const policy = useQuery({ queryKey: policyKey(folder.id), queryFn: () => api.folderPolicy(folder.id) });
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={`Folder rules of “${folder.name}”`} description="Rules apply to this folder and everything below it." wide>
      {policy.isPending ? <Spinner label="Loading the rules" /> : null}
      {policy.isError ? <ErrorNotice error={policy.error} onRetry={() => void policy.refetch()} /> : null}
      {policy.data ? (
        <>
          <EffectiveRules policies={policy.data} folderId={folder.id} />
          <RulesForm folder={folder} policies={policy.data} onClose={() => onOpenChange(false)} />
        </>
      ) : null}
    </Modal>
  );
}

function EffectiveRules({ policies, folderId }: { policies: FolderPolicies; folderId: string }) {
  const lines = describeEffective(policies.effective, folderId);
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="rules-effective">
      <h3 id={headingId}>What applies here</h3>
      {lines.length === 0 ? (
        <p className="muted">No rules: any file may be stored, changed and deleted here.</p>
      ) : (
        <ul>
          {lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RulesForm({ folder, policies, onClose }: { folder: FileNode; policies: FolderPolicies; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [form, setForm] = useState(() => rulesForm(policies.own));
  const [sizeError, setSizeError] = useState<string | null>(null);
  const [ageError, setAgeError] = useState<string | null>(null);
  const noteId = useId();
  const done = async (message: string, answer: FolderPolicies) => {
    queryClient.setQueryData(policyKey(folder.id), answer);
    // Folders below inherit the change.
    await queryClient.invalidateQueries({ queryKey: ['folder-policy'] });
    toast.success(message);
    onClose();
  };
  const save = useMutation({ mutationFn: (change: FolderPolicyChange) => api.setFolderPolicy(folder.id, change), onSuccess: (answer) => done(`Saved the rules of “${folder.name}”`, answer) });
  const remove = useMutation({ mutationFn: () => api.removeFolderPolicy(folder.id), onSuccess: (answer) => done(`Removed the rules of “${folder.name}”`, answer) });
  const refusal = save.error ?? remove.error;
  const busy = save.isPending || remove.isPending;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.reset();
    remove.reset();
    const result = policyChange(form);
    setSizeError(!result.ok && result.error.includes('MB') ? result.error : null);
    setAgeError(!result.ok && result.error.includes('days') ? result.error : null);
    if (result.ok) save.mutate(result.change);
  };
  return (
    <form onSubmit={submit} noValidate aria-busy={busy || undefined}>
      <h3>This folder’s own rules</h3>
      <Field label="Allowed extensions" hint="Separated by commas, such as “pdf, zip”; empty: any.">
        {({ id, describedBy }) => <input id={id} type="text" value={form.extensions} onChange={(e) => setForm({ ...form, extensions: e.target.value })} aria-describedby={describedBy} autoComplete="off" spellCheck={false} />}
      </Field>
      <Field label="Allowed media types" hint="What the content must be, such as “application/pdf, image/*”; empty: any.">
        {({ id, describedBy }) => <input id={id} type="text" value={form.types} onChange={(e) => setForm({ ...form, types: e.target.value })} aria-describedby={describedBy} autoComplete="off" spellCheck={false} />}
      </Field>
      <Field label="Max file size (MB)" hint="Empty: no limit." error={sizeError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} type="number" min="0" step="any" value={form.maxMb} onChange={(e) => setForm({ ...form, maxMb: e.target.value })} aria-describedby={describedBy} aria-invalid={invalid} />
        )}
      </Field>
      <Field label="Delete items after (days)" hint="Items unchanged here for longer are deleted for good, not moved to the trash; empty: kept." error={ageError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} type="number" min="0" step="any" value={form.maxAgeDays} onChange={(e) => setForm({ ...form, maxAgeDays: e.target.value })} aria-describedby={describedBy} aria-invalid={invalid} />
        )}
      </Field>
      <label className="check-field">
        <input type="checkbox" checked={form.writeOnce} onChange={(e) => setForm({ ...form, writeOnce: e.target.checked })} aria-describedby={noteId} />
        <span>Write-once</span>
      </label>
      <p id={noteId} className="muted write-once-note">
        Files can be added, never overwritten, renamed, moved out or deleted. Only owners and admins of the organisation can lift write-once again.
      </p>
      {refusal ? <ErrorNotice error={refusal} /> : null}
      <div className="modal-footer">
        {policies.own ? (
          <button type="button" className="button button-danger" disabled={busy} onClick={() => remove.mutate()}>
            {remove.isPending ? 'Removing…' : 'Remove rules'}
          </button>
        ) : null}
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {save.isPending ? 'Saving…' : 'Save rules'}
        </button>
      </div>
    </form>
  );
}
