import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/errors';
import { Logo } from '../layout/Logo';
import { useAuth } from './AuthProvider';

/** Words for why a sign-in failed, from the server's answer. */
export function signInError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429) {
      const retry = Number(err.problem.retryAfter);
      return `Too many attempts. Try again in ${Number.isFinite(retry) && retry > 0 ? `${retry} seconds` : 'a little while'}.`;
    }
    if (err.status === 401) return 'Wrong username or password.';
    if (err.status === 403) return err.detail || 'This account cannot sign in. Ask your administrator.';
    return err.detail;
  }
  return err instanceof Error ? err.message : 'Sign-in failed.';
}

/**
 * `purpose` says why signing in is asked for here (e.g. to let a device in), above the form;
 * `initialUsername` fills the username (a Nextcloud client may name the account it expects).
 */
export function LoginPage({ purpose, initialUsername = '' }: { purpose?: string | undefined; initialUsername?: string | undefined } = {}) {
  const { signIn } = useAuth();
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username.trim(), password);
    } catch (err) {
      setError(signInError(err));
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title" noValidate>
        <Logo />
        <h1 id="login-title">Sign in to Coffer</h1>
        {purpose ? <p className="notice notice-info">{purpose}</p> : null}
        {error ? (
          <p className="notice notice-error" role="alert" id="login-error">
            {error}
          </p>
        ) : null}
        <label className="field">
          <span>Username or email</span>
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} aria-invalid={error ? true : undefined} autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={error ? true : undefined} />
        </label>
        <button type="submit" className="button button-primary button-block" disabled={busy || !username || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
