import type { QueryClient } from '@tanstack/react-query';
import type { RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { Route, Routes } from 'react-router';
import { vi } from 'vitest';
import type { Endpoints } from '../../api/endpoints';
import type { Account, Page, User } from '../../api/types';
import { renderWithServices } from '../../test-utils';

export const me: User = {
  id: '00000000-0000-4000-8000-000000000001',
  username: 'root',
  email: 'root@example.com',
  display_name: 'Root',
  role: 'admin',
  status: 'active',
  quota_bytes: null,
  used_bytes: 0,
  created_at: '2024-01-01T09:00:00.000Z',
};

export function makeUser(n: number, extra: Partial<User> = {}): User {
  return {
    id: `00000000-0000-4000-8000-${String(n + 100).padStart(12, '0')}`,
    username: `user${n}`,
    email: `user${n}@example.com`,
    display_name: `User ${n}`,
    role: 'user',
    status: 'active',
    quota_bytes: 10 * 1024 ** 3,
    used_bytes: 1024 ** 3,
    created_at: '2024-03-01T09:00:00.000Z',
    ...extra,
  };
}

export const GB = 1024 ** 3;
export type UsersQuery = Parameters<Endpoints['users']>[0];

export function pageOf(items: User[], total = items.length): Page<User> {
  return { items, total };
}

/** A fake users endpoint answering each query with `result` (by default: me and user1). */
export function usersFake(result: (q: UsersQuery) => Page<User> = () => pageOf([me, makeUser(1)])) {
  return vi.fn((q: UsersQuery) => Promise.resolve(result(q)));
}

/** Renders a screen of the admin area at `path` over fake endpoints, signed in as `me`. */
export function renderAdmin(ui: ReactElement, fake: Partial<Endpoints>, path = '/admin/users'): RenderResult & { queryClient: QueryClient } {
  const account: Account = { user: me, usage: { used: 0, quota: null, available: null, files: 0, trash: 0, versions: 0 } };
  return renderWithServices(
    <Routes>
      <Route path="admin/*" element={ui} />
    </Routes>,
    { account: () => Promise.resolve(account), ...fake },
    { path, withLocation: true },
  );
}
