import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { Account, FileNode, Page, TrashItem } from '../../api/types';
import { renderWithApi } from '../account/test-utils';
import { TrashPage } from './TrashPage';

const items: TrashItem[] = [
  { id: 't1', name: 'report.pdf', kind: 'file', size: 2048, original_path: '/Docs/report.pdf', deleted_at: '2024-05-02T10:00:00.000Z' },
  { id: 't2', name: 'Holiday', kind: 'folder', size: 5 * 1024 * 1024, original_path: '/Holiday', deleted_at: '2024-05-01T10:00:00.000Z' },
];

const account = { user: { id: 'u1', username: 'ada' }, usage: { used: 10, quota: null, available: null, files: 0, trash: 5 * 1024 * 1024 + 2048, versions: 0 } } as unknown as Account;

function page(list: TrashItem[]): Page<TrashItem> {
  return { items: list, total: list.length };
}

describe('TrashPage', () => {
  it('lists items with their original folder, newest first as the server sends them', async () => {
    const trash = vi.fn().mockResolvedValue({ ...page(items), retention_days: 30 });
    renderWithApi(<TrashPage />, { trash, account: vi.fn().mockResolvedValue(account) });

    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByText('report.pdf')).toBeInTheDocument();
    expect(within(rows[1]!).getAllByText('/Docs', { exact: false }).length).toBeGreaterThan(0);
    expect(within(rows[2]!).getByText('Holiday')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('5 MB')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Restore report.pdf' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Delete Holiday forever' })).toBeEnabled();
    expect(screen.getByText(/deleted for good 30 days/)).toBeInTheDocument();
    expect(trash).toHaveBeenCalledWith({ limit: 100, offset: 0 });
  });

  it('empties the trash only after confirming, then shows the empty state', async () => {
    const user = userEvent.setup();
    const trash = vi.fn().mockResolvedValueOnce(page(items)).mockResolvedValue(page([]));
    const emptyTrash = vi.fn().mockResolvedValue({ purged: 2 });
    renderWithApi(<TrashPage />, { trash, emptyTrash, account: vi.fn().mockResolvedValue(account) });

    await screen.findByText('report.pdf');
    await user.click(screen.getByRole('button', { name: 'Empty trash' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('All 2 items in the trash (5 MB) will be deleted forever. This cannot be undone.');

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(emptyTrash).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    await user.click(screen.getByRole('button', { name: 'Empty trash' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Empty trash' }));
    expect(emptyTrash).toHaveBeenCalledTimes(1);
    expect(await screen.findByRole('heading', { name: 'Trash is empty' })).toBeInTheDocument();
    expect(screen.getByText('Emptied the trash: 2 items deleted forever')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Empty trash' })).toBeDisabled();
  });

  it('keeps the dialog open with the server reason when emptying fails', async () => {
    const user = userEvent.setup();
    const emptyTrash = vi.fn().mockRejectedValue(new ApiError(503, { detail: 'Storage is read-only right now' }));
    renderWithApi(<TrashPage />, { trash: vi.fn().mockResolvedValue(page(items)), emptyTrash, account: vi.fn().mockResolvedValue(account) });

    await user.click(await screen.findByRole('button', { name: 'Empty trash' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Empty trash' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Storage is read-only right now');
  });

  it('restores an item and says where it went', async () => {
    const user = userEvent.setup();
    const trash = vi.fn().mockResolvedValueOnce(page(items)).mockResolvedValue(page([items[1]!]));
    const restore = vi.fn().mockResolvedValue({ id: 't1', name: 'report.pdf', path: '/Docs/report.pdf' } as FileNode);
    const { queryClient } = renderWithApi(<TrashPage />, { trash, restore, account: vi.fn().mockResolvedValue(account) });
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');

    await user.click(await screen.findByRole('button', { name: 'Restore report.pdf' }));
    expect(restore).toHaveBeenCalledWith('t1');
    expect(await screen.findByText('Restored report.pdf to /Docs/report.pdf')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('report.pdf')).not.toBeInTheDocument());
    const keys = invalidate.mock.calls.map(([filters]) => filters?.queryKey);
    expect(keys).toEqual(expect.arrayContaining([['trash'], ['children'], ['account']]));
  });

  it('deletes one item forever after confirming', async () => {
    const user = userEvent.setup();
    const trash = vi.fn().mockResolvedValueOnce(page(items)).mockResolvedValue(page([items[0]!]));
    const purge = vi.fn().mockResolvedValue(undefined);
    renderWithApi(<TrashPage />, { trash, purge, account: vi.fn().mockResolvedValue(account) });

    await user.click(await screen.findByRole('button', { name: 'Delete Holiday forever' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Holiday forever?' });
    expect(dialog).toHaveTextContent('everything in it');
    await user.click(within(dialog).getByRole('button', { name: 'Delete forever' }));
    expect(purge).toHaveBeenCalledWith('t2');
    await waitFor(() => expect(screen.queryByText('Holiday')).not.toBeInTheDocument());
  });

  it('offers more items when the trash holds more than a page', async () => {
    const user = userEvent.setup();
    const trash = vi.fn().mockResolvedValueOnce({ items: [items[0]!], total: 2 }).mockResolvedValueOnce({ items: [items[1]!], total: 2 });
    renderWithApi(<TrashPage />, { trash, account: vi.fn().mockResolvedValue(account) });

    await user.click(await screen.findByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('Holiday')).toBeInTheDocument();
    expect(trash).toHaveBeenLastCalledWith({ limit: 100, offset: 1 });
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(screen.getByText('Showing 2 of 2 items')).toBeInTheDocument();
  });
});
