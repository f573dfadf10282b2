import { useQuery } from '@tanstack/react-query';
import { Filter, X } from 'lucide-react';
import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import { useApi } from '../../app-context';
import { AUDIT_ACTIONS, auditFormProblem, auditQueryFromForm, EMPTY_AUDIT_FORM, type AuditFilters, type AuditForm } from './auditQuery';

/** Every user for the filter; a server with more than this many is searched by path or action instead. */
const USER_OPTIONS_LIMIT = 1000;

export function AuditFilterForm({ onApply }: { onApply: (filters: AuditFilters) => void }) {
  const api = useApi();
  const id = useId();
  const [form, setForm] = useState<AuditForm>(EMPTY_AUDIT_FORM);
  const [problem, setProblem] = useState<string | null>(null);
  const users = useQuery({ queryKey: ['admin', 'users', { limit: USER_OPTIONS_LIMIT }], queryFn: () => api.users({ limit: USER_OPTIONS_LIMIT }) });
  const set = (key: keyof AuditForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = auditFormProblem(form);
    setProblem(found);
    if (!found) onApply(auditQueryFromForm(form));
  };
  const clear = () => {
    setForm(EMPTY_AUDIT_FORM);
    setProblem(null);
    onApply({});
  };

  return (
    <form className="card admin-audit-filters" onSubmit={submit} noValidate aria-label="Filter the audit log">
      <div className="admin-filter-grid">
        <div className="field">
          <label htmlFor={`${id}-user`} className="admin-label">
            User
          </label>
          <select id={`${id}-user`} value={form.userId} onChange={set('userId')} aria-describedby={users.isError ? `${id}-user-error` : undefined}>
            <option value="">{users.isPending ? 'Any user (loading the list…)' : 'Any user'}</option>
            {users.data?.items.map((u) => (
              <option key={u.id} value={u.id}>
                {u.display_name && u.display_name !== u.username ? `${u.username} (${u.display_name})` : u.username}
              </option>
            ))}
          </select>
          {users.isError ? (
            <span id={`${id}-user-error`} className="admin-field-error">
              Could not load the users: {errorMessage(users.error)}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-action`} className="admin-label">
            Action
          </label>
          <select id={`${id}-action`} value={form.action} onChange={set('action')}>
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((g) => (
              <optgroup key={g.group} label={g.group}>
                {g.actions.map((a) => (
                  <option key={a.value} value={a.value}>
                    {`${a.label} (${a.value})`}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-path`} className="admin-label">
            Path starts with
          </label>
          <input id={`${id}-path`} type="text" value={form.pathPrefix} onChange={set('pathPrefix')} placeholder="/Projects" spellCheck={false} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`} className="admin-label">
            From
          </label>
          <input id={`${id}-from`} type="datetime-local" value={form.from} onChange={set('from')} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-problem` : undefined} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`} className="admin-label">
            To
          </label>
          <input id={`${id}-to`} type="datetime-local" value={form.to} onChange={set('to')} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-problem` : undefined} />
        </div>
      </div>
      {problem ? (
        <p id={`${id}-problem`} className="admin-field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="button-row">
        <button type="submit" className="button button-primary">
          <Filter aria-hidden size={16} />
          Apply filters
        </button>
        <button type="button" className="button" onClick={clear}>
          <X aria-hidden size={16} />
          Clear
        </button>
      </div>
    </form>
  );
}
