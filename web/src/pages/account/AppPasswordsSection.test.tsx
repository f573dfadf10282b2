import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { AppPassword } from '../../api/types';
import { AppPasswordsSection } from './AppPasswordsSection';
import { renderWithApi } from './test-utils';

const existing: AppPassword[] = [
  { id: 'a1', name: 'Laptop Finder', created_at: '2024-04-01T08:00:00.000Z', last_used_at: '2024-05-01T08:00:00.000Z' },
  { id: 'a2', name: 'Backup script', created_at: '2024-04-02T08:00:00.000Z', last_used_at: null },
];

describe('AppPasswordsSection', () => {
  it('lists app passwords with their last use', async () => {
    renderWithApi(<AppPasswordsSection username="ada" />, { appPasswords: vi.fn().mockResolvedValue({ items: existing }) });
    const row = (await screen.findByText('Backup script')).closest('tr')!;
    expect(within(row).getByText('Never used')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Revoke Laptop Finder' })).toBeInTheDocument();
    expect(screen.getByText(/account password, which does not work there/)).toBeInTheDocument();
  });

  it('shows a new password once, with copy, username and the WebDAV address', async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const appPasswords = vi.fn().mockResolvedValueOnce({ items: [] }).mockResolvedValue({ items: [{ id: 'a3', name: 'Phone', created_at: '2024-05-05T08:00:00.000Z', last_used_at: null }] });
    const createAppPassword = vi.fn().mockResolvedValue({ id: 'a3', name: 'Phone', password: 'abcde-fghij-kmnpq-rstuv-wxyz2' });
    renderWithApi(<AppPasswordsSection username="ada" />, { appPasswords, createAppPassword });

    expect(await screen.findByText('No app passwords yet.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('App password name'), '  Phone ');
    await user.click(screen.getByRole('button', { name: 'Create app password' }));
    expect(createAppPassword).toHaveBeenCalledWith('Phone');

    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('new-app-password')).toHaveTextContent('abcde-fghij-kmnpq-rstuv-wxyz2');
    expect(dialog).toHaveTextContent('shown only this once');
    const origin = window.location.origin;
    expect(within(dialog).getByText(`${origin}/dav/`)).toBeInTheDocument();
    expect(within(dialog).getAllByText('ada').length).toBeGreaterThan(0);
    expect(dialog).toHaveTextContent(`rclone config create coffer webdav url ${origin}/dav/ vendor other user ada pass $(rclone obscure abcde-fghij-kmnpq-rstuv-wxyz2)`);
    expect(dialog).toHaveTextContent(`curl -u ada:abcde-fghij-kmnpq-rstuv-wxyz2 ${origin}/dav/`);

    await user.click(within(dialog).getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith('abcde-fghij-kmnpq-rstuv-wxyz2');
    expect(await within(dialog).findByText('Copied')).toBeInTheDocument();

    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText('abcde-fghij-kmnpq-rstuv-wxyz2')).not.toBeInTheDocument();
    expect(await screen.findByText('Phone')).toBeInTheDocument();
    expect(screen.getByLabelText('App password name')).toHaveValue('');
  });

  it('selects the password for copying by hand when the clipboard is refused', async () => {
    const user = userEvent.setup();
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: vi.fn().mockRejectedValue(new Error('denied')) }, configurable: true });
    renderWithApi(<AppPasswordsSection username="ada" />, {
      appPasswords: vi.fn().mockResolvedValue({ items: [] }),
      createAppPassword: vi.fn().mockResolvedValue({ id: 'a3', name: 'Phone', password: 'secret-value' }),
    });

    await user.type(await screen.findByLabelText('App password name'), 'Phone');
    await user.click(screen.getByRole('button', { name: 'Create app password' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Copy' }));
    expect(await within(dialog).findByText(/password is selected/)).toBeInTheDocument();
    expect(window.getSelection()?.toString()).toBe('secret-value');
  });

  it('shows why a name was refused next to the form', async () => {
    const user = userEvent.setup();
    renderWithApi(<AppPasswordsSection username="ada" />, {
      appPasswords: vi.fn().mockResolvedValue({ items: [] }),
      createAppPassword: vi.fn().mockRejectedValue(new ApiError(400, { detail: 'Give the app password a name of 1–100 characters' })),
    });
    await user.type(await screen.findByLabelText('App password name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create app password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Give the app password a name of 1–100 characters');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('revokes an app password after confirming', async () => {
    const user = userEvent.setup();
    const revokeAppPassword = vi.fn().mockResolvedValue(undefined);
    const appPasswords = vi.fn().mockResolvedValueOnce({ items: existing }).mockResolvedValue({ items: [existing[1]] });
    renderWithApi(<AppPasswordsSection username="ada" />, { appPasswords, revokeAppPassword });

    await user.click(await screen.findByRole('button', { name: 'Revoke Laptop Finder' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke Laptop Finder?' });
    expect(revokeAppPassword).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(revokeAppPassword).toHaveBeenCalledWith('a1');
    await waitFor(() => expect(screen.queryByText('Laptop Finder')).not.toBeInTheDocument());
    expect(screen.getByText('Revoked Laptop Finder')).toBeInTheDocument();
  });
});
