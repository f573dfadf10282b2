import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ListChecks } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { JobState } from '../../api/jobs-types';
import { useApi } from '../../app-context';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { JobCounts, JobSchedules } from './JobsSummary';
import { JobsTable } from './JobsTable';
import { JOB_STATES, JOBS_PAGE_SIZE, JOBS_REFRESH_MS, STATE_LABEL } from './jobsView';

interface JobFilters {
  state: JobState | '';
  kind: string;
}

/**
 * The background job queue: counts, the recurring jobs, and every job with its outcome. It asks
 * again every few seconds while open (TanStack Query pauses that in a hidden browser tab).
 */
export function JobsTab() {
  const api = useApi();
  const overview = useQuery({ queryKey: ['admin', 'jobs', 'overview'], queryFn: () => api.jobsOverview(), refetchInterval: JOBS_REFRESH_MS });
  const [filters, setFilters] = useState<JobFilters>({ state: '', kind: '' });
  // The `before` cursor of each page opened so far; the last one is the page on screen.
  const [cursors, setCursors] = useState<number[]>([]);
  const before = cursors.at(-1);
  const list = useQuery({
    queryKey: ['admin', 'jobs', 'list', filters, before],
    queryFn: () => api.jobs({ state: filters.state || undefined, kind: filters.kind || undefined, before, limit: JOBS_PAGE_SIZE }),
    placeholderData: keepPreviousData,
    refetchInterval: JOBS_REFRESH_MS,
  });

  // Every kind the server has jobs or a schedule of, for the filter (and the one chosen, even if gone).
  const kinds = useMemo(() => {
    const all = new Set<string>([...(overview.data?.counts ?? []).map((c) => c.kind), ...(overview.data?.schedules ?? []).map((s) => s.kind)]);
    if (filters.kind) all.add(filters.kind);
    return [...all].sort();
  }, [overview.data, filters.kind]);

  const filter = (next: Partial<JobFilters>) => {
    setFilters((f) => ({ ...f, ...next }));
    setCursors([]);
  };
  const data = list.data;
  const filtered = Boolean(filters.state || filters.kind);

  return (
    <section aria-labelledby="admin-jobs-title">
      <div className="admin-section-header">
        <h2 id="admin-jobs-title">Background jobs</h2>
        <p className="muted jobs-refresh-note">Refreshes every {JOBS_REFRESH_MS / 1000} seconds while open.</p>
      </div>

      {overview.isPending ? <Spinner label="Loading the job queue" /> : null}
      {overview.isError ? <ErrorNotice error={overview.error} onRetry={() => void overview.refetch()} /> : null}
      {overview.data ? (
        <>
          <JobCounts overview={overview.data} />
          <JobSchedules schedules={overview.data.schedules} />
        </>
      ) : null}

      <h3 className="admin-subtitle" id="admin-jobs-list-title">
        Jobs
      </h3>
      <div className="toolbar admin-toolbar" role="group" aria-labelledby="admin-jobs-list-title">
        <label className="admin-inline-field">
          <span>State</span>
          <select value={filters.state} onChange={(e) => filter({ state: e.target.value as JobState | '' })}>
            <option value="">All</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="admin-inline-field">
          <span>Kind</span>
          <select value={filters.kind} onChange={(e) => filter({ kind: e.target.value })}>
            <option value="">All</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>

      {list.isPending ? <Spinner label="Loading jobs" /> : null}
      {list.isError ? <ErrorNotice error={list.error} onRetry={() => void list.refetch()} /> : null}
      {data && data.items.length === 0 ? (
        <EmptyState icon={<ListChecks aria-hidden size={40} />} title={filtered ? 'No matching jobs' : 'No jobs'}>
          {filtered ? 'No job has this state and kind now; finished ones are dropped after a while.' : 'Nothing is queued, running or kept from before.'}
        </EmptyState>
      ) : null}
      {data && data.items.length > 0 ? (
        <div className={list.isPlaceholderData ? 'admin-stale' : undefined} aria-busy={list.isPlaceholderData || undefined}>
          <JobsTable jobs={data.items} />
          <nav className="pager" aria-label="Pages of jobs">
            <p className="muted pager-range">Page {cursors.length + 1}</p>
            <button type="button" className="button button-small" disabled={cursors.length === 0 || list.isPlaceholderData} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </button>
            <button
              type="button"
              className="button button-small"
              disabled={data.next_before === null || list.isPlaceholderData}
              onClick={() => data.next_before !== null && setCursors((c) => [...c, data.next_before!])}
            >
              Older
            </button>
          </nav>
        </div>
      ) : null}
    </section>
  );
}
