import type { User } from '../../api/types';
import { useApi } from '../../app-context';
import { ConfirmAction } from '../../ui/ConfirmAction';
import { useToast } from '../../ui/Toasts';
import { useRefreshAfterUserChange } from './invalidate';

/** Confirms a suspension, saying what it does to the person's sessions. */
export function SuspendUserDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterUserChange();
  return (
    <ConfirmAction
      target={user}
      onClose={onClose}
      title={user ? `Suspend ${user.username}?` : 'Suspend user?'}
      description="Suspending ends all of their sessions at once — in the browser, WebDAV and sync clients — and refuses new sign-ins until an administrator reactivates the account. Their files are kept."
      confirmLabel="Suspend"
      pendingLabel="Suspending…"
      run={(target) => api.suspendUser(target.id)}
      onSuccess={async (target) => {
        toast.success(`Suspended ${target.username}`);
        await refresh(target.id);
      }}
    />
  );
}
