import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { Endpoints } from '../../api/endpoints';
import type { SortOrder } from '../../api/types';

export const USERS_PAGE_SIZE = 25;

export type UserSort = 'username' | 'created' | 'used';
export type StatusFilter = '' | 'active' | 'pending' | 'suspended';
type UsersQuery = Parameters<Endpoints['users']>[0];

/** What the Users tab shows; kept in the address so the Storage tab (and bookmarks) can link to a search. */
export interface UsersView {
  search: string;
  status: StatusFilter;
  sort: UserSort;
  order: SortOrder;
  /** 1-based. */
  page: number;
}

const SORTS: UserSort[] = ['username', 'created', 'used'];
const STATUSES: StatusFilter[] = ['active', 'pending', 'suspended'];
const DEFAULT_VIEW: UsersView = { search: '', status: '', sort: 'username', order: 'asc', page: 1 };

/** Names read A→Z; dates and usage read most-recent / biggest first. */
export function defaultOrder(sort: UserSort): SortOrder {
  return sort === 'username' ? 'asc' : 'desc';
}

export function parseUsersView(params: URLSearchParams): UsersView {
  const sortParam = params.get('sort') as UserSort | null;
  const sort = sortParam && SORTS.includes(sortParam) ? sortParam : DEFAULT_VIEW.sort;
  const orderParam = params.get('order');
  const statusParam = (params.get('status') ?? '') as StatusFilter;
  const page = Number.parseInt(params.get('page') ?? '', 10);
  return {
    search: params.get('search')?.trim() ?? '',
    status: STATUSES.includes(statusParam) ? statusParam : '',
    sort,
    order: orderParam === 'asc' || orderParam === 'desc' ? orderParam : defaultOrder(sort),
    page: Number.isSafeInteger(page) && page > 0 ? page : 1,
  };
}

export function usersViewParams(view: UsersView): URLSearchParams {
  const params = new URLSearchParams();
  if (view.search) params.set('search', view.search);
  if (view.status) params.set('status', view.status);
  if (view.sort !== DEFAULT_VIEW.sort) params.set('sort', view.sort);
  if (view.order !== defaultOrder(view.sort)) params.set('order', view.order);
  if (view.page > 1) params.set('page', String(view.page));
  return params;
}

export function usersQueryOf(view: UsersView): UsersQuery {
  return {
    ...(view.search ? { search: view.search } : {}),
    ...(view.status ? { status: view.status } : {}),
    sort: view.sort,
    order: view.order,
    limit: USERS_PAGE_SIZE,
    offset: (view.page - 1) * USERS_PAGE_SIZE,
  };
}

/** The view from the address, and a setter that goes back to page 1 whenever what is listed changes. */
export function useUsersView(): [UsersView, (patch: Partial<UsersView>) => void] {
  const [params, setParams] = useSearchParams();
  const view = useMemo(() => parseUsersView(params), [params]);
  const update = useCallback(
    (patch: Partial<UsersView>) => {
      setParams(
        (current) => {
          const next = { ...parseUsersView(current), ...patch };
          if (patch.page === undefined) next.page = 1;
          return usersViewParams(next);
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [view, update];
}

/** The Users tab searching for one user, for links from the other tabs. */
export function usersSearchLink(search: string): string {
  return `/admin/users?${usersViewParams({ ...DEFAULT_VIEW, search })}`;
}
