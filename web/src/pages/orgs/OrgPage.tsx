import { useMutation, useQuery } from '@tanstack/react-query';
import { HardDrive, KeyRound, LifeBuoy, UsersRound, Users } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { errorMessage } from '../../api/errors';
import { ORG_ROLES, SERVICE_PERMISSIONS, SPACE_ROLES, type NewApiKey, type OrgMember, type Space, type SpaceRole } from '../../api/org-types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { Field } from '../../ui/Field';
import { formatBytes, formatDate } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { TabbedPage } from '../../ui/TabbedPage';
import { useToast } from '../../ui/Toasts';
import { GroupsTab } from './GroupsTab';
import { groupsKey, useRefresh } from './queries';
import { SpaceSettingsDialog } from './SpaceSettingsDialog';
import { SupportTab } from './SupportTab';

/** One organisation: its members, groups, spaces and applications, each under its own address. */
export function OrgPage() {
  const { slug = '' } = useParams();
  const api = useApi();
  const org = useQuery({ queryKey: ['org', slug], queryFn: () => api.org(slug) });
  if (org.isPending) return <Spinner label="Loading the organisation" />;
  if (org.isError) return <ErrorNotice error={org.error} onRetry={() => void org.refetch()} />;
  const admin = org.data.my_role === 'owner' || org.data.my_role === 'admin';
  const owner = org.data.my_role === 'owner';
  // Instance administrators (no role) never read an organisation's files; a tenant's admins neither: both ask.
  const asks = org.data.my_role === null || (org.data.my_role === 'admin' && org.data.tenant);
  return (
    <TabbedPage
      base={`/orgs/${slug}`}
      title={org.data.name}
      className="org-page"
      tabsClassName="org-tabs"
      tabsLabel={org.data.name}
      tabs={[
        { path: 'members', label: 'Members', icon: <Users aria-hidden size={16} />, element: <MembersTab slug={slug} admin={admin} owner={org.data.my_role === 'owner'} /> },
        { path: 'groups', label: 'Groups', icon: <UsersRound aria-hidden size={16} />, element: <GroupsTab slug={slug} admin={admin} /> },
        { path: 'spaces', label: 'Spaces', icon: <HardDrive aria-hidden size={16} />, element: <SpacesTab slug={slug} admin={admin} /> },
        ...(admin ? [{ path: 'apps', label: 'Applications', icon: <KeyRound aria-hidden size={16} />, element: <AppsTab slug={slug} /> }] : []),
        ...(owner || asks ? [{ path: 'support', label: 'Support access', icon: <LifeBuoy aria-hidden size={16} />, element: <SupportTab slug={slug} owner={owner} canAsk={asks} /> }] : []),
      ]}
    />
  );
}

function MembersTab({ slug, admin, owner }: { slug: string; admin: boolean; owner: boolean }) {
  const api = useApi();
  const toast = useToast();
  const members = useQuery({ queryKey: ['org', slug, 'members'], queryFn: () => api.orgMembers(slug) });
  const refresh = useRefresh(['org', slug], ['org', slug, 'members']);
  const [user, setUser] = useState('');
  const [role, setRole] = useState<OrgMember['role']>('member');
  const [error, setError] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (v: { user: string; role: OrgMember['role'] }) => api.setOrgMember(slug, v.user, v.role),
    onSuccess: async (m) => {
      toast.success(`${m.username} is ${m.role === 'admin' ? 'an' : 'a'} ${m.role} now`);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (username: string) => api.removeOrgMember(slug, username),
    onSuccess: async () => refresh(),
    onError: (err) => toast.error(errorMessage(err)),
  });
  const add = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    change.mutate({ user: user.trim(), role }, { onSuccess: () => setUser(''), onError: (err) => setError(errorMessage(err)) });
  };
  const roles = owner ? ORG_ROLES : ORG_ROLES.filter((r) => r === 'member' || r === 'guest');
  return (
    <section aria-label="Members">
      {admin ? (
        <form className="inline-form" onSubmit={add}>
          <Field label="Add a person (username or email)" error={error}>
            {({ id, describedBy, invalid }) => <input id={id} type="text" value={user} onChange={(e) => setUser(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid} required />}
          </Field>
          <Field label="Role">
            {({ id }) => (
              <select id={id} value={role} onChange={(e) => setRole(e.target.value as OrgMember['role'])}>
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="button button-primary" disabled={change.isPending}>
            Add member
          </button>
        </form>
      ) : null}
      {members.isPending ? <Spinner label="Loading members" /> : null}
      {members.isError ? <ErrorNotice error={members.error} onRetry={() => void members.refetch()} /> : null}
      {members.data ? (
        <DataTable caption="Members" columns={['Person', { label: 'Email', className: 'hide-phone' }, 'Role']} actionsLabel={admin ? 'Actions' : undefined}>
          {members.data.items.map((m) => (
            <tr key={m.user_id}>
              <td>
                {m.display_name} <span className="muted">@{m.username}</span>
              </td>
              <td className="hide-phone">{m.email ?? '—'}</td>
              <td>
                {admin && (owner || (m.role !== 'owner' && m.role !== 'admin')) ? (
                  <select aria-label={`Role of ${m.username}`} value={m.role} onChange={(e) => change.mutate({ user: m.username, role: e.target.value as OrgMember['role'] }, { onError: (err) => toast.error(errorMessage(err)) })}>
                    {(owner ? ORG_ROLES : ORG_ROLES.filter((r) => r === 'member' || r === 'guest')).map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              {admin ? (
                <td className="actions-cell">
                  <button type="button" className="button button-small" onClick={() => remove.mutate(m.username)} aria-label={`Remove ${m.username}`}>
                    Remove
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      ) : null}
    </section>
  );
}

function SpacesTab({ slug, admin }: { slug: string; admin: boolean }) {
  const api = useApi();
  const spaces = useQuery({ queryKey: ['org', slug, 'spaces'], queryFn: () => api.orgSpaces(slug) });
  const refresh = useRefresh(['org', slug, 'spaces'], ['spaces']);
  const [name, setName] = useState('');
  const [quotaGb, setQuotaGb] = useState('');
  const [retention, setRetention] = useState('30');
  const [template, setTemplate] = useState('');
  const templates = useQuery({ queryKey: ['space-templates'], queryFn: () => api.spaceTemplates(), enabled: admin, staleTime: 10 * 60_000 });
  const [error, setError] = useState<string | null>(null);
  const [managing, setManaging] = useState<Space | null>(null);
  const [configuring, setConfiguring] = useState<Space | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api.createSpace(slug, {
        name: name.trim(),
        quota_bytes: quotaGb.trim() === '' ? null : Math.round(Number(quotaGb) * 1024 ** 3),
        trash_retention_days: retention.trim() === '' ? null : Number(retention),
        ...(template ? { template } : {}),
      }),
    onSuccess: async () => {
      setName('');
      await refresh();
    },
    onError: (err) => setError(errorMessage(err)),
  });
  return (
    <section aria-label="Spaces">
      {admin ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setError(null);
            create.mutate();
          }}
        >
          <Field label="New space" error={error}>
            {({ id, describedBy, invalid }) => <input id={id} type="text" value={name} onChange={(e) => setName(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid} required />}
          </Field>
          <Field label="Quota (GB)" hint="Empty: no limit">
            {({ id, describedBy }) => <input id={id} type="number" min="0" step="any" value={quotaGb} onChange={(e) => setQuotaGb(e.target.value)} aria-describedby={describedBy} />}
          </Field>
          <Field label="Trash kept (days)" hint="0: until emptied">
            {({ id, describedBy }) => <input id={id} type="number" min="0" value={retention} onChange={(e) => setRetention(e.target.value)} aria-describedby={describedBy} />}
          </Field>
          <Field label="Template" hint={templates.data?.items.find((t) => t.name === template)?.description ?? 'Optional: a shape its folders follow'}>
            {({ id, describedBy }) => (
              <select id={id} value={template} onChange={(e) => setTemplate(e.target.value)} aria-describedby={describedBy}>
                <option value="">None</option>
                {templates.data?.items.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.title}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            Create space
          </button>
        </form>
      ) : null}
      {spaces.isPending ? <Spinner label="Loading spaces" /> : null}
      {spaces.isError ? <ErrorNotice error={spaces.error} onRetry={() => void spaces.refetch()} /> : null}
      {spaces.data ? (
        <DataTable caption="Spaces" columns={['Space', 'Your role', { label: 'Used', className: 'num' }, { label: 'Trash kept', className: 'hide-phone' }]} actionsLabel="Actions">
          {spaces.data.items.map((s) => (
            <tr key={s.id}>
              <td>{s.root_folder_id ? <a href={`/files/${s.root_folder_id}`}>{s.name}</a> : s.name}</td>
              <td>{s.my_role ?? '—'}</td>
              <td className="num">
                {formatBytes(s.used_bytes)}
                {s.quota_bytes !== null ? ` of ${formatBytes(s.quota_bytes)}` : ''}
              </td>
              <td className="hide-phone">{s.trash_retention_days === null ? 'default' : s.trash_retention_days === 0 ? 'until emptied' : `${s.trash_retention_days} days`}</td>
              <td className="actions-cell">
                {s.my_role === 'manager' ? (
                  <div className="button-row">
                    <button type="button" className="button button-small" onClick={() => setManaging(s)}>
                      People
                    </button>
                    <button type="button" className="button button-small" onClick={() => setConfiguring(s)} aria-label={`Settings of ${s.name}`}>
                      Settings
                    </button>
                  </div>
                ) : null}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {managing ? <SpaceMembersDialog space={managing} slug={slug} onClose={() => setManaging(null)} /> : null}
      {configuring ? <SpaceSettingsDialog space={configuring} slug={slug} canSetQuota={admin} onClose={() => setConfiguring(null)} /> : null}
    </section>
  );
}

function SpaceMembersDialog({ space, slug, onClose }: { space: Space; slug: string; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const members = useQuery({ queryKey: ['space', space.id, 'members'], queryFn: () => api.spaceMembers(space.id) });
  const refresh = useRefresh(['space', space.id, 'members']);
  const [who, setWho] = useState('');
  const [role, setRole] = useState<SpaceRole>('editor');
  const [error, setError] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: () => api.setSpaceMember(space.id, { user: who.trim(), role }),
    onSuccess: async () => {
      setWho('');
      await refresh();
    },
    onError: (err) => setError(errorMessage(err)),
  });
  const remove = useMutation({ mutationFn: (id: string) => api.removeSpaceMember(space.id, id), onSuccess: async () => refresh(), onError: (err) => toast.error(errorMessage(err)) });
  return (
    <Modal open onOpenChange={(open) => (open ? undefined : onClose())} title={`People in ${space.name}`} description="Owners and admins of the organisation manage every space; others hold the role given here." wide>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          add.mutate();
        }}
      >
        <Field label="Member (username)" error={error}>
          {({ id, describedBy, invalid }) => <input id={id} type="text" value={who} onChange={(e) => setWho(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid} required />}
        </Field>
        <SpaceRoleField label="Role" role={role} onRole={setRole} />
        <button type="submit" className="button button-primary" disabled={add.isPending}>
          Give role
        </button>
      </form>
      <GroupRoleForm space={space} slug={slug} />
      {members.data ? (
        <DataTable caption={`People in ${space.name}`} columns={['Who', 'Role']} actionsLabel="Actions">
          {members.data.items.map((m) => (
            <tr key={m.id}>
              <td>{m.user ? `${m.user.display_name} (@${m.user.username})` : `Group ${m.group?.name ?? ''}`}</td>
              <td>{m.role}</td>
              <td className="actions-cell">
                <button type="button" className="button button-small" onClick={() => remove.mutate(m.id)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : (
        <Spinner label="Loading people" />
      )}
    </Modal>
  );
}

/** Gives one of the organisation's groups a role on a space: everyone in the group holds it. */
function GroupRoleForm({ space, slug }: { space: Space; slug: string }) {
  const api = useApi();
  const groups = useQuery({ queryKey: groupsKey(slug), queryFn: () => api.orgGroups(slug) });
  const refresh = useRefresh(['space', space.id, 'members']);
  const [group, setGroup] = useState('');
  const [role, setRole] = useState<SpaceRole>('editor');
  const options = groups.data?.items ?? [];
  const chosen = options.some((g) => g.id === group) ? group : (options[0]?.id ?? '');
  const give = useMutation({ mutationFn: (v: { group: string; role: SpaceRole }) => api.setSpaceMember(space.id, v), onSuccess: async () => refresh() });
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (chosen) give.mutate({ group: chosen, role });
      }}
    >
      <Field label="Group" error={give.error ? errorMessage(give.error) : null} hint={groups.data && options.length === 0 ? 'The organisation has no groups yet' : undefined}>
        {({ id, describedBy, invalid }) => (
          <select id={id} value={chosen} onChange={(e) => setGroup(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid} disabled={options.length === 0}>
            {options.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <SpaceRoleField label="Role of the group" role={role} onRole={setRole} />
      <button type="submit" className="button button-primary" disabled={give.isPending || !chosen}>
        Give group role
      </button>
    </form>
  );
}

function AppsTab({ slug }: { slug: string }) {
  const api = useApi();
  const toast = useToast();
  const accounts = useQuery({ queryKey: ['org', slug, 'apps'], queryFn: () => api.serviceAccounts(slug) });
  const spaces = useQuery({ queryKey: ['org', slug, 'spaces'], queryFn: () => api.orgSpaces(slug) });
  const refresh = useRefresh(['org', slug, 'apps']);
  const [name, setName] = useState('');
  const [spaceId, setSpaceId] = useState('');
  const [prefix, setPrefix] = useState('/');
  const [perms, setPerms] = useState<Set<(typeof SERVICE_PERMISSIONS)[number]>>(new Set(['read', 'list', 'create']));
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<NewApiKey | null>(null);
  const create = useMutation({
    mutationFn: () => api.createServiceAccount(slug, { name: name.trim(), scopes: [{ space_id: spaceId || spaces.data?.items[0]?.id || '', path_prefix: prefix, permissions: [...perms] }] }),
    onSuccess: async () => {
      setName('');
      await refresh();
    },
    onError: (err) => setError(errorMessage(err)),
  });
  const newKey = useMutation({ mutationFn: (account: string) => api.createApiKey(slug, account, 'web'), onSuccess: async (k) => { setIssued(k); await refresh(); }, onError: (err) => toast.error(errorMessage(err)) });
  const revoke = useMutation({ mutationFn: (v: { account: string; key: string }) => api.revokeApiKey(slug, v.account, v.key), onSuccess: async () => refresh(), onError: (err) => toast.error(errorMessage(err)) });
  return (
    <section aria-label="Applications">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          create.mutate();
        }}
      >
        <Field label="New application" error={error}>
          {({ id, describedBy, invalid }) => <input id={id} type="text" value={name} onChange={(e) => setName(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid} required />}
        </Field>
        <Field label="Space">
          {({ id }) => (
            <select id={id} value={spaceId} onChange={(e) => setSpaceId(e.target.value)}>
              {(spaces.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Below folder">
          {({ id }) => <input id={id} type="text" value={prefix} onChange={(e) => setPrefix(e.target.value)} />}
        </Field>
        <fieldset className="permission-set">
          <legend>Permissions</legend>
          {SERVICE_PERMISSIONS.map((p) => (
            <label key={p}>
              <input
                type="checkbox"
                checked={perms.has(p)}
                onChange={(e) => {
                  const next = new Set(perms);
                  if (e.target.checked) next.add(p);
                  else next.delete(p);
                  setPerms(next);
                }}
              />{' '}
              {p}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button button-primary" disabled={create.isPending || !spaces.data?.items.length}>
          Create application
        </button>
      </form>
      {accounts.isPending ? <Spinner label="Loading applications" /> : null}
      {accounts.isError ? <ErrorNotice error={accounts.error} onRetry={() => void accounts.refetch()} /> : null}
      {accounts.data ? (
        <DataTable caption="Applications" columns={['Application', 'Scope', 'Keys']} actionsLabel="Actions">
          {accounts.data.items.map((a) => (
            <tr key={a.id}>
              <td>
                {a.name} {a.disabled ? <span className="badge badge-warning">Disabled</span> : null}
              </td>
              <td>
                {a.scopes.map((s) => (
                  <div key={s.space_id}>
                    {s.space_name}
                    {s.path_prefix === '/' ? '' : s.path_prefix}: <span className="muted">{s.permissions.join(', ')}</span>
                  </div>
                ))}
              </td>
              <td>
                {a.keys.filter((k) => !k.revoked_at).length === 0 ? <span className="muted">none</span> : null}
                {a.keys
                  .filter((k) => !k.revoked_at)
                  .map((k) => (
                    <div key={k.id} className="key-row">
                      <span className="mono">…{k.hint}</span> <span className="muted">{k.last_used_at ? `used ${formatDate(k.last_used_at)}` : 'never used'}</span>{' '}
                      <button type="button" className="button button-small" onClick={() => revoke.mutate({ account: a.id, key: k.id })} aria-label={`Revoke key ending ${k.hint}`}>
                        Revoke
                      </button>
                    </div>
                  ))}
              </td>
              <td className="actions-cell">
                <button type="button" className="button button-small" onClick={() => newKey.mutate(a.id)}>
                  New key
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      <Modal open={issued !== null} onOpenChange={(open) => (open ? undefined : setIssued(null))} title="Your new API key" description="Copy it now: it is shown this once. The application sends it as Authorization: Bearer …">
        <p className="secret-box">
          <code className="mono wrap-anywhere" data-testid="api-key">
            {issued?.key}
          </code>
        </p>
      </Modal>
    </section>
  );
}


function SpaceRoleField({ label, role, onRole }: { label: string; role: SpaceRole; onRole: (r: SpaceRole) => void }) {
  return (
    <Field label={label}>
      {({ id }) => (
        <select id={id} value={role} onChange={(e) => onRole(e.target.value as SpaceRole)}>
          {SPACE_ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
