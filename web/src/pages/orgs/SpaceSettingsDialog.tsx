import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import type { Space, SpaceChange } from '../../api/org-types';
import { useApi } from '../../app-context';
import { ErrorNotice } from '../../ui/Feedback';
import { Field } from '../../ui/Field';
import { formatBytes } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { QuotaInput } from '../admin/QuotaInput';
import { useRefresh } from './queries';
import { fieldOfRefusal, LAYOUT_EXAMPLE, settingsChange, settingsForm, type SettingsForm, type SettingsProblems } from './spaceSettings';

interface Props {
  space: Space;
  slug: string;
  /** Owners and admins of the organisation also set the quota. */
  canSetQuota: boolean;
  onClose: () => void;
}

/** A space's settings: quota, trash retention, time-stamped names and its path layout. */
export function SpaceSettingsDialog({ space, slug, canSetQuota, onClose }: Props) {
  return (
    <Modal open onOpenChange={(open) => (open ? undefined : onClose())} title={`Settings of ${space.name}`} description="They apply to everything stored in the space from now on." wide>
      <SpaceSettingsForm space={space} slug={slug} canSetQuota={canSetQuota} onClose={onClose} />
    </Modal>
  );
}

function SpaceSettingsForm({ space, slug, canSetQuota, onClose }: Props) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefresh(['org', slug, 'spaces'], ['spaces']);
  const [form, setForm] = useState(() => settingsForm(space));
  const [problems, setProblems] = useState<SettingsProblems>({});
  const [refusal, setRefusal] = useState<unknown>(null);
  const save = useMutation({
    mutationFn: (change: SpaceChange) => api.updateSpace(space.id, change),
    onSuccess: async (saved) => {
      toast.success(`Saved the settings of ${saved.name}`);
      onClose();
      await refresh();
    },
    onError: (err, change) => {
      // The server's reason goes next to the field it is about; anything else under the form.
      const field = fieldOfRefusal(err, change);
      if (field) setProblems({ [field]: errorMessage(err) });
      else setRefusal(err);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setRefusal(null);
    const result = settingsChange(form, space, canSetQuota);
    setProblems(result.ok ? {} : result.problems);
    if (!result.ok) return;
    if (Object.keys(result.change).length === 0) onClose();
    else save.mutate(result.change);
  };
  return (
    <form onSubmit={submit} noValidate aria-busy={save.isPending || undefined}>
      {canSetQuota ? (
        <QuotaInput value={form.quota} onChange={(quota) => setForm({ ...form, quota })} error={problems.quota} hint="Unlimited: the space has no limit of its own." />
      ) : (
        <p className="muted">Quota: {space.quota_bytes === null ? 'no limit' : formatBytes(space.quota_bytes)} (set by the organisation’s owners and admins)</p>
      )}
      <Field label="Trash kept (days)" hint="0: until the trash is emptied; empty: the instance’s default." error={problems.retention}>
        {({ id, describedBy, invalid }) => (
          <input id={id} type="number" min="0" max="36500" step="1" value={form.retention} onChange={(e) => setForm({ ...form, retention: e.target.value })} aria-describedby={describedBy} aria-invalid={invalid} />
        )}
      </Field>
      {canSetQuota ? (
        <Field label="Sharing" hint="Made stricter, it stops existing links or shares at once; made looser again, they work again.">
          {({ id, describedBy }) => (
            <select id={id} value={form.sharePolicy} onChange={(e) => setForm({ ...form, sharePolicy: e.target.value as SettingsForm['sharePolicy'] })} aria-describedby={describedBy}>
              <option value="all">With people and by public link</option>
              <option value="people">With people only</option>
              <option value="off">Off</option>
            </select>
          )}
        </Field>
      ) : null}
      <label className="check-field">
        <input type="checkbox" checked={form.timestampNames} onChange={(e) => setForm({ ...form, timestampNames: e.target.checked })} />
        <span>
          Time-stamped names <span className="muted">(stored file names start with the upload time)</span>
        </span>
      </label>
      <Field
        label="Path layout (JSON)"
        hint={
          <>
            Empty: files may lie anywhere. A pattern of named segments ending in {'{file}'} or **, with what each segment may be.{' '}
            <button type="button" className="link-button" onClick={() => setForm({ ...form, layout: LAYOUT_EXAMPLE })}>
              Insert the example
            </button>
          </>
        }
        error={problems.layout}
      >
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            className="mono layout-editor"
            rows={10}
            spellCheck={false}
            autoCapitalize="none"
            autoComplete="off"
            placeholder={LAYOUT_EXAMPLE}
            value={form.layout}
            onChange={(e) => setForm({ ...form, layout: e.target.value })}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      {refusal ? <ErrorNotice error={refusal} /> : null}
      <div className="modal-footer">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}
