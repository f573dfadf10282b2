import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { AuditEvent, Page } from '../../api/types';
import { AuditTab } from './AuditTab';
import { makeUser, me, renderAdmin } from './test-utils';

function event(id: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    at: '2024-05-02T10:00:00.000Z',
    actor_id: me.id,
    actor_name: 'root',
    ip: '192.0.2.7',
    user_agent: 'Mozilla/5.0 (X11) Firefox/126.0',
    action: 'file.upload',
    node_id: null,
    path: `/Docs/file-${id}.pdf`,
    bytes: 2048,
    result: 'success',
    detail: { size: 2048, note: 'first upload' },
    ...extra,
  };
}

const people = { items: [me, makeUser(1)], total: 2 };

function fakes(audit = vi.fn().mockResolvedValue({ items: [event(2), event(1, { result: 'failure', action: 'auth.login', path: null, bytes: null })], total: 2 } satisfies Page<AuditEvent>)) {
  return { audit, users: vi.fn().mockResolvedValue(people), auditCsv: vi.fn().mockResolvedValue(new Blob(['id,at\n'], { type: 'text/csv' })) };
}

// jsdom has no object URLs; every test of this file gets stand-ins (a revoke may run after its test).
beforeEach(() => {
  Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:coffer/1'), revokeObjectURL: vi.fn() });
});
afterEach(() => vi.restoreAllMocks());

describe('AuditTab', () => {
  it('lists the newest events first with result badges, 50 per page', async () => {
    const f = fakes();
    renderAdmin(<AuditTab />, f, '/admin/audit');
    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByText('/Docs/file-2.pdf')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('2 KB')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('Success')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('192.0.2.7')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('Failure')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('auth.login')).toBeInTheDocument();
    expect(f.audit).toHaveBeenCalledWith({ limit: 50, offset: 0 });
    expect(f.users).toHaveBeenCalledWith({ limit: 1000 });
    expect(screen.getByText('1–2 of 2')).toBeInTheDocument();
  });

  it('applies the filters as an API query and starts again from the first page', async () => {
    const user = userEvent.setup();
    const audit = vi.fn((q: { offset?: number }) => Promise.resolve({ items: [event(100 - (q.offset ?? 0))], total: 120 }));
    renderAdmin(<AuditTab />, fakes(audit), '/admin/audit');
    await screen.findByText('1–1 of 120');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(audit).toHaveBeenLastCalledWith({ limit: 50, offset: 50 }));

    await screen.findByRole('option', { name: 'user1 (User 1)' });
    await user.selectOptions(screen.getByLabelText('User'), 'user1 (User 1)');
    await user.selectOptions(screen.getByLabelText('Action'), 'file.upload');
    await user.type(screen.getByLabelText('Path starts with'), '/Projects');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2024-05-01T08:00' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2024-05-03T18:30' } });
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    await waitFor(() =>
      expect(audit).toHaveBeenLastCalledWith({
        user_id: makeUser(1).id,
        action: 'file.upload',
        path_prefix: '/Projects',
        from: new Date('2024-05-01T08:00').toISOString(),
        to: new Date('2024-05-03T18:30').toISOString(),
        limit: 50,
        offset: 0,
      }),
    );

    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await waitFor(() => expect(audit).toHaveBeenLastCalledWith({ limit: 50, offset: 0 }));
    expect(screen.getByLabelText('Path starts with')).toHaveValue('');
  });

  it('refuses a reversed time range without asking the server', async () => {
    const user = userEvent.setup();
    const f = fakes();
    renderAdmin(<AuditTab />, f, '/admin/audit');
    await screen.findByText('1–2 of 2');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2024-05-03T08:00' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2024-05-01T08:00' } });
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(screen.getByRole('alert')).toHaveTextContent('“From” must be earlier than “To”.');
    expect(f.audit).toHaveBeenCalledTimes(1);
  });

  it('shows one event in full: detail as JSON and the user agent', async () => {
    const user = userEvent.setup();
    renderAdmin(<AuditTab />, fakes(), '/admin/audit');
    const rows = await screen.findAllByRole('row');
    await user.click(within(rows[1]!).getByRole('button', { name: /^Details of file.upload/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Audit event 2' });
    expect(dialog).toHaveTextContent('Mozilla/5.0 (X11) Firefox/126.0');
    expect(within(dialog).getByLabelText('Detail as JSON').textContent).toBe(JSON.stringify({ size: 2048, note: 'first upload' }, null, 2));
  });

  it('exports the filtered log as a dated CSV download', async () => {
    const user = userEvent.setup();
    const f = fakes();
    let downloaded: { href: string; download: string } | null = null;
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloaded = { href: this.href, download: this.download };
    });
    renderAdmin(<AuditTab />, f, '/admin/audit');
    await screen.findByText('1–2 of 2');

    await user.selectOptions(screen.getByLabelText('Action'), 'auth.login');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));

    await waitFor(() => expect(downloaded).not.toBeNull());
    expect(f.auditCsv).toHaveBeenCalledWith({ action: 'auth.login' });
    expect(URL.createObjectURL).toHaveBeenCalledWith(expect.any(Blob));
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    expect(downloaded).toEqual({ href: 'blob:coffer/1', download: `coffer-audit-${day}.csv` });
    expect(document.querySelector('a[download]')).toBeNull();
  });

  it('says why an export failed next to the button', async () => {
    const user = userEvent.setup();
    const f = { ...fakes(), auditCsv: vi.fn().mockRejectedValue(new ApiError(503, { detail: 'Export is busy, try again' })) };
    renderAdmin(<AuditTab />, f, '/admin/audit');
    await screen.findByText('1–2 of 2');
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Export failed: Export is busy, try again');
  });

  it('has an empty state that depends on the filters', async () => {
    renderAdmin(<AuditTab />, fakes(vi.fn().mockResolvedValue({ items: [], total: 0 })), '/admin/audit');
    expect(await screen.findByRole('heading', { name: 'No events yet' })).toBeInTheDocument();
  });
});
