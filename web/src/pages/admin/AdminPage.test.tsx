import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AdminPage } from './AdminPage';
import { me, renderAdmin } from './test-utils';

const fake = () => ({
  users: vi.fn().mockResolvedValue({ items: [me], total: 1 }),
  audit: vi.fn().mockResolvedValue({ items: [], total: 0 }),
  storage: vi.fn().mockResolvedValue({ users: 1, used: 0, files: 0, trash: 0, versions: 0, quota_total: null, top_users: [] }),
});

describe('AdminPage', () => {
  it('opens on the Users tab', async () => {
    renderAdmin(<AdminPage />, fake(), '/admin');
    expect(screen.getByRole('heading', { level: 1, name: 'Administration' })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/admin/users');
    expect(await screen.findByRole('heading', { level: 2, name: 'Users' })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Administration' });
    expect(nav.querySelector('[aria-current="page"]')).toHaveTextContent('Users');
    expect(nav.querySelector('.tab.active')).toHaveTextContent('Users');
  });

  it('switches tabs through their addresses', async () => {
    const user = userEvent.setup();
    renderAdmin(<AdminPage />, fake(), '/admin/users');
    await user.click(screen.getByRole('link', { name: 'Audit log' }));
    expect(await screen.findByRole('heading', { level: 2, name: 'Audit log' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Audit log' })).toHaveAttribute('aria-current', 'page');
    await user.click(screen.getByRole('link', { name: 'Storage' }));
    expect(await screen.findByRole('heading', { level: 2, name: 'Storage' })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/admin/storage');
  });
});
