import { useMutation } from '@tanstack/react-query';
import type { User } from '../../api/types';
import { useApi } from '../../app-context';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { FormError } from './FormError';
import { useRefreshAfterUserChange } from './invalidate';

/** Confirms a suspension, saying what it does to the person's sessions. */
export function SuspendUserDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterUserChange();
  const suspend = useMutation({
    mutationFn: (target: User) => api.suspendUser(target.id),
    onSuccess: async (_, target) => {
      toast.success(`Suspended ${target.username}`);
      onClose();
      await refresh(target.id);
    },
  });
  const change = (open: boolean) => {
    if (open || suspend.isPending) return;
    suspend.reset();
    onClose();
  };
  return (
    <Modal
      open={user !== null}
      onOpenChange={change}
      title={user ? `Suspend ${user.username}?` : 'Suspend user?'}
      description={
        <>
          Suspending ends all of their sessions at once — in the browser, WebDAV and sync clients — and refuses new sign-ins until an administrator reactivates the account. Their files
          are kept.
        </>
      }
      footer={
        <>
          <button type="button" className="button" onClick={() => change(false)}>
            Cancel
          </button>
          <button type="button" className="button button-danger" disabled={suspend.isPending} onClick={() => user && suspend.mutate(user)}>
            {suspend.isPending ? 'Suspending…' : 'Suspend'}
          </button>
        </>
      }
    >
      {suspend.error ? <FormError error={suspend.error} /> : null}
    </Modal>
  );
}
