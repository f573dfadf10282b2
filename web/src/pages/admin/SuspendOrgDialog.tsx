import type { Organisation } from '../../api/org-types';
import { useApi } from '../../app-context';
import { ConfirmAction } from '../../ui/ConfirmAction';
import { useToast } from '../../ui/Toasts';
import { useRefreshOrgs } from './orgQueries';

/** Confirms a suspension, saying what it does to the organisation's people and data. */
export function SuspendOrgDialog({ org, onClose }: { org: Organisation | null; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshOrgs();
  return (
    <ConfirmAction
      target={org}
      onClose={onClose}
      title={org ? `Suspend ${org.name}?` : 'Suspend organisation?'}
      description="All access to its spaces stops at once — for its members, their shares and its applications — until an administrator reactivates it. Its data is kept."
      confirmLabel="Suspend"
      pendingLabel="Suspending…"
      run={(target) => api.suspendOrg(target.slug)}
      onSuccess={async (target) => {
        toast.success(`Suspended ${target.name}`);
        await refresh();
      }}
    />
  );
}
