import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { Link } from '../api/links-types';
import type { Person, Share } from '../api/share-types';
import type { FileNode } from '../api/types';
import { renderWithServices } from '../test-utils';
import { dateInputToIso } from './format';
import { ShareDialog } from './ShareDialog';

const folder = { id: 'n1', name: 'Holiday', kind: 'folder', parent_id: 'root', size: 10, mime: null } as FileNode;
const file = { id: 'f1', name: 'plan.pdf', kind: 'file', parent_id: 'root', size: 10, mime: 'application/pdf' } as FileNode;

const bob: Person = { id: 'u2', username: 'bob', display_name: 'Bob Stone' };
const bea: Person = { id: 'u3', username: 'bea', display_name: 'Bea Li' };
const me: Person = { id: 'u1', username: 'ada', display_name: 'Ada' };

function share(over: Partial<Share> = {}): Share {
  return {
    id: 's1',
    node_id: 'n1',
    node_name: 'Holiday',
    node_kind: 'folder',
    role: 'viewer',
    expires_at: null,
    owner: me,
    recipient: bob,
    created_by: 'ada',
    mount_name: 'Holiday',
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

function link(over: Partial<Link> = {}): Link {
  return {
    id: 'l1',
    token: 'tok123',
    url: '/s/tok123',
    node_id: 'n1',
    node_name: 'Holiday',
    node_kind: 'folder',
    name: 'For the printer',
    permission: 'read',
    has_password: false,
    expires_at: null,
    max_downloads: 10,
    downloads: 3,
    max_views: null,
    views: 5,
    state: 'active',
    created_by: 'ada',
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

function setup(over: Record<string, unknown> = {}, node: FileNode = folder) {
  const fake = {
    people: vi.fn(async (q: string) => ({ items: [bob, bea].filter((p) => p.username.startsWith(q.toLowerCase()) || p.display_name.toLowerCase().startsWith(q.toLowerCase())) })),
    nodeShares: vi.fn(async () => ({ items: [] as Share[] })),
    nodeLinks: vi.fn(async () => ({ items: [] as Link[] })),
    createShare: vi.fn(async (b: { role: Share['role'] }) => share({ role: b.role })),
    updateShare: vi.fn(async (_id: string, b: { role?: Share['role'] }) => share({ role: b.role ?? 'viewer' })),
    deleteShare: vi.fn(async () => undefined),
    createLink: vi.fn(async () => link()),
    updateLink: vi.fn(async () => link()),
    revokeLink: vi.fn(async () => undefined),
    ...over,
  };
  const onOpenChange = vi.fn();
  renderWithServices(<ShareDialog node={node} open onOpenChange={onOpenChange} />, fake);
  return { ...fake, onOpenChange };
}

afterEach(() => vi.restoreAllMocks());

describe('ShareDialog: people', () => {
  it('finds people as one types, picks one with the keyboard and shares with the chosen role and end date', async () => {
    const user = userEvent.setup();
    const api = setup();
    const dialog = await screen.findByRole('dialog', { name: 'Share “Holiday”' });
    const box = within(dialog).getByRole('combobox', { name: 'Add a person' });
    await user.type(box, 'b');
    const list = await within(dialog).findByRole('listbox');
    // One request for the settled text, not one per keystroke.
    expect(api.people).toHaveBeenCalledWith('b', expect.anything());
    expect(
      within(list)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Bob Stone@bob', 'Bea Li@bea']);
    expect(box).toHaveAttribute('aria-expanded', 'true');

    await user.keyboard('{ArrowDown}{ArrowDown}');
    const options = within(list).getAllByRole('option');
    expect(options[1]).toHaveAttribute('aria-selected', 'true');
    expect(box).toHaveAttribute('aria-activedescendant', options[1]!.id);
    await user.keyboard('{Enter}');
    expect(box).toHaveValue('Bea Li (@bea)');
    expect(box).toHaveAttribute('aria-expanded', 'false');

    await user.selectOptions(within(dialog).getByRole('combobox', { name: 'Role' }), 'editor');
    await user.type(within(dialog).getByLabelText(/Until/), '2031-06-05');
    await user.click(within(dialog).getByRole('button', { name: 'Share' }));
    await waitFor(() => expect(api.createShare).toHaveBeenCalledWith({ node_id: 'n1', recipient: 'bea', role: 'editor', expires_at: dateInputToIso('2031-06-05') }));
    expect(await screen.findByText('Shared “Holiday” with Bob Stone as editor')).toBeInTheDocument();
    expect(box).toHaveValue('');
  });

  it('searches only after typing pauses', async () => {
    const user = userEvent.setup();
    const api = setup();
    await user.type(await screen.findByRole('combobox', { name: 'Add a person' }), 'bob');
    await screen.findByRole('option', { name: /Bob Stone/ });
    expect(api.people.mock.calls.map((c) => c[0])).toEqual(['bob']);
  });

  it('closes the suggestions on Escape without closing the dialog', async () => {
    const user = userEvent.setup();
    const api = setup();
    const box = await screen.findByRole('combobox', { name: 'Add a person' });
    await user.type(box, 'bo');
    await screen.findByRole('listbox');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    expect(api.onOpenChange).not.toHaveBeenCalled();
  });

  it('shows the server reason when sharing is refused', async () => {
    const user = userEvent.setup();
    setup({ createShare: vi.fn().mockRejectedValue(new ApiError(409, { status: 409, detail: 'Bob Stone already has access to “Holiday”' })) });
    await user.type(await screen.findByRole('combobox', { name: 'Add a person' }), 'bob');
    await user.click(screen.getByRole('button', { name: 'Share' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Bob Stone already has access to “Holiday”');
    expect(screen.getByRole('combobox', { name: 'Add a person' })).toHaveAttribute('aria-invalid', 'true');
  });

  it('lists who has access, changes a role and stops sharing after asking', async () => {
    const user = userEvent.setup();
    const api = setup({ nodeShares: vi.fn(async () => ({ items: [share({ expires_at: '2031-06-05T21:59:59.999Z' })] })) });
    const people = await screen.findByRole('list', { name: 'People with access to Holiday' });
    expect(people).toHaveTextContent('Bob Stone');
    expect(people).toHaveTextContent('@bob');
    expect(people).toHaveTextContent('until');

    await user.selectOptions(within(people).getByRole('combobox', { name: 'Role of Bob Stone' }), 'manager');
    await waitFor(() => expect(api.updateShare).toHaveBeenCalledWith('s1', { role: 'manager' }));

    await user.click(within(people).getByRole('button', { name: 'Stop sharing with Bob Stone' }));
    const confirm = await screen.findByRole('dialog', { name: 'Stop sharing with Bob Stone?' });
    expect(api.deleteShare).not.toHaveBeenCalled();
    await user.click(within(confirm).getByRole('button', { name: 'Stop sharing' }));
    await waitFor(() => expect(api.deleteShare).toHaveBeenCalledWith('s1'));
    expect(await screen.findByText('Stopped sharing “Holiday” with Bob Stone')).toBeInTheDocument();
  });
});

describe('ShareDialog: links', () => {
  it('creates an upload-only link with a password, an end date and limits', async () => {
    const user = userEvent.setup();
    const api = setup();
    await screen.findByText('No links yet.');
    await user.click(screen.getByRole('button', { name: 'New link' }));
    const form = screen.getByRole('form', { name: 'New link to Holiday' });
    expect(within(form).getByRole('textbox', { name: 'Name' })).toHaveFocus();
    await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'Wedding photos');
    await user.click(within(form).getByRole('radio', { name: /Upload only/ }));
    await user.click(within(form).getByRole('checkbox', { name: 'Require a password' }));
    await user.type(within(form).getByLabelText('Password'), 'abc');
    await user.type(within(form).getByLabelText('Works until'), '2031-06-05');
    await user.type(within(form).getByRole('spinbutton', { name: 'Download limit' }), '20');
    await user.type(within(form).getByRole('spinbutton', { name: 'View limit' }), '0');

    await user.click(within(form).getByRole('button', { name: 'Create link' }));
    // Checked here first, with the reason beside each field.
    expect(api.createLink).not.toHaveBeenCalled();
    expect(within(form).getByLabelText('Password')).toHaveAccessibleDescription(/Use at least 4 characters/);
    expect(within(form).getByLabelText('Password')).toHaveFocus();
    expect(within(form).getByRole('spinbutton', { name: 'View limit' })).toHaveAttribute('aria-invalid', 'true');

    await user.type(within(form).getByLabelText('Password'), 'd');
    await user.clear(within(form).getByRole('spinbutton', { name: 'View limit' }));
    await user.click(within(form).getByRole('button', { name: 'Create link' }));
    await waitFor(() =>
      expect(api.createLink).toHaveBeenCalledWith({
        node_id: 'n1',
        name: 'Wedding photos',
        permission: 'upload',
        password: 'abcd',
        expires_at: dateInputToIso('2031-06-05'),
        max_downloads: 20,
        max_views: null,
      }),
    );
    expect(await screen.findByText('Link to “Holiday” created')).toBeInTheDocument();
  });

  it('offers only view and download for a file', async () => {
    const user = userEvent.setup();
    const api = setup({ nodeShares: vi.fn(async () => ({ items: [] })) }, file);
    await user.click(await screen.findByRole('button', { name: 'New link' }));
    const form = screen.getByRole('form', { name: 'New link to plan.pdf' });
    expect(within(form).queryByRole('radio')).not.toBeInTheDocument();
    expect(form).toHaveTextContent('Visitors can view and download this file.');
    await user.click(within(form).getByRole('button', { name: 'Create link' }));
    await waitFor(() => expect(api.createLink).toHaveBeenCalledWith({ node_id: 'f1', permission: 'read', expires_at: null, max_downloads: null, max_views: null }));
  });

  it('lists links with their options and state, and copies the full address', async () => {
    const user = userEvent.setup();
    setup({
      nodeLinks: vi.fn(async () => ({ items: [link({ has_password: true, expires_at: '2031-06-05T21:59:59.999Z' }), link({ id: 'l2', name: '', state: 'expired', token: 'old', url: '/s/old' })] })),
    });
    const links = await screen.findByRole('list', { name: 'Links to Holiday' });
    const [first, second] = within(links).getAllByRole('listitem');
    expect(first).toHaveTextContent('For the printer');
    expect(first).toHaveTextContent('Active');
    expect(first).toHaveTextContent('Password');
    expect(first).toHaveTextContent('View and download');
    expect(first).toHaveTextContent('3 of 10 downloads');
    expect(first).toHaveTextContent('5 views');
    expect(first).toHaveTextContent('Until');
    expect(second).toHaveTextContent('Link without a name');
    expect(second).toHaveTextContent('Expired');

    const address = within(first!).getByRole('textbox', { name: 'Address of For the printer' });
    expect(address).toHaveValue(`${window.location.origin}/s/tok123`);
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await user.click(within(first!).getByRole('button', { name: 'Copy For the printer' }));
    expect(writeText).toHaveBeenCalledWith(`${window.location.origin}/s/tok123`);
    expect(await within(first!).findByText('Link copied')).toBeInTheDocument();
  });

  it('selects the address for copying by hand when the clipboard is refused', async () => {
    const user = userEvent.setup();
    setup({ nodeLinks: vi.fn(async () => ({ items: [link()] })) });
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'));
    await user.click(await screen.findByRole('button', { name: 'Copy For the printer' }));
    const address = screen.getByRole('textbox', { name: 'Address of For the printer' });
    expect(address).toHaveFocus();
    expect(await screen.findByText(/the address is selected, press Ctrl\+C/)).toBeInTheDocument();
  });

  it('changes a link, sending only what changed, and removes its password', async () => {
    const user = userEvent.setup();
    const api = setup({ nodeLinks: vi.fn(async () => ({ items: [link({ has_password: true })] })) });
    await user.click(await screen.findByRole('button', { name: 'Change For the printer' }));
    const form = screen.getByRole('form', { name: 'Change link For the printer' });
    expect(within(form).getByRole('spinbutton', { name: 'Download limit' })).toHaveValue(10);
    await user.click(within(form).getByRole('checkbox', { name: 'Require a password' }));
    await user.click(within(form).getByRole('radio', { name: /View, download and upload/ }));
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.updateLink).toHaveBeenCalledWith('l1', { permission: 'read-write', password: null }));
  });

  it('revokes a link only after confirming', async () => {
    const user = userEvent.setup();
    const api = setup({ nodeLinks: vi.fn(async () => ({ items: [link()] })) });
    await user.click(await screen.findByRole('button', { name: 'Revoke For the printer' }));
    const confirm = await screen.findByRole('dialog', { name: 'Revoke the link “For the printer”?' });
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(api.revokeLink).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Revoke For the printer' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Revoke the link “For the printer”?' })).getByRole('button', { name: 'Revoke link' }));
    await waitFor(() => expect(api.revokeLink).toHaveBeenCalledWith('l1'));
    expect(await screen.findByText('Revoked the link “For the printer”')).toBeInTheDocument();
  });

  it('keeps the form open with the server reason when a link is refused', async () => {
    const user = userEvent.setup();
    setup({ createLink: vi.fn().mockRejectedValue(new ApiError(403, { status: 403, detail: 'Only the owner or a manager can make links' })) });
    await user.click(await screen.findByRole('button', { name: 'New link' }));
    await user.click(screen.getByRole('button', { name: 'Create link' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Only the owner or a manager can make links');
    expect(screen.getByRole('form', { name: 'New link to Holiday' })).toBeInTheDocument();
  });
});
