import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IncomingShare, Share } from '../../api/share-types';
import { renderWithServices } from '../../test-utils';
import { dateInputToIso } from '../../sharing/format';
import { SharedPage } from './SharedPage';

const ada = { id: 'u1', username: 'ada', display_name: 'Ada Lovelace' };
const bob = { id: 'u2', username: 'bob', display_name: 'Bob Stone' };
const folderNode = {
  id: 'n1',
  name: 'Reports',
  kind: 'folder' as const,
  parent_id: 'p',
  size: 1,
  mime: null,
  etag: 'e',
  version_id: null,
  created_at: '',
  modified_at: '',
  updated_at: '',
  path: '/Shared with me/Reports',
};

function share(over: Partial<Share> = {}): Share {
  return {
    id: 's1',
    node_id: 'n1',
    node_name: 'Reports',
    node_kind: 'folder',
    role: 'viewer',
    expires_at: null,
    owner: ada,
    recipient: bob,
    created_by: 'ada',
    mount_name: 'Reports',
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

const incoming = (over: Partial<IncomingShare> = {}): IncomingShare => ({ ...share(), node: folderNode, path: '/Shared with me/Reports', ...over });

function renderShared(path: string, fake: Record<string, unknown>) {
  return renderWithServices(
    <Routes>
      <Route path="/shared/*" element={<SharedPage />} />
      <Route path="/files/:folderId" element={<p>Folder view</p>} />
    </Routes>,
    fake,
    { path, withLocation: true },
  );
}

afterEach(() => vi.restoreAllMocks());

describe('Shared with me', () => {
  it('lists shares with owner, role and end date; a folder opens in the file browser by its id', async () => {
    const user = userEvent.setup();
    renderShared('/shared/with-me', { incomingShares: vi.fn(async () => ({ items: [incoming({ role: 'editor', expires_at: '2031-06-05T21:59:59.999Z' })] })) });
    const table = await screen.findByRole('table', { name: 'Files and folders shared with you' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent('Reports');
    expect(row).toHaveTextContent('Ada Lovelace');
    expect(row).toHaveTextContent('Editor');
    expect(row).toHaveTextContent('2031');
    expect(screen.getByRole('link', { name: 'Shared with me' })).toHaveAttribute('aria-current', 'page');
    await user.click(within(row).getByRole('link', { name: 'Reports' }));
    expect(screen.getByTestId('location')).toHaveTextContent('/files/n1');
  });

  it('leaves a share after confirming', async () => {
    const user = userEvent.setup();
    const deleteShare = vi.fn(async () => undefined);
    const incomingShares = vi
      .fn()
      .mockResolvedValueOnce({ items: [incoming()] })
      .mockResolvedValue({ items: [] });
    renderShared('/shared/with-me', { incomingShares, deleteShare });
    await user.click(await screen.findByRole('button', { name: 'Leave Reports' }));
    const confirm = await screen.findByRole('dialog', { name: 'Leave “Reports”?' });
    expect(confirm).toHaveTextContent('Only Ada Lovelace can share it with you again.');
    await user.click(within(confirm).getByRole('button', { name: 'Leave' }));
    await waitFor(() => expect(deleteShare).toHaveBeenCalledWith('s1'));
    expect(await screen.findByText('You left “Reports”')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Nothing is shared with you yet' })).toBeInTheDocument();
  });
});

describe('Shared by me', () => {
  const fake = () => ({
    outgoingShares: vi.fn(async () => ({ items: [share({ expires_at: '2031-06-05T21:59:59.999Z' })] })),
    links: vi.fn(async () => ({ items: [] })),
    updateShare: vi.fn(async () => share({ role: 'editor' })),
    deleteShare: vi.fn(async () => undefined),
  });

  it('lists item, recipient, role and end date, and changes role and end date', async () => {
    const user = userEvent.setup();
    const api = fake();
    renderShared('/shared/by-me', api);
    const table = await screen.findByRole('table', { name: 'Your files and folders shared with people' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent('Reports');
    expect(row).toHaveTextContent('Bob Stone');
    expect(row).toHaveTextContent('Viewer');
    expect(await screen.findByText('No public links yet.')).toBeInTheDocument();

    await user.click(within(row).getByRole('button', { name: 'Change sharing of Reports with Bob Stone' }));
    const dialog = await screen.findByRole('dialog', { name: 'Change sharing with Bob Stone' });
    await user.selectOptions(within(dialog).getByRole('combobox', { name: 'Role' }), 'editor');
    const until = within(dialog).getByLabelText(/Until/);
    await user.clear(until);
    await user.type(until, '2032-01-31');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.updateShare).toHaveBeenCalledWith('s1', { role: 'editor', expires_at: dateInputToIso('2032-01-31') }));
    expect(await screen.findByText('Saved the changes for Bob Stone')).toBeInTheDocument();
  });

  it('revokes a share after confirming', async () => {
    const user = userEvent.setup();
    const api = fake();
    renderShared('/shared/by-me', api);
    await user.click(await screen.findByRole('button', { name: 'Revoke sharing of Reports with Bob Stone' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Stop sharing with Bob Stone?' })).getByRole('button', { name: 'Stop sharing' }));
    await waitFor(() => expect(api.deleteShare).toHaveBeenCalledWith('s1'));
  });
});
