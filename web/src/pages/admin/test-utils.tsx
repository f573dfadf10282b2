import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import type { Endpoints } from '../../api/endpoints';
import type { Account, User } from '../../api/types';
import { ServicesProvider, type AppServices } from '../../app-context';
import { ToastProvider } from '../../ui/Toasts';

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

/** Shows where the app is, so tests can check links and redirects. */
function Location() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/**
 * Renders a screen of the admin area at `path`, over a fake set of endpoints: only the calls a
 * test stubs exist, so an unexpected call fails loudly instead of reaching a network.
 */
export function renderAdmin(ui: ReactElement, fake: Partial<Endpoints>, path = '/admin/users'): RenderResult & { queryClient: QueryClient } {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
  const account: Account = { user: me, usage: { used: 0, quota: null, available: null, files: 0, trash: 0, versions: 0 } };
  const services = { endpoints: { account: () => Promise.resolve(account), ...fake } } as unknown as AppServices;
  const result = render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[path]}>
          <ToastProvider>
            <Routes>
              <Route path="admin/*" element={ui} />
            </Routes>
            <Location />
          </ToastProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  return { ...result, queryClient };
}
