import { AlertTriangle } from 'lucide-react';
import { errorMessage } from '../../api/errors';

/** The server's reason, shown inside the dialog or form where the action failed. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="notice notice-error admin-form-error" role="alert">
      <AlertTriangle aria-hidden size={18} />
      <span>{errorMessage(error)}</span>
    </p>
  );
}
