import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { Job, JobsOverview, JobsPage, JobsQuery } from '../../api/jobs-types';
import { JobsTab } from './JobsTab';
import { renderAdmin } from './test-utils';

const overview: JobsOverview = {
  counts: [
    { kind: 'preview.generate', state: 'done', count: 12 },
    { kind: 'preview.generate', state: 'failed', count: 2 },
    { kind: 'preview.generate', state: 'queued', count: 3 },
    { kind: 'trash.purge', state: 'done', count: 4 },
    { kind: 'trash.purge', state: 'running', count: 1 },
  ],
  schedules: [{ kind: 'trash.purge', interval_seconds: 3600, next_run_at: new Date(Date.now() + 30 * 60_000).toISOString(), last_enqueued_at: null }],
};

function job(id: number, extra: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'preview.generate',
    key: `blob-${id}`,
    state: 'done',
    priority: 0,
    attempts: 1,
    max_attempts: 2,
    run_after: '2025-01-01T10:00:00.000Z',
    last_error: null,
    locked_by: null,
    created_at: '2025-01-01T10:00:00.000Z',
    started_at: '2025-01-01T10:00:01.000Z',
    finished_at: '2025-01-01T10:00:02.000Z',
    ...extra,
  };
}

const failed = job(7, { state: 'failed', attempts: 2, last_error: 'The file is damaged or not an image it claims to be (VipsJpeg: premature end)', finished_at: null });
const queued = job(6, { state: 'queued', attempts: 0, started_at: null, finished_at: null });

function fakes(page: (q: JobsQuery) => JobsPage = () => ({ items: [failed, queued, job(5)], next_before: null })) {
  return {
    jobsOverview: vi.fn(async () => overview),
    jobs: vi.fn(async (q: JobsQuery) => page(q)),
    retryJob: vi.fn(async (id: number) => job(id, { state: 'queued' })),
    cancelJob: vi.fn(async (id: number) => job(id, { state: 'cancelled' })),
    runSchedule: vi.fn(async () => undefined),
  };
}

describe('JobsTab', () => {
  it('counts jobs by state and kind, and lists the recurring ones with their next run', async () => {
    renderAdmin(<JobsTab />, fakes(), '/admin/jobs');
    const totals = await screen.findByRole('list', { name: 'Jobs by state' });
    const stat = (label: string) => within(totals).getByText(label).closest('li')!;
    expect(stat('Queued')).toHaveTextContent('3');
    expect(stat('Running')).toHaveTextContent('1');
    expect(stat('Failed')).toHaveTextContent('2');
    expect(stat('Done')).toHaveTextContent('16');
    expect(stat('Cancelled')).toHaveTextContent('0');

    const byKind = screen.getByRole('table', { name: 'Jobs of each kind by state' });
    const previews = within(byKind).getByRole('rowheader', { name: /preview\.\s?generate/ }).closest('tr')!;
    expect([...previews.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['3', '0', '2', '12', '0']);

    const schedules = screen.getByRole('table', { name: 'Recurring jobs with their next run' });
    const purge = within(schedules).getByRole('rowheader', { name: /trash\.\s?purge/ }).closest('tr')!;
    expect(purge).toHaveTextContent('every hour');
    expect(purge).toHaveTextContent('in 30 minutes');
  });

  it('shows a failed job’s error and retries it through the API', async () => {
    const user = userEvent.setup();
    const api = fakes();
    renderAdmin(<JobsTab />, api, '/admin/jobs');
    const table = await screen.findByRole('table', { name: 'Background jobs, newest first' });
    const row = within(table).getByText('#7').closest('tr')!;
    expect(row).toHaveTextContent('Error: The file is damaged or not an image it claims to be (VipsJpeg: premature end)');
    expect(row).toHaveTextContent('2 of 2 attempts');
    expect(within(table).getByText('#5').closest('tr')!.querySelector('button')).toBeNull();

    api.jobsOverview.mockClear();
    await user.click(within(row).getByRole('button', { name: 'Retry job 7 (preview.generate)' }));
    expect(api.retryJob).toHaveBeenCalledWith(7);
    expect(await screen.findByText('Job 7 (preview.generate) queued again')).toBeInTheDocument();
    // The tab refreshes after the change.
    await waitFor(() => expect(api.jobsOverview).toHaveBeenCalled());
  });

  it('cancels a queued job and runs a recurring one now', async () => {
    const user = userEvent.setup();
    const api = fakes();
    renderAdmin(<JobsTab />, api, '/admin/jobs');
    await user.click(await screen.findByRole('button', { name: 'Cancel job 6 (preview.generate)' }));
    expect(api.cancelJob).toHaveBeenCalledWith(6);
    await user.click(screen.getByRole('button', { name: 'Run now: trash.purge' }));
    expect(api.runSchedule).toHaveBeenCalledWith('trash.purge');
    expect(await screen.findByText('trash.purge queued to run now')).toBeInTheDocument();
  });

  it('shows the server’s reason when a retry is refused', async () => {
    const user = userEvent.setup();
    const api = fakes();
    api.retryJob.mockRejectedValue(new ApiError(409, { status: 409, detail: 'Job 7 is queued; only failed or cancelled jobs can be retried' }));
    renderAdmin(<JobsTab />, api, '/admin/jobs');
    await user.click(await screen.findByRole('button', { name: 'Retry job 7 (preview.generate)' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not retry job 7: Job 7 is queued; only failed or cancelled jobs can be retried');
  });

  it('filters by state and kind, and pages to older jobs with the cursor', async () => {
    const user = userEvent.setup();
    const api = fakes((q) => (q.before === 40 ? { items: [job(39)], next_before: null } : { items: [job(41), job(40)], next_before: 40 }));
    renderAdmin(<JobsTab />, api, '/admin/jobs');
    await screen.findByText('#41');
    await user.selectOptions(screen.getByLabelText('State'), 'failed');
    await user.selectOptions(screen.getByLabelText('Kind'), 'trash.purge');
    await waitFor(() => expect(api.jobs).toHaveBeenLastCalledWith({ state: 'failed', kind: 'trash.purge', before: undefined, limit: 25 }));

    await user.click(screen.getByRole('button', { name: 'Older' }));
    expect(await screen.findByText('#39')).toBeInTheDocument();
    expect(api.jobs).toHaveBeenLastCalledWith({ state: 'failed', kind: 'trash.purge', before: 40, limit: 25 });
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Older' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Newer' }));
    expect(await screen.findByText('#41')).toBeInTheDocument();
  });

  it('shows why the queue could not be read', async () => {
    const api = fakes();
    api.jobsOverview.mockRejectedValue(new ApiError(403, { status: 403, detail: 'Only instance administrators can see and manage background jobs' }));
    api.jobs.mockRejectedValue(new ApiError(403, { status: 403, detail: 'Only instance administrators can see and manage background jobs' }));
    renderAdmin(<JobsTab />, api, '/admin/jobs');
    const alerts = await screen.findAllByRole('alert');
    expect(alerts[0]).toHaveTextContent('Only instance administrators can see and manage background jobs');
  });
});
