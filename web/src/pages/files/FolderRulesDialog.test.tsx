import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { FolderPolicies } from '../../api/org-types';
import type { FileNode } from '../../api/types';
import { renderWithServices } from '../../test-utils';
import { FolderRulesDialog } from './FolderRulesDialog';

const folder: FileNode = {
  id: 'f1',
  name: 'originals',
  kind: 'folder',
  parent_id: 'root',
  size: 0,
  mime: null,
  etag: 'e',
  version_id: null,
  created_at: '2026-01-01T00:00:00.000Z',
  modified_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const none: FolderPolicies = {
  own: null,
  effective: { allowed_extensions: null, allowed_types: null, max_file_bytes: null, write_once: false, write_once_folder_id: null, originals_folder_id: null },
};
const writeOnce: FolderPolicies = {
  own: { allowed_extensions: null, allowed_types: null, max_file_bytes: null, write_once: true, originals_id: null, max_age_hours: null },
  effective: { ...none.effective, write_once: true, write_once_folder_id: 'f1' },
};

describe('FolderRulesDialog', () => {
  it('shows what applies and saves the folder’s own rules with PUT', async () => {
    const user = userEvent.setup();
    const setFolderPolicy = vi.fn().mockResolvedValue(writeOnce);
    const onOpenChange = vi.fn();
    renderWithServices(<FolderRulesDialog folder={folder} open onOpenChange={onOpenChange} />, { folderPolicy: vi.fn().mockResolvedValue(none), setFolderPolicy });
    const dialog = await screen.findByRole('dialog', { name: 'Folder rules of “originals”' });
    expect(await within(dialog).findByText(/No rules/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'Remove rules' })).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Allowed extensions'), 'pdf');
    const check = within(dialog).getByRole('checkbox', { name: 'Write-once' });
    expect(check).toHaveAccessibleDescription(/Only owners and admins of the organisation can lift write-once/);
    await user.click(check);
    await user.click(within(dialog).getByRole('button', { name: 'Save rules' }));
    expect(setFolderPolicy).toHaveBeenCalledWith('f1', { allowed_extensions: ['pdf'], allowed_types: null, max_file_bytes: null, write_once: true, max_age_hours: null });
    await waitFor(() => expect(onOpenChange).toHaveBeenCalledWith(false));
  });

  it('shows the server’s refusal to lift write-once, and removes rules with DELETE', async () => {
    const user = userEvent.setup();
    const refusal = 'Only owners and admins of the organisation can lift a write-once policy';
    const setFolderPolicy = vi.fn().mockRejectedValue(new ApiError(403, { status: 403, detail: refusal }));
    const removeFolderPolicy = vi.fn().mockRejectedValue(new ApiError(403, { status: 403, detail: refusal }));
    renderWithServices(<FolderRulesDialog folder={folder} open onOpenChange={vi.fn()} />, { folderPolicy: vi.fn().mockResolvedValue(writeOnce), setFolderPolicy, removeFolderPolicy });
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByText('Write-once, set on this folder')).toBeInTheDocument();
    const check = within(dialog).getByRole('checkbox', { name: 'Write-once' });
    expect(check).toBeChecked();
    await user.click(check);
    await user.click(within(dialog).getByRole('button', { name: 'Save rules' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(refusal);
    await user.click(within(dialog).getByRole('button', { name: 'Remove rules' }));
    expect(removeFolderPolicy).toHaveBeenCalledWith('f1');
    expect((await within(dialog).findByRole('alert')).textContent).toContain(refusal);
  });
});
