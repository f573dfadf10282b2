import { Ban, RotateCcw } from 'lucide-react';
import type { Job } from '../../api/jobs-types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { formatDate } from '../../ui/format';
import { KindName } from './JobsSummary';
import { STATE_LABEL, STATE_TONE } from './jobsView';
import { useJobAction } from './useJobAction';

/** Jobs newest first: what, how it went (with the last error), when, and Retry or Cancel where they apply. */
export function JobsTable({ jobs }: { jobs: readonly Job[] }) {
  return (
    <DataTable
      className="jobs-table"
      caption="Background jobs, newest first"
      columns={['Job', 'State', { label: 'Created', className: 'hide-phone' }, { label: 'Finished', className: 'hide-phone' }]}
      actionsLabel="Actions"
    >
      {jobs.map((job) => (
        <JobRow key={job.id} job={job} />
      ))}
    </DataTable>
  );
}

function JobRow({ job }: { job: Job }) {
  return (
    <tr>
      <td className="jobs-job-cell">
        <span className="jobs-id">#{job.id}</span>
        <KindName kind={job.kind} />
        {job.key ? <span className="muted jobs-key wrap-anywhere hide-phone">Key {job.key}</span> : null}
        {job.last_error ? (
          <p className={job.state === 'failed' ? 'jobs-error' : 'jobs-error jobs-error-earlier'}>
            <span className="jobs-error-label">{job.state === 'failed' ? 'Error:' : 'Last attempt failed:'}</span> {job.last_error}
          </p>
        ) : null}
      </td>
      <td>
        <span className={`badge ${STATE_TONE[job.state]}`}>{STATE_LABEL[job.state]}</span>
        <span className="muted jobs-attempts">
          {job.attempts} of {job.max_attempts} {job.max_attempts === 1 ? 'attempt' : 'attempts'}
        </span>
        {job.state === 'queued' && new Date(job.run_after).getTime() > Date.now() ? (
          <span className="muted jobs-attempts">
            runs after <time dateTime={job.run_after}>{formatDate(job.run_after)}</time>
          </span>
        ) : null}
        {job.state === 'running' && job.locked_by ? <span className="muted jobs-attempts wrap-anywhere">on {job.locked_by}</span> : null}
      </td>
      <td className="hide-phone nowrap">
        <time dateTime={job.created_at}>{formatDate(job.created_at)}</time>
      </td>
      <td className="hide-phone nowrap">{job.finished_at ? <time dateTime={job.finished_at}>{formatDate(job.finished_at)}</time> : <span className="muted">—</span>}</td>
      <td className="actions-cell">
        <JobActionButton job={job} />
      </td>
    </tr>
  );
}

/**
 * Retry for a failed or cancelled job, Cancel for a queued one: one button whose words change,
 * so keyboard focus stays on it when a retried job turns queued.
 */
function JobActionButton({ job }: { job: Job }) {
  const api = useApi();
  const retries = job.state === 'failed' || job.state === 'cancelled';
  const action = useJobAction<Job>({
    run: (j) => (retries ? api.retryJob(j.id) : api.cancelJob(j.id)),
    done: (j) => (retries ? `Job ${j.id} (${j.kind}) queued again` : `Job ${j.id} (${j.kind}) cancelled`),
    failed: (j) => (retries ? `Could not retry job ${j.id}` : `Could not cancel job ${j.id}`),
  });
  if (!retries && job.state !== 'queued') return null;
  const verb = retries ? 'Retry' : 'Cancel';
  const Icon = retries ? RotateCcw : Ban;
  return (
    <button
      type="button"
      className={retries ? 'button button-small' : 'button button-small button-ghost'}
      aria-label={`${verb} job ${job.id} (${job.kind})`}
      // Not `disabled` while busy: a disabled button drops keyboard focus.
      aria-disabled={action.isPending || undefined}
      onClick={() => {
        if (!action.isPending) action.mutate(job);
      }}
    >
      <Icon aria-hidden size={15} />
      <span className="hide-phone">{action.isPending ? (retries ? 'Retrying…' : 'Cancelling…') : verb}</span>
    </button>
  );
}
