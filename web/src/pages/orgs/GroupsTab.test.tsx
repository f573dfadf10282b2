import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { OrgGroup, OrgMember } from '../../api/org-types';
import { renderWithServices } from '../../test-utils';
import { GroupsTab } from './GroupsTab';

const editors: OrgGroup = { id: 'g1', name: 'Editors', members: [{ user_id: 'u1', username: 'olivia', display_name: 'Olivia' }], created_at: '2026-01-01T00:00:00.000Z' };
const member = (id: string, username: string): OrgMember => ({ user_id: id, username, display_name: username.toUpperCase(), email: null, role: 'member', created_at: '2026-01-01T00:00:00.000Z' });

describe('GroupsTab', () => {
  it('shows a member the groups and who is in them, without changing controls', async () => {
    renderWithServices(<GroupsTab slug="press" admin={false} />, { orgGroups: vi.fn().mockResolvedValue({ items: [editors] }) });
    const table = await screen.findByRole('table', { name: 'Groups' });
    expect(within(table).getByText('@olivia')).toBeInTheDocument();
    expect(screen.queryByLabelText('New group')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete Editors' })).not.toBeInTheDocument();
  });

  it('creates a group and shows a refusal next to the name', async () => {
    const user = userEvent.setup();
    const createGroup = vi.fn().mockRejectedValueOnce(new ApiError(409, { status: 409, detail: 'Press has a group named "Editors" already' })).mockResolvedValueOnce({ ...editors, id: 'g2', name: 'Layout', members: [] });
    renderWithServices(<GroupsTab slug="press" admin />, { orgGroups: vi.fn().mockResolvedValue({ items: [editors] }), createGroup });
    await screen.findByRole('table', { name: 'Groups' });
    const name = screen.getByLabelText('New group');
    await user.type(name, 'Editors');
    await user.click(screen.getByRole('button', { name: 'Create group' }));
    await waitFor(() => expect(name).toHaveAccessibleDescription('Press has a group named "Editors" already'));
    await user.clear(name);
    await user.type(name, ' Layout ');
    await user.click(screen.getByRole('button', { name: 'Create group' }));
    expect(createGroup).toHaveBeenLastCalledWith('press', 'Layout');
    await waitFor(() => expect(name).toHaveValue(''));
  });

  it('adds a member of the organisation who is not in the group yet, and removes one', async () => {
    const user = userEvent.setup();
    const addGroupMember = vi.fn().mockResolvedValue(editors);
    const removeGroupMember = vi.fn().mockResolvedValue(editors);
    renderWithServices(<GroupsTab slug="press" admin />, {
      orgGroups: vi.fn().mockResolvedValue({ items: [editors] }),
      orgMembers: vi.fn().mockResolvedValue({ items: [member('u1', 'olivia'), member('u2', 'max'), member('u3', 'zoe')] }),
      addGroupMember,
      removeGroupMember,
    });
    await user.click(await screen.findByRole('button', { name: 'Members of Editors' }));
    const dialog = await screen.findByRole('dialog', { name: 'Members of Editors' });
    const select = within(dialog).getByLabelText('Add a member');
    await waitFor(() => expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['MAX (@max)', 'ZOE (@zoe)']));
    await user.selectOptions(select, 'zoe');
    await user.click(within(dialog).getByRole('button', { name: 'Add to group' }));
    expect(addGroupMember).toHaveBeenCalledWith('press', 'g1', 'zoe');
    await user.click(within(dialog).getByRole('button', { name: 'Remove olivia from Editors' }));
    expect(removeGroupMember).toHaveBeenCalledWith('press', 'g1', 'olivia');
  });

  it('asks before deleting a group', async () => {
    const user = userEvent.setup();
    const deleteGroup = vi.fn().mockResolvedValue(undefined);
    renderWithServices(<GroupsTab slug="press" admin />, { orgGroups: vi.fn().mockResolvedValue({ items: [editors] }), deleteGroup });
    await user.click(await screen.findByRole('button', { name: 'Delete Editors' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Editors?' });
    expect(deleteGroup).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Delete group' }));
    expect(deleteGroup).toHaveBeenCalledWith('press', 'g1');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });
});
