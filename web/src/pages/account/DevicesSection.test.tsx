import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ProtocolSession } from '../../api/types';
import { DevicesSection } from './DevicesSection';
import { renderWithApi } from './test-utils';

const sessions: ProtocolSession[] = [
  { id: 's1', device: 'Microsoft-WebDAV-MiniRedir/10.0', app_password_id: 'a1', app_password_name: 'Office PC', ip: '10.0.0.5', created_at: '2024-05-01T08:00:00.000Z', last_activity_at: '2024-05-05T08:00:00.000Z', active: true },
  { id: 's2', device: 'rclone/v1.66', app_password_id: 'a2', app_password_name: 'Backup', ip: null, created_at: '2024-01-01T08:00:00.000Z', last_activity_at: '2024-01-02T08:00:00.000Z', active: false },
];

describe('DevicesSection', () => {
  it('counts only active devices against the limit', async () => {
    renderWithApi(<DevicesSection />, { sessions: vi.fn().mockResolvedValue({ items: sessions, limit: 5 }) });
    expect(await screen.findByText('1 of 5 devices in use.')).toBeInTheDocument();
    const rows = screen.getAllByRole('row');
    expect(within(rows[1]!).getAllByText('Active').length).toBeGreaterThan(0);
    expect(within(rows[1]!).queryByText('Idle')).not.toBeInTheDocument();
    expect(within(rows[2]!).getAllByText('Idle').length).toBeGreaterThan(0);
  });

  it('warns when the limit is reached', async () => {
    renderWithApi(<DevicesSection />, { sessions: vi.fn().mockResolvedValue({ items: [sessions[0]], limit: 1 }) });
    expect(await screen.findByText(/another device cannot connect/)).toBeInTheDocument();
  });

  it('signs a device out after confirming', async () => {
    const user = userEvent.setup();
    const endSession = vi.fn().mockResolvedValue(undefined);
    const list = vi.fn().mockResolvedValueOnce({ items: sessions, limit: 5 }).mockResolvedValue({ items: [sessions[1]], limit: 5 });
    renderWithApi(<DevicesSection />, { sessions: list, endSession });

    await user.click(await screen.findByRole('button', { name: 'Sign out Microsoft-WebDAV-MiniRedir/10.0' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Sign out device' }));
    expect(endSession).toHaveBeenCalledWith('s1');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Sign out Microsoft-WebDAV-MiniRedir/10.0' })).not.toBeInTheDocument());
    expect(screen.getByText('0 of 5 devices in use.')).toBeInTheDocument();
  });
});
