import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { Space } from '../../api/org-types';
import { renderWithServices } from '../../test-utils';
import { SpaceSettingsDialog } from './SpaceSettingsDialog';

const space: Space = {
  id: 's1',
  kind: 'organization',
  name: 'Catalogue',
  org: { id: 'o1', slug: 'press', name: 'Press' },
  my_role: 'manager',
  root_folder_id: 'r1',
  quota_bytes: null,
  used_bytes: 0,
  trash_retention_days: 30,
  layout: null,
  timestamp_names: false,
  support_access: null,
  share_policy: 'all',
  created_at: '2026-01-01T00:00:00.000Z',
};

describe('SpaceSettingsDialog', () => {
  it('shows the server’s refusal of a layout next to the layout field and keeps the dialog open', async () => {
    const user = userEvent.setup();
    const message = '"files" in the layout pattern is not a segment like {name}';
    const updateSpace = vi.fn().mockRejectedValue(new ApiError(400, { status: 400, detail: message }));
    const onClose = vi.fn();
    renderWithServices(<SpaceSettingsDialog space={space} slug="press" canSetQuota={false} onClose={onClose} />, { updateSpace });
    const dialog = await screen.findByRole('dialog', { name: 'Settings of Catalogue' });
    expect(within(dialog).getByText(/set by the organisation’s owners and admins/)).toBeInTheDocument();
    const layout = within(dialog).getByLabelText('Path layout (JSON)');
    await user.click(layout);
    await user.paste('{"pattern": "files/{file}"}');
    await user.click(within(dialog).getByRole('button', { name: 'Save settings' }));
    expect(updateSpace).toHaveBeenCalledWith('s1', { layout: { pattern: 'files/{file}' } });
    await waitFor(() => expect(layout).toHaveAccessibleDescription(expect.stringContaining(message)));
    expect(layout).toHaveAttribute('aria-invalid', 'true');
    expect(onClose).not.toHaveBeenCalled();
  });

  it('saves retention, time-stamped names and the example layout, then closes', async () => {
    const user = userEvent.setup();
    const updateSpace = vi.fn().mockResolvedValue(space);
    const onClose = vi.fn();
    renderWithServices(<SpaceSettingsDialog space={space} slug="press" canSetQuota onClose={onClose} />, { updateSpace });
    const dialog = await screen.findByRole('dialog');
    const retention = within(dialog).getByLabelText('Trash kept (days)');
    await user.clear(retention);
    await user.type(retention, '0');
    await user.click(within(dialog).getByLabelText(/Time-stamped names/));
    await user.click(within(dialog).getByRole('button', { name: 'Insert the example' }));
    await user.click(within(dialog).getByRole('button', { name: 'Save settings' }));
    expect(updateSpace).toHaveBeenCalledWith('s1', expect.objectContaining({ trash_retention_days: 0, timestamp_names: true, layout: expect.objectContaining({ pattern: '{system}/{objectType}/{objectId}/{file}' }) }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
  });
});
