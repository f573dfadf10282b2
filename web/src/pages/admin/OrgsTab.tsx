import { useQuery } from '@tanstack/react-query';
import { Building2, Plus } from 'lucide-react';
import type { Organisation } from '../../api/org-types';
import { useApi } from '../../app-context';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { CreateOrgDialog } from './CreateOrgDialog';
import { DeleteOrgDialog } from './DeleteOrgDialog';
import { OrgSpacesDialog } from './OrgSpacesDialog';
import { ORGS_QUERY } from './orgQueries';
import { OrgsTable } from './OrgsTable';
import { SuspendOrgDialog } from './SuspendOrgDialog';
import { useDialogTarget } from './useDialogTarget';

/**
 * Every organisation of the instance: made here with a first owner, who runs it from then on.
 * The instance's administrators suspend and delete them and see their spaces as entries, never
 * what is in them.
 */
export function OrgsTab() {
  const api = useApi();
  const orgs = useQuery({ queryKey: ORGS_QUERY, queryFn: () => api.allOrgs() });
  const [creating, openCreate, closeCreate] = useDialogTarget<true>();
  const [suspending, openSuspend, closeSuspend] = useDialogTarget<Organisation>();
  const [deleting, openDelete, closeDelete] = useDialogTarget<Organisation>();
  const [showingSpaces, openSpaces, closeSpaces] = useDialogTarget<Organisation>();
  return (
    <section aria-labelledby="admin-orgs-title">
      <div className="admin-section-header">
        <h2 id="admin-orgs-title">Organisations</h2>
        <button type="button" className="button button-primary" onClick={() => openCreate(true)}>
          <Plus aria-hidden size={18} />
          Create organisation
        </button>
      </div>
      {orgs.isPending ? <Spinner label="Loading organisations" /> : null}
      {orgs.isError ? <ErrorNotice error={orgs.error} onRetry={() => void orgs.refetch()} /> : null}
      {orgs.data && orgs.data.items.length === 0 ? (
        <EmptyState icon={<Building2 aria-hidden size={28} />} title="No organisations yet">
          An organisation has its own members, groups and spaces; its first owner runs it.
        </EmptyState>
      ) : null}
      {orgs.data && orgs.data.items.length > 0 ? <OrgsTable orgs={orgs.data.items} onSpaces={openSpaces} onSuspend={openSuspend} onDelete={openDelete} /> : null}
      <CreateOrgDialog open={creating !== null} onOpenChange={(open) => (open ? undefined : closeCreate())} />
      <SuspendOrgDialog org={suspending} onClose={closeSuspend} />
      {deleting ? <DeleteOrgDialog org={deleting} onClose={closeDelete} /> : null}
      {showingSpaces ? <OrgSpacesDialog org={showingSpaces} onClose={closeSpaces} /> : null}
    </section>
  );
}
