import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { ChangePasswordSection } from './ChangePasswordSection';
import { renderWithApi } from './test-utils';

async function fill(user: ReturnType<typeof userEvent.setup>, current: string, next: string, confirm: string) {
  await user.type(screen.getByLabelText('Current password'), current);
  await user.type(screen.getByLabelText('New password'), next);
  await user.type(screen.getByLabelText('Confirm new password'), confirm);
  await user.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('ChangePasswordSection', () => {
  it('refuses mismatched new passwords without asking the server', async () => {
    const user = userEvent.setup();
    const changePassword = vi.fn();
    renderWithApi(<ChangePasswordSection />, { changePassword });

    await fill(user, 'old-secret', 'new-secret-1', 'new-secret-2');
    expect(await screen.findByRole('alert')).toHaveTextContent('The new passwords do not match.');
    expect(screen.getByLabelText('Confirm new password')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Confirm new password')).toHaveFocus();
    expect(changePassword).not.toHaveBeenCalled();

    await user.type(screen.getByLabelText('Confirm new password'), 'x');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows the server reason for a wrong current password on the form', async () => {
    const user = userEvent.setup();
    const changePassword = vi.fn().mockRejectedValue(new ApiError(403, { status: 403, detail: 'The current password is wrong' }));
    renderWithApi(<ChangePasswordSection />, { changePassword });

    await fill(user, 'nope', 'new-secret-1', 'new-secret-1');
    expect(changePassword).toHaveBeenCalledWith('nope', 'new-secret-1');
    expect(await screen.findByRole('alert')).toHaveTextContent('The current password is wrong');
    expect(screen.getByLabelText('Current password')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('New password')).not.toHaveAttribute('aria-invalid');
  });

  it('marks the new password when the policy refuses it', async () => {
    const user = userEvent.setup();
    const changePassword = vi.fn().mockRejectedValue(new ApiError(400, { status: 400, detail: 'Passwords must be at least 10 characters long' }));
    renderWithApi(<ChangePasswordSection />, { changePassword });

    await fill(user, 'old-secret', 'short', 'short');
    expect(await screen.findByRole('alert')).toHaveTextContent('Passwords must be at least 10 characters long');
    expect(screen.getByLabelText('New password')).toHaveAttribute('aria-invalid', 'true');
  });

  it('confirms the change and clears the fields', async () => {
    const user = userEvent.setup();
    const changePassword = vi.fn().mockResolvedValue(undefined);
    renderWithApi(<ChangePasswordSection />, { changePassword });

    await fill(user, 'old-secret', 'new-secret-1', 'new-secret-1');
    expect(await screen.findByText('Password changed. Other sessions were signed out.')).toBeInTheDocument();
    expect(screen.getByLabelText('Current password')).toHaveValue('');
    expect(screen.getByLabelText('Confirm new password')).toHaveValue('');
  });
});
