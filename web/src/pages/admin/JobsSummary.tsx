import { Play } from 'lucide-react';
import { Fragment, useEffect, useState } from 'react';
import type { JobSchedule, JobsOverview, JobState } from '../../api/jobs-types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { EmptyState } from '../../ui/Feedback';
import { formatDate } from '../../ui/format';
import { countsByKind, describeKind, formatInterval, formatRelative, JOB_STATES, JOBS_REFRESH_MS, STATE_LABEL } from './jobsView';
import { useJobAction } from './useJobAction';

/** Totals by state, and how many jobs of each kind are in each state. */
export function JobCounts({ overview }: { overview: JobsOverview }) {
  const { kinds, totals } = countsByKind(overview.counts);
  return (
    <>
      <ul className="admin-stats jobs-stats" aria-label="Jobs by state">
        {JOB_STATES.map((state) => (
          <li key={state} className={`card admin-stat jobs-stat-${state}`}>
            <span className="admin-stat-label">{STATE_LABEL[state]}</span>
            <strong className="admin-stat-value">{totals[state].toLocaleString()}</strong>
          </li>
        ))}
      </ul>
      <h3 className="admin-subtitle">By kind</h3>
      {kinds.length === 0 ? (
        <EmptyState title="No jobs yet">Previews of new uploads and the housekeeping below appear here as they are queued.</EmptyState>
      ) : (
        <DataTable
          className="jobs-counts-table"
          caption="Jobs of each kind by state"
          columns={['Kind', ...JOB_STATES.map((s) => ({ label: STATE_LABEL[s], className: hiddenOnPhone(s) ? 'num hide-phone' : 'num' }))]}
        >
          {kinds.map(({ kind, counts }) => (
            <tr key={kind}>
              <th scope="row" className="jobs-kind-cell">
                <KindName kind={kind} />
              </th>
              {JOB_STATES.map((s) => (
                <td key={s} className={hiddenOnPhone(s) ? 'num hide-phone' : 'num'}>
                  {counts[s] > 0 ? <span className={s === 'failed' ? 'jobs-failed-count' : undefined}>{counts[s].toLocaleString()}</span> : <span className="muted">0</span>}
                </td>
              ))}
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

/** Phones keep the states that need attention; the totals above still count the others. */
function hiddenOnPhone(state: JobState): boolean {
  return state === 'done' || state === 'cancelled';
}

/** A kind's name as the server and the CLI spell it, with what it does beneath. */
export function KindName({ kind }: { kind: string }) {
  const description = describeKind(kind);
  return (
    <span className="jobs-kind">
      <code>
        {kind.split(/(?<=[.-])/).map((part, i) => (
          <Fragment key={i}>
            {i > 0 ? <wbr /> : null}
            {part}
          </Fragment>
        ))}
      </code>
      {description ? <span className="muted jobs-kind-description">{description}</span> : null}
    </span>
  );
}

/** The recurring housekeeping jobs: how often, when next, and a button that runs one now. */
export function JobSchedules({ schedules }: { schedules: readonly JobSchedule[] }) {
  const now = useNow(JOBS_REFRESH_MS);
  return (
    <>
      <h3 className="admin-subtitle">Recurring jobs</h3>
      {schedules.length === 0 ? (
        <p className="muted">No recurring jobs: this server runs no housekeeping on a timer (COFFER_MAINTENANCE_INTERVAL is 0).</p>
      ) : (
        <DataTable
          className="jobs-schedules-table"
          caption="Recurring jobs with their next run"
          columns={['Job', { label: 'Interval', className: 'hide-phone' }, 'Next run', { label: 'Last queued', className: 'hide-phone' }]}
          actionsLabel="Actions"
        >
          {[...schedules]
            .sort((a, b) => a.kind.localeCompare(b.kind))
            .map((s) => (
              <ScheduleRow key={s.kind} schedule={s} now={now} />
            ))}
        </DataTable>
      )}
    </>
  );
}

/** The time, again every `ms`: "in 5 minutes" counts down even while the data stays the same. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

function ScheduleRow({ schedule, now }: { schedule: JobSchedule; now: number }) {
  const api = useApi();
  const run = useJobAction<string>({
    run: (kind) => api.runSchedule(kind),
    done: (kind) => `${kind} queued to run now`,
    failed: (kind) => `Could not run ${kind}`,
  });
  return (
    <tr>
      <th scope="row" className="jobs-kind-cell">
        <KindName kind={schedule.kind} />
      </th>
      <td className="hide-phone nowrap">{formatInterval(schedule.interval_seconds)}</td>
      <td>
        {/* Past its time: a worker enqueues it on its next look (every few seconds). */}
        <time dateTime={schedule.next_run_at} title={formatDate(schedule.next_run_at)}>
          {new Date(schedule.next_run_at).getTime() <= now ? 'Due now' : formatRelative(schedule.next_run_at, now)}
        </time>
      </td>
      <td className="hide-phone">
        {schedule.last_enqueued_at ? (
          <time dateTime={schedule.last_enqueued_at}>{formatDate(schedule.last_enqueued_at)}</time>
        ) : (
          <span className="muted">Not yet</span>
        )}
      </td>
      <td className="actions-cell">
        <button
          type="button"
          className="button button-small"
          aria-label={`Run now: ${schedule.kind}`}
          aria-disabled={run.isPending || undefined}
          onClick={() => {
            if (!run.isPending) run.mutate(schedule.kind);
          }}
        >
          <Play aria-hidden size={15} />
          <span className="hide-phone">{run.isPending ? 'Starting…' : 'Run now'}</span>
        </button>
      </td>
    </tr>
  );
}
