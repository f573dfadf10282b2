import { useMutation } from '@tanstack/react-query';
import { AlertTriangle } from 'lucide-react';
import { useEffect, useId, useRef, useState, type FormEvent, type RefObject } from 'react';
import { errorMessage } from '../api/errors';
import type { Link, LinkChange, LinkCreate, LinkPermission } from '../api/links-types';
import { useApi } from '../app-context';
import { Field } from '../ui/Field';
import { dateInputToIso, isoToDateInput, PERMISSION_HINT, PERMISSION_LABEL, toDateInput, type ShareTarget } from './format';

/** The server's shortest password for a link. */
export const MIN_LINK_PASSWORD = 4;

const PERMISSIONS: readonly LinkPermission[] = ['read', 'upload', 'read-write'];

interface LinkFormProps {
  node: ShareTarget;
  /** The link to change; without it the form makes a new one. */
  link?: Link;
  onDone: (link: Link) => void;
  onCancel: () => void;
}

interface Values {
  name: string;
  permission: LinkPermission;
  usePassword: boolean;
  password: string;
  expiry: string;
  maxDownloads: string;
  maxViews: string;
}

type FieldErrors = Partial<Record<'password' | 'maxDownloads' | 'maxViews', string>>;

function initialValues(link: Link | undefined): Values {
  return {
    name: link?.name ?? '',
    permission: link?.permission ?? 'read',
    usePassword: link?.has_password ?? false,
    password: '',
    expiry: isoToDateInput(link?.expires_at),
    maxDownloads: link?.max_downloads ? String(link.max_downloads) : '',
    maxViews: link?.max_views ? String(link.max_views) : '',
  };
}

/** The server's largest download or view limit. */
export const MAX_LINK_LIMIT = 1_000_000;

/** '' is no limit; anything else must be a whole number from 1 to MAX_LINK_LIMIT. */
function parseLimit(text: string): number | null | 'invalid' {
  const t = text.trim();
  if (!t) return null;
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > MAX_LINK_LIMIT) return 'invalid';
  return Number(t);
}

function validate(v: Values, hadPassword: boolean): FieldErrors {
  const errors: FieldErrors = {};
  // Keeping a password already set needs no new one; a new or first password needs enough letters.
  if (v.usePassword && (v.password.length > 0 || !hadPassword) && v.password.length < MIN_LINK_PASSWORD) {
    errors.password = `Use at least ${MIN_LINK_PASSWORD} characters.`;
  }
  const limitError = `Enter a whole number from 1 to ${MAX_LINK_LIMIT.toLocaleString()}, or leave it empty for no limit.`;
  if (parseLimit(v.maxDownloads) === 'invalid') errors.maxDownloads = limitError;
  if (parseLimit(v.maxViews) === 'invalid') errors.maxViews = limitError;
  return errors;
}

const limitOf = (text: string) => {
  const n = parseLimit(text);
  return n === 'invalid' ? null : n;
};

function createBody(nodeId: string, v: Values): LinkCreate {
  return {
    node_id: nodeId,
    ...(v.name.trim() ? { name: v.name.trim() } : {}),
    permission: v.permission,
    ...(v.usePassword ? { password: v.password } : {}),
    expires_at: dateInputToIso(v.expiry),
    max_downloads: limitOf(v.maxDownloads),
    max_views: limitOf(v.maxViews),
  };
}

/** Only what changed, so saving a name never touches the password or the counters' limits. */
function changeBody(link: Link, v: Values): LinkChange {
  const before = initialValues(link);
  const change: LinkChange = {};
  if (v.name.trim() !== before.name) change.name = v.name.trim();
  if (v.permission !== before.permission) change.permission = v.permission;
  if (!v.usePassword && link.has_password) change.password = null;
  else if (v.usePassword && v.password) change.password = v.password;
  if (v.expiry !== before.expiry) change.expires_at = dateInputToIso(v.expiry);
  if (v.maxDownloads.trim() !== before.maxDownloads) change.max_downloads = limitOf(v.maxDownloads);
  if (v.maxViews.trim() !== before.maxViews) change.max_views = limitOf(v.maxViews);
  return change;
}

/** Makes a public link, or changes one: permission, password, expiry and limits. */
export function LinkForm({ node, link, onDone, onCancel }: LinkFormProps) {
  const api = useApi();
  const errorId = useId();
  const [values, setValues] = useState<Values>(() => initialValues(link));
  const [errors, setErrors] = useState<FieldErrors>({});
  const nameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const downloadsRef = useRef<HTMLInputElement>(null);
  const viewsRef = useRef<HTMLInputElement>(null);
  const hadPassword = link?.has_password ?? false;
  const isFolder = node.kind === 'folder';
  const save = useMutation({
    mutationFn: (v: Values) => (link ? api.updateLink(link.id, changeBody(link, v)) : api.createLink(createBody(node.id, v))),
    onSuccess: onDone,
  });

  useEffect(() => nameRef.current?.focus(), []);

  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (save.isError) save.reset();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const found = validate(values, hadPassword);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      // Focus goes to the first field to fix.
      const first = found.password ? passwordRef : found.maxDownloads ? downloadsRef : viewsRef;
      first.current?.focus();
      return;
    }
    if (link && Object.keys(changeBody(link, values)).length === 0) {
      onCancel();
      return;
    }
    save.mutate(values);
  };

  const label = link ? `Change link ${link.name || 'without a name'}` : `New link to ${node.name}`;
  return (
    <form className="link-form" aria-label={label} onSubmit={submit} noValidate>
      <Field label="Name" hint="Optional, to tell links apart: who it is for, say.">
        {(c) => <input ref={nameRef} id={c.id} aria-describedby={c.describedBy} type="text" maxLength={200} autoComplete="off" value={values.name} onChange={(e) => set('name', e.target.value)} />}
      </Field>

      {isFolder ? (
        <fieldset className="link-permissions">
          <legend>Visitors can</legend>
          {PERMISSIONS.map((p) => (
            <label key={p} className="link-permission">
              <input type="radio" name="permission" value={p} checked={values.permission === p} onChange={() => set('permission', p)} />
              <span>
                <strong>{PERMISSION_LABEL[p]}</strong>
                <span className="muted">{PERMISSION_HINT[p]}</span>
              </span>
            </label>
          ))}
        </fieldset>
      ) : (
        <p className="muted link-file-note">Visitors can view and download this file.</p>
      )}

      <div className="link-password">
        <label className="check-field">
          <input
            type="checkbox"
            checked={values.usePassword}
            onChange={(e) => {
              set('usePassword', e.target.checked);
              if (e.target.checked) requestAnimationFrame(() => passwordRef.current?.focus());
            }}
          />
          <span>Require a password</span>
        </label>
        {values.usePassword ? (
          <Field
            label={hadPassword ? 'New password' : 'Password'}
            hint={hadPassword ? 'Leave it empty to keep the current password.' : `At least ${MIN_LINK_PASSWORD} characters.`}
            error={errors.password}
          >
            {(c) => (
              <input
                ref={passwordRef}
                id={c.id}
                type="password"
                autoComplete="new-password"
                value={values.password}
                aria-invalid={c.invalid}
                aria-describedby={c.describedBy}
                onChange={(e) => set('password', e.target.value)}
              />
            )}
          </Field>
        ) : null}
      </div>

      <div className="link-limits">
        <Field label="Works until" hint="Optional; through the end of that day.">
          {(c) => <input id={c.id} aria-describedby={c.describedBy} type="date" min={toDateInput(new Date())} value={values.expiry} onChange={(e) => set('expiry', e.target.value)} />}
        </Field>
        <Field label="Download limit" hint="Optional; empty for no limit." error={errors.maxDownloads}>
          {(c) => <LimitInput id={c.id} describedBy={c.describedBy} invalid={c.invalid} inputRef={downloadsRef} value={values.maxDownloads} onChange={(v) => set('maxDownloads', v)} />}
        </Field>
        <Field label="View limit" hint="Optional; empty for no limit." error={errors.maxViews}>
          {(c) => <LimitInput id={c.id} describedBy={c.describedBy} invalid={c.invalid} inputRef={viewsRef} value={values.maxViews} onChange={(v) => set('maxViews', v)} />}
        </Field>
      </div>

      {save.isError ? (
        <p id={errorId} className="notice notice-error" role="alert">
          <AlertTriangle aria-hidden size={18} />
          <span>{errorMessage(save.error)}</span>
        </p>
      ) : null}
      <div className="button-row link-form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? (link ? 'Saving…' : 'Creating…') : link ? 'Save changes' : 'Create link'}
        </button>
      </div>
    </form>
  );
}

function LimitInput({
  id,
  describedBy,
  invalid,
  inputRef,
  value,
  onChange,
}: {
  id: string;
  describedBy: string | undefined;
  invalid: true | undefined;
  inputRef: RefObject<HTMLInputElement | null>;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <input
      ref={inputRef}
      id={id}
      type="number"
      inputMode="numeric"
      min={1}
      max={MAX_LINK_LIMIT}
      step={1}
      value={value}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
