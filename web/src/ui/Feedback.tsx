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

export function ErrorNotice({ error, action }: { error: unknown; action?: ReactNode }) {
  return (
    <div className="notice notice-error" role="alert">
      <AlertTriangle aria-hidden size={18} />
      <span>{errorMessage(error)}</span>
      {action}
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
