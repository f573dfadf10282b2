import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { GB, me, makeUser, pageOf, renderAdmin, usersFake } from './test-utils';
import { UsersTab } from './UsersTab';


describe('UsersTab', () => {
  it('lists users with role, status, usage of quota and the first page query', async () => {
    const users = usersFake(() =>
      pageOf([me, makeUser(1, { status: 'suspended', used_bytes: 9.5 * GB }), makeUser(2, { status: 'pending', role: 'admin', email: null, display_name: 'user2' })]),
    );
    renderAdmin(<UsersTab />, { users });

    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(users).toHaveBeenCalledWith({ sort: 'username', order: 'asc', limit: 25, offset: 0 });

    // Columns: user, email, role, status, storage, created, actions.
    const cells = (row: HTMLElement) => within(row).getAllByRole('cell');
    const [rootUser, , rootRole, , rootStorage, , rootActions] = cells(rows[1]!);
    expect(rootUser).toHaveTextContent(/^rootYou/);
    expect(rootRole).toHaveTextContent('Admin');
    expect(rootStorage).toHaveTextContent('0 B / Unlimited');
    expect(within(rootStorage!).queryByRole('progressbar')).not.toBeInTheDocument();
    // Nobody suspends themselves from this table.
    expect(within(rootActions!).queryByRole('button', { name: /Suspend|Reactivate/ })).not.toBeInTheDocument();

    const [oneUser, oneEmail, oneRole, oneStatus, oneStorage] = cells(rows[2]!);
    expect(oneUser).toHaveTextContent('User 1');
    expect(oneEmail).toHaveTextContent('user1@example.com');
    expect(oneRole).toHaveTextContent('User');
    expect(oneStatus).toHaveTextContent('Suspended');
    expect(oneStorage).toHaveTextContent('9.5 GB / 10 GB');
    expect(within(oneStorage!).getByRole('progressbar', { name: 'Storage used by user1' })).toHaveAttribute('aria-valuenow', '95');
    expect(within(rows[2]!).getByRole('button', { name: 'Reactivate user1' })).toBeInTheDocument();

    const [twoUser, twoEmail, twoRole, twoStatus] = cells(rows[3]!);
    // The display name is only repeated when it says something the username does not.
    expect(within(twoUser!).queryByText('user2', { selector: '.muted' })).not.toBeInTheDocument();
    expect(twoEmail).toHaveTextContent('—');
    expect(twoRole).toHaveTextContent('Admin');
    expect(twoStatus).toHaveTextContent('Pending');
    expect(screen.getByRole('button', { name: 'Edit user2' })).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: /User/ })).toHaveAttribute('aria-sort', 'ascending');
  });

  it('searches once typing pauses, not on every key', async () => {
    const user = userEvent.setup();
    const users = usersFake((q) => (q.search === 'ali' ? pageOf([makeUser(7, { username: 'alice' })]) : pageOf([me, makeUser(1)])));
    renderAdmin(<UsersTab />, { users });
    await screen.findByText('user1');

    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'ali');
    expect(await screen.findByText('alice')).toBeInTheDocument();
    expect(users).toHaveBeenLastCalledWith({ search: 'ali', sort: 'username', order: 'asc', limit: 25, offset: 0 });
    const searches = users.mock.calls.map(([q]) => q.search).filter(Boolean);
    expect(searches).toEqual(['ali']);
    expect(screen.getByTestId('location')).toHaveTextContent('/admin/users?search=ali');
  });

  it('takes the search from the address, so other tabs can link to it', async () => {
    const users = usersFake(() => pageOf([makeUser(3)]));
    renderAdmin(<UsersTab />, { users }, '/admin/users?search=user3');
    await screen.findByText('user3');
    expect(users).toHaveBeenCalledWith({ search: 'user3', sort: 'username', order: 'asc', limit: 25, offset: 0 });
    expect(screen.getByRole('searchbox', { name: 'Search users' })).toHaveValue('user3');
  });

  it('filters by status and sorts by clicking headers', async () => {
    const user = userEvent.setup();
    const users = usersFake();
    renderAdmin(<UsersTab />, { users });
    await screen.findByText('user1');

    await user.selectOptions(screen.getByLabelText('Status'), 'Suspended');
    await waitFor(() => expect(users).toHaveBeenLastCalledWith({ status: 'suspended', sort: 'username', order: 'asc', limit: 25, offset: 0 }));

    await user.click(screen.getByRole('button', { name: 'Storage' }));
    await waitFor(() => expect(users).toHaveBeenLastCalledWith({ status: 'suspended', sort: 'used', order: 'desc', limit: 25, offset: 0 }));
    expect(screen.getByRole('columnheader', { name: /Storage/ })).toHaveAttribute('aria-sort', 'descending');
    expect(screen.getByRole('columnheader', { name: /User/ })).toHaveAttribute('aria-sort', 'none');

    await user.click(screen.getByRole('button', { name: 'Storage' }));
    await waitFor(() => expect(users).toHaveBeenLastCalledWith({ status: 'suspended', sort: 'used', order: 'asc', limit: 25, offset: 0 }));
    expect(screen.getByRole('columnheader', { name: /Storage/ })).toHaveAttribute('aria-sort', 'ascending');
  });

  it('pages through 25 at a time', async () => {
    const user = userEvent.setup();
    const all = Array.from({ length: 30 }, (_, i) => makeUser(i + 1));
    const users = usersFake((q) => pageOf(all.slice(q.offset, (q.offset ?? 0) + 25), all.length));
    renderAdmin(<UsersTab />, { users });

    expect(await screen.findByText('1–25 of 30')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('26–30 of 30')).toBeInTheDocument();
    expect(users).toHaveBeenLastCalledWith({ sort: 'username', order: 'asc', limit: 25, offset: 25 });
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    expect(screen.getByText('user30')).toBeInTheDocument();
  });

  it('shows an empty state for a search without matches, and the server reason when listing fails', async () => {
    const users = vi.fn().mockResolvedValueOnce(pageOf([])).mockRejectedValue(new ApiError(500, { detail: 'Database unavailable' }));
    const first = renderAdmin(<UsersTab />, { users }, '/admin/users?search=zzz');
    expect(await screen.findByRole('heading', { name: 'No matching users' })).toBeInTheDocument();
    first.unmount();

    renderAdmin(<UsersTab />, { users });
    expect(await screen.findByRole('alert')).toHaveTextContent('Database unavailable');
  });
});
