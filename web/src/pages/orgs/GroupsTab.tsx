import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import type { OrgGroup } from '../../api/org-types';
import { useApi } from '../../app-context';
import { ConfirmAction } from '../../ui/ConfirmAction';
import { DataTable } from '../../ui/DataTable';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { Field } from '../../ui/Field';
import { useToast } from '../../ui/Toasts';
import { NameDialog } from '../files/NameDialog';
import { GroupMembersDialog } from './GroupMembersDialog';
import { groupsKey, useRefresh } from './queries';

type Dialog = { type: 'members' | 'rename' | 'delete'; group: OrgGroup } | null;

/**
 * An organisation's groups: everyone in it sees them and who is in them; its owners and admins
 * make, rename and delete them and put people in. A group holds space roles (the space's People).
 */
export function GroupsTab({ slug, admin }: { slug: string; admin: boolean }) {
  const api = useApi();
  const toast = useToast();
  const groups = useQuery({ queryKey: groupsKey(slug), queryFn: () => api.orgGroups(slug) });
  // A deleted group takes its space roles with it.
  const refresh = useRefresh(groupsKey(slug), ['space']);
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  return (
    <section aria-label="Groups">
      {admin ? <NewGroupForm slug={slug} /> : null}
      {groups.isPending ? <Spinner label="Loading groups" /> : null}
      {groups.isError ? <ErrorNotice error={groups.error} onRetry={() => void groups.refetch()} /> : null}
      {groups.data && groups.data.items.length === 0 ? (
        <EmptyState title="No groups yet">{admin ? 'A group gives its members a role on spaces at once.' : 'Owners and admins of the organisation make groups.'}</EmptyState>
      ) : null}
      {groups.data && groups.data.items.length > 0 ? (
        <DataTable caption="Groups" columns={['Group', 'Members']} actionsLabel={admin ? 'Actions' : undefined}>
          {groups.data.items.map((g) => (
            <tr key={g.id}>
              <td>{g.name}</td>
              <td>{g.members.length === 0 ? <span className="muted">none</span> : g.members.map((m) => `@${m.username}`).join(', ')}</td>
              {admin ? (
                <td className="actions-cell">
                  <div className="button-row">
                    <button type="button" className="button button-small" onClick={() => setDialog({ type: 'members', group: g })} aria-label={`Members of ${g.name}`}>
                      Members
                    </button>
                    <button type="button" className="button button-small" onClick={() => setDialog({ type: 'rename', group: g })} aria-label={`Rename ${g.name}`}>
                      Rename
                    </button>
                    <button type="button" className="button button-small" onClick={() => setDialog({ type: 'delete', group: g })} aria-label={`Delete ${g.name}`}>
                      Delete
                    </button>
                  </div>
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      ) : null}
      {dialog?.type === 'members' ? <GroupMembersDialog slug={slug} groupId={dialog.group.id} onClose={close} /> : null}
      {dialog?.type === 'rename' ? (
        <NameDialog
          open
          onOpenChange={(open) => (open ? undefined : close())}
          title={`Rename ${dialog.group.name}`}
          label="Group name"
          initial={dialog.group.name}
          confirmLabel="Rename"
          busyLabel="Renaming…"
          onSubmit={async (name) => {
            const renamed = await api.renameGroup(slug, dialog.group.id, name);
            toast.success(`Renamed to ${renamed.name}`);
            await refresh();
          }}
        />
      ) : null}
      <ConfirmAction
        target={dialog?.type === 'delete' ? dialog.group : null}
        onClose={close}
        title={dialog?.type === 'delete' ? `Delete ${dialog.group.name}?` : 'Delete group?'}
        description="Its members stay in the organisation, but lose the space roles the group gave them."
        confirmLabel="Delete group"
        pendingLabel="Deleting…"
        run={(g) => api.deleteGroup(slug, g.id)}
        onSuccess={async (g) => {
          toast.success(`Deleted ${g.name}`);
          await refresh();
        }}
      />
    </section>
  );
}

function NewGroupForm({ slug }: { slug: string }) {
  const api = useApi();
  const refresh = useRefresh(groupsKey(slug));
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: (n: string) => api.createGroup(slug, n),
    onSuccess: async () => {
      setName('');
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(name.trim());
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <Field label="New group" error={create.error ? errorMessage(create.error) : null}>
        {({ id, describedBy, invalid }) => <input id={id} type="text" value={name} onChange={(e) => setName(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid} maxLength={200} required />}
      </Field>
      <button type="submit" className="button button-primary" disabled={create.isPending}>
        Create group
      </button>
    </form>
  );
}
