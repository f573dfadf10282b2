import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Organisation } from '../../api/org-types';
import { slugOf } from './orgForm';
import { OrgsTab } from './OrgsTab';
import { renderAdmin } from './test-utils';

const org = (slug: string, name: string, extra: Partial<Organisation> = {}): Organisation => ({
  id: `id-${slug}`,
  slug,
  name,
  status: 'active',
  signed_url_max_seconds: 3600,
  tenant: false,
  my_role: null,
  member_count: 3,
  space_count: 2,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('OrgsTab', () => {
  it('lists every organisation with its status, members and spaces', async () => {
    const allOrgs = vi.fn().mockResolvedValue({ items: [org('press', 'Northwind Press'), org('lab', 'Harbour Lab', { status: 'suspended' })] });
    renderAdmin(<OrgsTab />, { allOrgs }, '/admin/orgs');
    const table = await screen.findByRole('table', { name: 'Organisations' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('Northwind Press');
    expect(rows[0]).toHaveTextContent('Active');
    expect(within(rows[1]!).getByText('Suspended')).toBeInTheDocument();
    expect(within(rows[1]!).getByRole('button', { name: 'Reactivate Harbour Lab' })).toBeInTheDocument();
  });

  it('creates an organisation with a handle made from its name and its first owner', async () => {
    const user = userEvent.setup();
    const createOrg = vi.fn().mockResolvedValue(org('harbour-lab', 'Harbour Lab'));
    renderAdmin(<OrgsTab />, { allOrgs: vi.fn().mockResolvedValue({ items: [] }), createOrg }, '/admin/orgs');
    await screen.findByText('No organisations yet');
    await user.click(screen.getByRole('button', { name: 'Create organisation' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create organisation' });
    await user.type(within(dialog).getByLabelText('Name'), 'Harbour Lab');
    expect(within(dialog).getByLabelText('Handle')).toHaveValue('harbour-lab');
    await user.type(within(dialog).getByLabelText('First owner'), 'olivia');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(createOrg).toHaveBeenCalledWith({ name: 'Harbour Lab', slug: 'harbour-lab', owner: 'olivia' });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('deletes only once the handle is typed again', async () => {
    const user = userEvent.setup();
    const deleteOrg = vi.fn().mockResolvedValue({ deleted_spaces: 2 });
    renderAdmin(<OrgsTab />, { allOrgs: vi.fn().mockResolvedValue({ items: [org('press', 'Northwind Press')] }), deleteOrg }, '/admin/orgs');
    await user.click(await screen.findByRole('button', { name: 'Delete Northwind Press' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Northwind Press?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete organisation' });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText('Type “press” to confirm'), 'pres');
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText('Type “press” to confirm'), 's');
    await user.click(confirm);
    expect(deleteOrg).toHaveBeenCalledWith('press', 'press');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('suspends after asking, and shows spaces as entries without links', async () => {
    const user = userEvent.setup();
    const suspendOrg = vi.fn().mockResolvedValue(org('press', 'Northwind Press', { status: 'suspended' }));
    const orgSpaces = vi.fn().mockResolvedValue({
      items: [{ id: 's1', kind: 'organization', name: 'Catalogue', org: null, my_role: null, root_folder_id: null, quota_bytes: null, used_bytes: 2048, trash_retention_days: null, layout: null, timestamp_names: false, created_at: '2026-01-01T00:00:00.000Z' }],
    });
    renderAdmin(<OrgsTab />, { allOrgs: vi.fn().mockResolvedValue({ items: [org('press', 'Northwind Press')] }), suspendOrg, orgSpaces }, '/admin/orgs');
    await user.click(await screen.findByRole('button', { name: 'Spaces of Northwind Press' }));
    const spaces = await screen.findByRole('dialog', { name: 'Spaces of Northwind Press' });
    expect(await within(spaces).findByText('Catalogue')).toBeInTheDocument();
    expect(within(spaces).queryByRole('link')).not.toBeInTheDocument();
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'Suspend Northwind Press' }));
    const confirm = await screen.findByRole('dialog', { name: 'Suspend Northwind Press?' });
    await user.click(within(confirm).getByRole('button', { name: 'Suspend' }));
    expect(suspendOrg).toHaveBeenCalledWith('press');
  });

  it('makes handles from names', () => {
    expect(slugOf('  Café Zürich & Co. ')).toBe('cafe-zurich-co');
  });
});
