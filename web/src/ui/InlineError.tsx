import { errorMessage } from '../api/errors';

/** The server's reason inside a confirmation, where the action failed. */
export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <span className="confirm-error" role="alert">
      {errorMessage(error)}
    </span>
  );
}
