import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { LoginFlow } from '../../api/login-flow-types';
import { renderWithServices } from '../../test-utils';
import { LoginFlowPage } from './LoginFlowPage';

const desktop: LoginFlow = {
  kind: 'poll',
  client_name: 'workstation-7 (Desktop Client - Linux)',
  client_ip: '203.0.113.7',
  server: 'https://files.example.org',
  created_at: '2026-12-07T10:00:00.000Z',
  expires_at: '2026-12-07T10:20:00.000Z',
};

describe('LoginFlowPage', () => {
  it('shows which device asks, as whom, and grants it once asked to', async () => {
    const user = userEvent.setup();
    const loginFlow = vi.fn().mockResolvedValue(desktop);
    const grantLoginFlow = vi.fn().mockResolvedValue({ app_password: { id: 'p1', name: desktop.client_name }, redirect_url: null });
    const openAddress = vi.fn();
    renderWithServices(<LoginFlowPage token="tok-1" username="ada" openAddress={openAddress} />, { loginFlow, grantLoginFlow });

    expect(await screen.findByRole('heading', { name: 'Connect a device?' })).toBeInTheDocument();
    expect(loginFlow).toHaveBeenCalledWith('tok-1');
    expect(screen.getByText(desktop.client_name)).toBeInTheDocument();
    expect(screen.getByText('ada')).toBeInTheDocument();
    expect(screen.getByText(/Only grant access if you started this sign-in yourself/)).toBeInTheDocument();
    // The name is whatever the device says; where it asked from helps tell whether it was yours.
    expect(screen.getByText(/Asked from 203\.0\.113\.7 on/)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Grant access' }));
    expect(grantLoginFlow).toHaveBeenCalledWith('tok-1');
    expect(await screen.findByRole('heading', { name: 'Access granted' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Access granted' })).toHaveTextContent(`${desktop.client_name} is connecting to your account now. You can close this window.`);
    expect(screen.queryByRole('button', { name: 'Grant access' })).not.toBeInTheDocument();
    // A polling device collects the password itself: nothing is opened.
    expect(openAddress).not.toHaveBeenCalled();
  });

  it('refuses on Cancel, and says so', async () => {
    const user = userEvent.setup();
    const refuseLoginFlow = vi.fn().mockResolvedValue(undefined);
    const grantLoginFlow = vi.fn();
    renderWithServices(<LoginFlowPage token="tok-2" username="ada" />, { loginFlow: vi.fn().mockResolvedValue(desktop), refuseLoginFlow, grantLoginFlow });

    await user.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(refuseLoginFlow).toHaveBeenCalledWith('tok-2');
    expect(await screen.findByRole('heading', { name: 'Access refused' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Access refused' })).toHaveTextContent(`${desktop.client_name} was not connected. You can close this window.`);
    expect(grantLoginFlow).not.toHaveBeenCalled();
  });

  it('hands the older flow its nc:// address after the grant', async () => {
    const user = userEvent.setup();
    const redirect = 'nc://login/server:https://files.example.org&user:ada&password:abcde-fghij-kmnpq-rstuv-wxyz2';
    const openAddress = vi.fn();
    renderWithServices(<LoginFlowPage token="tok-3" username="ada" openAddress={openAddress} />, {
      loginFlow: vi.fn().mockResolvedValue({ ...desktop, kind: 'redirect', client_name: 'Nextcloud-iOS/4.9.0' }),
      grantLoginFlow: vi.fn().mockResolvedValue({ app_password: { id: 'p2', name: 'Nextcloud-iOS/4.9.0' }, redirect_url: redirect }),
    });

    await user.click(await screen.findByRole('button', { name: 'Grant access' }));
    expect(await screen.findByRole('heading', { name: 'Access granted' })).toBeInTheDocument();
    expect(openAddress).toHaveBeenCalledWith(redirect);
  });

  it('explains an unknown, answered or expired request and offers no buttons', async () => {
    const gone = new ApiError(404, { status: 404, detail: 'This sign-in request is unknown, was already answered, or has expired (after 20 minutes); start the sign-in again on your device' });
    renderWithServices(<LoginFlowPage token="old" username="ada" />, { loginFlow: vi.fn().mockRejectedValue(gone) });

    expect(await screen.findByRole('alert')).toHaveTextContent('start the sign-in again on your device');
    expect(screen.queryByRole('button', { name: 'Grant access' })).not.toBeInTheDocument();
  });

  it('keeps the request open when the grant fails, with the reason', async () => {
    const user = userEvent.setup();
    const grantLoginFlow = vi.fn().mockRejectedValue(new ApiError(403, { status: 403, detail: 'Only a person signed in to Coffer can let a device in' }));
    renderWithServices(<LoginFlowPage token="tok-4" username="ada" />, { loginFlow: vi.fn().mockResolvedValue(desktop), grantLoginFlow });

    await user.click(await screen.findByRole('button', { name: 'Grant access' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Only a person signed in to Coffer can let a device in');
    expect(screen.getByRole('button', { name: 'Grant access' })).toBeEnabled();
  });
});
