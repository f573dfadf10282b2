import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { GB, me, makeUser, pageOf, renderAdmin, usersFake } from './test-utils';
import { UsersTab } from './UsersTab';


describe('UsersTab dialogs', () => {
  it('creates a user with the quota in bytes and refreshes the admin views', async () => {
    const user = userEvent.setup();
    const created = makeUser(9, { username: 'bob' });
    const createUser = vi.fn().mockResolvedValue(created);
    const { queryClient } = renderAdmin(<UsersTab />, { users: usersFake(), createUser });
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    await screen.findByText('user1');

    await user.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create user' });
    await user.type(within(dialog).getByLabelText('Username'), ' bob ');
    await user.type(within(dialog).getByLabelText('Display name'), 'Bob Builder');
    await user.type(within(dialog).getByLabelText('Email'), 'bob@example.com');
    await user.type(within(dialog).getByLabelText('Password'), 'correct horse');
    await user.selectOptions(within(dialog).getByLabelText('Role'), 'Administrator');
    await user.type(within(dialog).getByLabelText('Quota'), '2');
    await user.selectOptions(within(dialog).getByLabelText('Quota unit'), 'TB');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));

    expect(createUser).toHaveBeenCalledWith({
      username: 'bob',
      password: 'correct horse',
      display_name: 'Bob Builder',
      email: 'bob@example.com',
      role: 'admin',
      quota_bytes: 2 * 1024 ** 4,
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.getByText('Created bob')).toBeInTheDocument();
    expect(invalidate.mock.calls.map(([f]) => f?.queryKey)).toContainEqual(['admin']);
  });

  it('sends unlimited as null and leaves an empty quota to the server default', async () => {
    const user = userEvent.setup();
    const createUser = vi.fn().mockResolvedValue(makeUser(9));
    renderAdmin(<UsersTab />, { users: usersFake(), createUser });
    await screen.findByText('user1');

    await user.click(screen.getByRole('button', { name: 'Create user' }));
    let dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Username'), 'carol');
    await user.type(within(dialog).getByLabelText('Password'), 'long enough');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(createUser).toHaveBeenLastCalledWith({ username: 'carol', password: 'long enough', role: 'user' });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    await user.click(screen.getByRole('button', { name: 'Create user' }));
    dialog = await screen.findByRole('dialog');
    // A fresh form each time it opens.
    expect(within(dialog).getByLabelText('Username')).toHaveValue('');
    await user.type(within(dialog).getByLabelText('Username'), 'dave');
    await user.type(within(dialog).getByLabelText('Password'), 'long enough');
    await user.click(within(dialog).getByLabelText('Unlimited'));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(createUser).toHaveBeenLastCalledWith({ username: 'dave', password: 'long enough', role: 'user', quota_bytes: null });
  });

  it('checks required fields before asking the server, and shows the server reason in the dialog', async () => {
    const user = userEvent.setup();
    const createUser = vi.fn().mockRejectedValue(new ApiError(409, { detail: 'The username "user1" is taken' }));
    renderAdmin(<UsersTab />, { users: usersFake(), createUser });
    await screen.findByText('user1');

    await user.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(createUser).not.toHaveBeenCalled();
    expect(within(dialog).getByLabelText('Username')).toHaveAccessibleDescription(expect.stringContaining('Enter a username'));
    expect(within(dialog).getByLabelText('Username')).toHaveFocus();

    await user.type(within(dialog).getByLabelText('Username'), 'user1');
    await user.type(within(dialog).getByLabelText('Password'), 'long enough');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The username "user1" is taken');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('replaces the last refusal on each new attempt and forgets it when the dialog is opened again', async () => {
    const user = userEvent.setup();
    const createUser = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(409, { detail: 'The username "user1" is taken' }))
      .mockRejectedValueOnce(new ApiError(400, { detail: 'The password is too short' }))
      .mockRejectedValueOnce(new ApiError(409, { detail: 'The username "user2" is taken' }));
    renderAdmin(<UsersTab />, { users: usersFake(), createUser });
    await screen.findByText('user1');

    await user.click(screen.getByRole('button', { name: 'Create user' }));
    let dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Username'), 'user1');
    await user.type(within(dialog).getByLabelText('Password'), 'long enough');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The username "user1" is taken');

    // A problem found here: the server's earlier answer is gone, only the new one shows.
    await user.clear(within(dialog).getByLabelText('Password'));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(within(dialog).getByLabelText('Password')).toHaveAccessibleDescription(expect.stringContaining('Enter a password'));
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    expect(dialog).not.toHaveTextContent('is taken');

    // Another refusal replaces it.
    await user.type(within(dialog).getByLabelText('Password'), 'short');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The password is too short');
    expect(within(dialog).getAllByRole('alert')).toHaveLength(1);

    // Closed and opened again: a fresh form without the old message.
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    await user.click(screen.getByRole('button', { name: 'Create user' }));
    dialog = await screen.findByRole('dialog');
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    expect(dialog).not.toHaveTextContent('too short');
    await user.type(within(dialog).getByLabelText('Username'), 'user2');
    await user.type(within(dialog).getByLabelText('Password'), 'long enough');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The username "user2" is taken');
  });

  it('edits only what changed, with the quota in bytes', async () => {
    const user = userEvent.setup();
    const target = makeUser(1, { quota_bytes: 10 * GB });
    const updateUser = vi.fn().mockResolvedValue(target);
    renderAdmin(<UsersTab />, { users: usersFake(() => pageOf([me, target])), updateUser });

    await user.click(await screen.findByRole('button', { name: 'Edit user1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit user1' });
    expect(within(dialog).getByLabelText('Quota')).toHaveValue(10);
    expect(within(dialog).getByLabelText('Quota unit')).toHaveValue('GB');
    await user.clear(within(dialog).getByLabelText('Quota'));
    await user.type(within(dialog).getByLabelText('Quota'), '512');
    await user.selectOptions(within(dialog).getByLabelText('Quota unit'), 'MB');
    await user.selectOptions(within(dialog).getByLabelText('Status'), 'Suspended');
    expect(within(dialog).getByText(/signs them out everywhere/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(updateUser).toHaveBeenCalledWith(target.id, { status: 'suspended', quota_bytes: 512 * 1024 ** 2 });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('refreshes the account too when admins edit themselves', async () => {
    const user = userEvent.setup();
    const updateUser = vi.fn().mockResolvedValue({ ...me, display_name: 'The Root' });
    const { queryClient } = renderAdmin(<UsersTab />, { users: usersFake(), updateUser });
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');

    await user.click(await screen.findByRole('button', { name: 'Edit root' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit root' });
    await user.clear(within(dialog).getByLabelText('Display name'));
    await user.type(within(dialog).getByLabelText('Display name'), 'The Root');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(updateUser).toHaveBeenCalledWith(me.id, { display_name: 'The Root' });
    await waitFor(() => expect(invalidate.mock.calls.map(([f]) => f?.queryKey)).toEqual(expect.arrayContaining([['admin'], ['account']])));
  });

  it('suspends only after a confirmation that explains the sessions end', async () => {
    const user = userEvent.setup();
    const target = makeUser(1);
    const suspendUser = vi.fn().mockRejectedValueOnce(new ApiError(403, { detail: 'This is the last active administrator' })).mockResolvedValue({ ...target, status: 'suspended' });
    renderAdmin(<UsersTab />, { users: usersFake(() => pageOf([me, target])), suspendUser });

    await user.click(await screen.findByRole('button', { name: 'Suspend user1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Suspend user1?' });
    expect(dialog).toHaveTextContent(/ends all of their sessions/);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(suspendUser).not.toHaveBeenCalled();
    // Keyboard users land back where they were.
    await waitFor(() => expect(screen.getByRole('button', { name: 'Suspend user1' })).toHaveFocus());

    await user.keyboard('{Enter}');
    const again = await screen.findByRole('dialog', { name: 'Suspend user1?' });

    await user.click(within(again).getByRole('button', { name: 'Suspend' }));
    expect(await within(again).findByRole('alert')).toHaveTextContent('This is the last active administrator');

    await user.click(within(again).getByRole('button', { name: 'Suspend' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(suspendUser).toHaveBeenCalledWith(target.id);
    expect(screen.getByText('Suspended user1')).toBeInTheDocument();
  });

  it('reactivates a suspended user at once', async () => {
    const user = userEvent.setup();
    const target = makeUser(1, { status: 'suspended' });
    const reactivateUser = vi.fn().mockResolvedValue({ ...target, status: 'active' });
    renderAdmin(<UsersTab />, { users: usersFake(() => pageOf([me, target])), reactivateUser });

    await user.click(await screen.findByRole('button', { name: 'Reactivate user1' }));
    expect(reactivateUser).toHaveBeenCalledWith(target.id);
    expect(await screen.findByText('Reactivated user1')).toBeInTheDocument();
  });
});
