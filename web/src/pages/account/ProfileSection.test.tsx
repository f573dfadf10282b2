import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { User } from '../../api/types';
import { ProfileSection } from './ProfileSection';
import { renderWithApi } from './test-utils';

const user: User = { id: 'u1', username: 'ada', email: 'ada@example.com', display_name: 'Ada', role: 'user', status: 'active', created_at: '2026-01-01T00:00:00Z' };

describe('ProfileSection', () => {
  it('sends only what changed, and an emptied email as null', async () => {
    const updateProfile = vi.fn().mockResolvedValue({ ...user, display_name: 'Ada L.' });
    renderWithApi(<ProfileSection user={user} />, { updateProfile });
    await userEvent.click(screen.getByRole('button', { name: 'Edit profile' }));
    const name = screen.getByLabelText('Display name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Ada L.');
    await userEvent.clear(screen.getByLabelText(/^Email/));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(updateProfile).toHaveBeenCalledWith({ display_name: 'Ada L.', email: null }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('keeps the dialog open with the server reason when the email is taken', async () => {
    const updateProfile = vi.fn().mockRejectedValue(new ApiError(409, { status: 409, detail: 'That email belongs to another account' }));
    renderWithApi(<ProfileSection user={user} />, { updateProfile });
    await userEvent.click(screen.getByRole('button', { name: 'Edit profile' }));
    const email = screen.getByLabelText(/^Email/);
    await userEvent.clear(email);
    await userEvent.type(email, 'bob@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That email belongs to another account');
    expect(updateProfile).toHaveBeenCalledWith({ email: 'bob@example.com' });
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });
});
