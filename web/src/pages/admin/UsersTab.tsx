import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { UserPlus, Users } from 'lucide-react';
import { useEffect, useRef } from 'react';
import type { User } from '../../api/types';
import { useApi } from '../../app-context';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { CreateUserDialog } from './CreateUserDialog';
import { EditUserDialog } from './EditUserDialog';
import { Pager } from './Pager';
import { SuspendUserDialog } from './SuspendUserDialog';
import { useDialogTarget } from './useDialogTarget';
import { useMyUserId } from './useMe';
import { UserSearch } from './UserSearch';
import { UsersTable } from './UsersTable';
import { defaultOrder, USERS_PAGE_SIZE, usersQueryOf, useUsersView, type StatusFilter, type UserSort } from './usersView';

const STATUS_FILTERS: { value: StatusFilter; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'pending', label: 'Pending' },
  { value: 'suspended', label: 'Suspended' },
];

export function UsersTab() {
  const api = useApi();
  const myId = useMyUserId();
  const [view, setView] = useUsersView();
  const q = usersQueryOf(view);
  // Kept on screen while the next page or search loads, so the table does not flash empty.
  const query = useQuery({ queryKey: ['admin', 'users', q], queryFn: () => api.users(q), placeholderData: keepPreviousData });
  const [creating, openCreate, closeCreate] = useDialogTarget<true>();
  const [editing, setEditing, closeEdit] = useDialogTarget<User>();
  const [suspending, setSuspending, closeSuspend] = useDialogTarget<User>();

  const data = query.data;
  const lastPage = data ? Math.max(1, Math.ceil(data.total / USERS_PAGE_SIZE)) : 1;
  useEffect(() => {
    // A page past the end (users were removed, or an old link): show the last one that exists.
    if (data && !query.isPlaceholderData && view.page > lastPage) setView({ page: lastPage });
  }, [data, query.isPlaceholderData, view.page, lastPage, setView]);

  // A row that leaves the list (suspended under "Active", say) takes keyboard focus with it: keep the place.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const hadData = useRef(false);
  useEffect(() => {
    if (!data) return;
    const active = document.activeElement;
    if (hadData.current && (!active || active === document.body)) headingRef.current?.focus();
    hadData.current = true;
  }, [data]);

  const sortBy = (sort: UserSort) => setView({ sort, order: view.sort === sort ? (view.order === 'asc' ? 'desc' : 'asc') : defaultOrder(sort) });
  const filtered = Boolean(view.search || view.status);

  return (
    <section aria-labelledby="admin-users-title">
      <div className="admin-section-header">
        <h2 id="admin-users-title" ref={headingRef} tabIndex={-1}>
          Users
        </h2>
        <button type="button" className="button button-primary" onClick={() => openCreate(true)}>
          <UserPlus aria-hidden size={18} />
          Create user
        </button>
      </div>
      <div className="toolbar admin-toolbar">
        <UserSearch value={view.search} onSearch={(search) => setView({ search })} />
        <label className="admin-inline-field">
          <span>Status</span>
          <select value={view.status} onChange={(e) => setView({ status: e.target.value as StatusFilter })}>
            {STATUS_FILTERS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>

      <p className="sr-only" role="status">
        {data ? `${data.total.toLocaleString()} ${data.total === 1 ? 'user' : 'users'} found` : ''}
      </p>

      {query.isPending ? <Spinner label="Loading users" /> : null}
      {query.isError ? (
        <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
      ) : null}
      {data && data.items.length === 0 && data.total === 0 ? (
        <EmptyState icon={<Users aria-hidden size={40} />} title={filtered ? 'No matching users' : 'No users yet'}>
          {filtered ? 'Try another search or status.' : 'Create the first account with “Create user”.'}
        </EmptyState>
      ) : null}
      {data && data.items.length > 0 ? (
        <div className={query.isPlaceholderData ? 'admin-stale' : undefined} aria-busy={query.isPlaceholderData || undefined}>
          <UsersTable users={data.items} view={view} myId={myId} onSort={sortBy} onEdit={setEditing} onSuspend={setSuspending} />
          <Pager
            offset={(view.page - 1) * USERS_PAGE_SIZE}
            pageSize={USERS_PAGE_SIZE}
            shown={data.items.length}
            total={data.total}
            noun="users"
            busy={query.isPlaceholderData}
            onOffsetChange={(offset) => setView({ page: offset / USERS_PAGE_SIZE + 1 })}
          />
        </div>
      ) : null}

      <CreateUserDialog open={creating !== null} onOpenChange={(open) => (open ? openCreate(true) : closeCreate())} />
      <EditUserDialog user={editing} isMe={editing?.id === myId} onClose={closeEdit} />
      <SuspendUserDialog user={suspending} onClose={closeSuspend} />
    </section>
  );
}
