import { useMutation, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, Lock } from 'lucide-react';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/errors';
import { formatDuration } from '../../ui/format';
import { retryAfterOf, usePublicApi } from './publicApi';

/** Focuses the page's heading once the content behind the password has arrived. */
export function focusPageHeading() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('.public-main h1')?.focus());
}

function refusal(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return err.problem.detail ?? 'That password is not right. Try again.';
  if (err instanceof ApiError && err.status === 429) return err.problem.detail ?? 'Too many tries.';
  return errorMessage(err);
}

/** Asks for the link's password; the server remembers a right one for this link in a cookie. */
export function LockedForm({ token, name }: { token: string; name: string }) {
  const api = usePublicApi();
  const queryClient = useQueryClient();
  const inputId = useId();
  const errorId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [password, setPassword] = useState('');
  // While rate limited: when trying is allowed again, and the seconds left, counted down.
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [secondsLeft, setSecondsLeft] = useState(0);
  // The wait as it was when refused: the alert says it once instead of counting aloud.
  const [waitSeconds, setWaitSeconds] = useState<number | null>(null);
  const unlock = useMutation({
    mutationFn: (pw: string) => api.unlock(token, pw),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['public-link', token] });
      focusPageHeading();
    },
    onError: (err) => {
      setPassword('');
      if (err instanceof ApiError && err.status === 429) {
        const wait = retryAfterOf(err);
        setWaitSeconds(wait ?? null);
        setRetryAt(Date.now() + (wait ?? 30) * 1000);
      } else {
        setWaitSeconds(null);
      }
      requestAnimationFrame(() => inputRef.current?.focus());
    },
  });

  useEffect(() => {
    if (retryAt === null) return;
    const tick = () => {
      const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      setSecondsLeft(left);
      if (left === 0) setRetryAt(null);
    };
    tick();
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [retryAt]);

  const waiting = retryAt !== null && secondsLeft > 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!password || unlock.isPending || waiting) return;
    unlock.mutate(password);
  };

  return (
    <section className="public-locked" aria-labelledby={`${inputId}-title`}>
      <Lock aria-hidden size={36} className="public-locked-icon" />
      <h1 id={`${inputId}-title`} tabIndex={-1}>
        {name ? `“${name}” is protected` : 'This link is protected'}
      </h1>
      <p className="muted">Enter the password you were given with the link.</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label className="field-label" htmlFor={inputId}>
            Password
          </label>
          <input
            ref={inputRef}
            id={inputId}
            type="password"
            autoComplete="current-password"
            autoFocus
            value={password}
            aria-invalid={unlock.isError || undefined}
            aria-describedby={unlock.isError ? errorId : undefined}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {unlock.isError ? (
          <p id={errorId} className="notice notice-error" role="alert">
            <AlertTriangle aria-hidden size={18} />
            <span>
              {refusal(unlock.error)}
              {waitSeconds !== null ? ` Try again in ${formatDuration(waitSeconds)}.` : ''}
            </span>
          </p>
        ) : null}
        <button type="submit" className="button button-primary button-block" disabled={!password || unlock.isPending || waiting}>
          {unlock.isPending ? 'Checking…' : waiting ? `Wait ${formatDuration(secondsLeft)}` : 'Open'}
        </button>
      </form>
    </section>
  );
}
