import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { InlineError } from './InlineError';
import { ConfirmDialog } from './Modal';

interface ConfirmActionProps<T> {
  /** What the action is about; the dialog is open while this is set. */
  target: T | null;
  onClose: () => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  /** The confirm button's words while the request runs ("Revoking…"). */
  pendingLabel: string;
  run: (target: T) => Promise<unknown>;
  /** After success, once the dialog has closed: toasts, refreshes, moving focus. */
  onSuccess: (target: T) => void | Promise<void>;
}

/**
 * Asks before a destructive request on one item, runs it, and keeps the dialog open with the
 * server's reason when it fails. It cannot be dismissed while the request runs.
 */
export function ConfirmAction<T>({ target, onClose, title, description, confirmLabel, pendingLabel, run, onSuccess }: ConfirmActionProps<T>) {
  const action = useMutation({
    mutationFn: (t: T) => run(t),
    onSuccess: async (_, done) => {
      onClose();
      await onSuccess(done);
    },
  });
  return (
    <ConfirmDialog
      open={target !== null}
      onOpenChange={(open) => {
        if (open || action.isPending) return;
        action.reset();
        onClose();
      }}
      title={title}
      description={
        <>
          {description}
          <InlineError error={action.error} />
        </>
      }
      confirmLabel={action.isPending ? pendingLabel : confirmLabel}
      danger
      busy={action.isPending}
      onConfirm={() => target !== null && action.mutate(target)}
    />
  );
}
