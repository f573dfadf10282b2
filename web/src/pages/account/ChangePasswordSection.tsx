import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/errors';
import { useApi } from '../../app-context';

/** Which field a refused change is about, so that field is marked. */
function fieldOf(err: unknown): 'current' | 'next' | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 403) return 'current';
  if (err.status === 400) return 'next';
  return null;
}

export function ChangePasswordSection() {
  const api = useApi();
  const ids = useId();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const confirmRef = useRef<HTMLInputElement>(null);
  const change = useMutation({
    mutationFn: () => api.changePassword(current, next),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
    },
  });

  const edited = () => {
    if (change.isSuccess || change.isError) change.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (next !== confirm) {
      setMismatch(true);
      confirmRef.current?.focus();
      return;
    }
    setMismatch(false);
    change.mutate();
  };

  const wrong = fieldOf(change.error);
  const errorId = `${ids}-error`;
  const mismatchId = `${ids}-mismatch`;
  return (
    <section className="card" aria-labelledby="account-password">
      <h2 id="account-password">Change password</h2>
      <form className="account-form" onSubmit={submit}>
        {change.isError ? (
          <p className="notice notice-error" role="alert" id={errorId}>
            {errorMessage(change.error)}
          </p>
        ) : null}
        <p className="sr-only" aria-live="polite">
          {change.isPending ? 'Changing the password…' : ''}
        </p>
        {change.isSuccess ? (
          <p className="notice notice-success" role="status">
            Password changed. Other sessions were signed out.
          </p>
        ) : null}
        <label className="field">
          <span>Current password</span>
          <input
            type="password"
            name="current-password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => {
              setCurrent(e.target.value);
              edited();
            }}
            aria-invalid={wrong === 'current' || undefined}
            aria-describedby={wrong === 'current' ? errorId : undefined}
          />
        </label>
        <label className="field">
          <span>New password</span>
          <input
            type="password"
            name="new-password"
            autoComplete="new-password"
            required
            value={next}
            onChange={(e) => {
              setNext(e.target.value);
              setMismatch(false);
              edited();
            }}
            aria-invalid={wrong === 'next' || undefined}
            aria-describedby={wrong === 'next' ? errorId : undefined}
          />
        </label>
        <label className="field">
          <span>Confirm new password</span>
          <input
            ref={confirmRef}
            type="password"
            name="confirm-password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => {
              setConfirm(e.target.value);
              setMismatch(false);
              edited();
            }}
            aria-invalid={mismatch || undefined}
            aria-describedby={mismatch ? mismatchId : undefined}
          />
        </label>
        {/* Outside the label, so the message does not become part of the field's name. */}
        {mismatch ? (
          <p className="field-error" id={mismatchId} role="alert">
            The new passwords do not match.
          </p>
        ) : null}
        <p className="muted account-note">Changing your password signs out your other browser sessions. App passwords keep working.</p>
        <button type="submit" className="button button-primary" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
