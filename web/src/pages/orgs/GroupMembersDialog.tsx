import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { Field } from '../../ui/Field';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { groupsKey, membersKey, useRefresh } from './queries';

/** Who is in one group: members of the organisation are put in and taken out (owners and admins). */
export function GroupMembersDialog({ slug, groupId, onClose }: { slug: string; groupId: string; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const groups = useQuery({ queryKey: groupsKey(slug), queryFn: () => api.orgGroups(slug) });
  const members = useQuery({ queryKey: membersKey(slug), queryFn: () => api.orgMembers(slug) });
  // Group membership changes space roles held through the group.
  const refresh = useRefresh(groupsKey(slug), ['space']);
  const [who, setWho] = useState('');
  const group = groups.data?.items.find((g) => g.id === groupId);
  const inGroup = new Set(group?.members.map((m) => m.user_id));
  const candidates = (members.data?.items ?? []).filter((m) => !inGroup.has(m.user_id));
  const chosen = candidates.some((m) => m.username === who) ? who : (candidates[0]?.username ?? '');
  const add = useMutation({ mutationFn: (user: string) => api.addGroupMember(slug, groupId, user), onSuccess: async () => refresh() });
  const remove = useMutation({
    mutationFn: (user: string) => api.removeGroupMember(slug, groupId, user),
    onSuccess: async () => refresh(),
    onError: (err) => toast.error(errorMessage(err)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen) add.mutate(chosen);
  };
  const name = group?.name ?? 'group';
  return (
    <Modal open onOpenChange={(open) => (open ? undefined : onClose())} title={`Members of ${name}`} description="Members of the group hold every space role given to the group." wide>
      {groups.isError ? <ErrorNotice error={groups.error} onRetry={() => void groups.refetch()} /> : null}
      <form className="inline-form" onSubmit={submit}>
        <Field label="Add a member" error={add.error ? errorMessage(add.error) : null} hint={members.data && candidates.length === 0 ? 'Everyone in the organisation is in this group' : undefined}>
          {({ id, describedBy, invalid }) => (
            <select id={id} value={chosen} onChange={(e) => setWho(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid} disabled={candidates.length === 0}>
              {candidates.map((m) => (
                <option key={m.user_id} value={m.username}>
                  {m.display_name} (@{m.username})
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="button button-primary" disabled={add.isPending || !chosen}>
          Add to group
        </button>
      </form>
      {group ? (
        <DataTable caption={`Members of ${name}`} columns={['Person']} actionsLabel="Actions">
          {group.members.map((m) => (
            <tr key={m.user_id}>
              <td>
                {m.display_name} <span className="muted">@{m.username}</span>
              </td>
              <td className="actions-cell">
                <button type="button" className="button button-small" onClick={() => remove.mutate(m.username)} aria-label={`Remove ${m.username} from ${name}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : groups.isPending ? (
        <Spinner label="Loading the group" />
      ) : null}
    </Modal>
  );
}
