import { AlertTriangle, Loader2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/errors';

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="spinner" role="status">
      <Loader2 aria-hidden className="spin" size={20} />
      <span>{label}…</span>
    </div>
  );
}

/** The reason something failed, with an `action` of the caller's or, given `onRetry`, a "Try again" button. */
export function ErrorNotice({ error, action, onRetry }: { error: unknown; action?: ReactNode; onRetry?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <AlertTriangle aria-hidden size={18} />
      <span>{errorMessage(error)}</span>
      {action}
      {onRetry ? (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ icon, title, children }: { icon?: ReactNode; title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      {icon}
      <h2>{title}</h2>
      {children ? <p>{children}</p> : null}
    </div>
  );
}
