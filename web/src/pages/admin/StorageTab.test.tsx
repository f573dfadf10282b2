import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { StorageOverview } from '../../api/types';
import { StorageTab } from './StorageTab';
import { renderAdmin } from './test-utils';

const GB = 1024 ** 3;
const overview: StorageOverview = {
  users: 42,
  used: 30 * GB,
  files: 25 * GB,
  trash: 3 * GB,
  versions: 2 * GB,
  quota_total: 500 * GB,
  top_users: [
    { id: 'b', username: 'bea', used: 2 * GB, quota: null },
    { id: 'a', username: 'ann', used: 9 * GB, quota: 10 * GB },
    { id: 'c', username: 'cy', used: 1 * GB, quota: 4 * GB },
  ],
};

describe('StorageTab', () => {
  it('sums up the server and lists users by usage, largest first', async () => {
    renderAdmin(<StorageTab />, { storage: vi.fn().mockResolvedValue(overview) }, '/admin/storage');
    const totals = await screen.findByRole('list', { name: 'Storage totals' });
    const stat = (label: string) => within(totals).getByText(label).closest('li')!;
    expect(stat('Total used')).toHaveTextContent('30 GB');
    expect(stat('Files')).toHaveTextContent('25 GB');
    expect(stat('Trash')).toHaveTextContent('3 GB');
    expect(stat('Old versions')).toHaveTextContent('2 GB');
    expect(stat('Users')).toHaveTextContent('42');
    expect(stat('Quota allocated')).toHaveTextContent('500 GB');

    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('link').textContent)).toEqual(['ann (show in Users)', 'bea (show in Users)', 'cy (show in Users)']);
    expect(within(rows[0]!).getByText('90%')).toBeInTheDocument();
    expect(within(rows[0]!).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '90');
    expect(within(rows[1]!).getByText('No limit')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('25%')).toBeInTheDocument();
    expect(screen.getByText(/The 3 users using the most storage/)).toBeInTheDocument();
  });

  it('links each user to the Users tab search', async () => {
    const user = userEvent.setup();
    renderAdmin(<StorageTab />, { storage: vi.fn().mockResolvedValue(overview) }, '/admin/storage');
    await user.click(await screen.findByRole('link', { name: /^ann/ }));
    expect(screen.getByTestId('location')).toHaveTextContent('/admin/users?search=ann');
  });

  it('says when some quota is unlimited, and shows the server reason on failure', async () => {
    const storage = vi.fn().mockResolvedValueOnce({ ...overview, quota_total: null }).mockRejectedValue(new ApiError(500, { detail: 'Totals are being recalculated' }));
    const first = renderAdmin(<StorageTab />, { storage }, '/admin/storage');
    expect(await screen.findByText('At least one account has no limit')).toBeInTheDocument();
    first.unmount();
    renderAdmin(<StorageTab />, { storage }, '/admin/storage');
    expect(await screen.findByRole('alert')).toHaveTextContent('Totals are being recalculated');
  });
});
