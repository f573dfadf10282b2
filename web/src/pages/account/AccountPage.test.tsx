import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Account } from '../../api/types';
import type { AppServices } from '../../app-context';
import { AuthProvider } from '../../auth/AuthProvider';
import { AccountPage } from './AccountPage';
import { renderWithApi } from './test-utils';

const account: Account = {
  user: { id: 'u1', username: 'ada', email: 'ada@example.org', display_name: 'Ada Lovelace', role: 'user', status: 'active', created_at: '2024-01-01T00:00:00.000Z' },
  usage: { used: 300, quota: 1000, available: 700, files: 200, trash: 60, versions: 40 },
};

/** A session that is already signed in, as the AuthProvider sees it. */
const session = { renew: () => Promise.resolve(true), onChange: () => () => undefined, signOut: vi.fn().mockResolvedValue(undefined) } as unknown as AppServices['session'];

describe('AccountPage', () => {
  it('shows every section of the account', async () => {
    renderWithApi(
      <AuthProvider>
        <AccountPage />
      </AuthProvider>,
      {
        account: vi.fn().mockResolvedValue(account),
        appPasswords: vi.fn().mockResolvedValue({ items: [] }),
        sessions: vi.fn().mockResolvedValue({ items: [], limit: 5 }),
      },
      { session },
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeInTheDocument();
    const sections = (await screen.findAllByRole('heading', { level: 2 })).map((h) => h.textContent);
    expect(sections).toEqual(['Storage', 'Profile', 'Change password', 'App passwords', 'Connected devices', 'Sessions']);
    expect(screen.getByText('Ada Lovelace')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Files 200 B, trash 60 B, old versions 40 B/ })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Empty the trash to free 60 B' })).toHaveAttribute('href', '/trash');
  });

  it('signs out everywhere only after confirming', async () => {
    const user = userEvent.setup();
    const logoutEverywhere = vi.fn().mockResolvedValue(undefined);
    renderWithApi(
      <AuthProvider>
        <AccountPage />
      </AuthProvider>,
      {
        account: vi.fn().mockResolvedValue(account),
        appPasswords: vi.fn().mockResolvedValue({ items: [] }),
        sessions: vi.fn().mockResolvedValue({ items: [], limit: 5 }),
        logoutEverywhere,
      },
      { session },
    );
    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    expect(logoutEverywhere).not.toHaveBeenCalled();
    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    expect(logoutEverywhere).toHaveBeenCalledTimes(1);
  });
});
