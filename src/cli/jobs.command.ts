import type { JobState } from '../db/schema.js';
import { cliCallContext, EXIT_OK, expectArgs, leaf, oneOf, out, printJson, subcommands, table, timeCell, UsageError, wholeNumber, withCore } from './cli-kit.js';

const STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;

const status = leaf(
  'Jobs by kind and state, and the recurring ones [--json]',
  `Usage: coffer jobs status [--json]

Counts the jobs in the queue by kind and state (finished ones until they are dropped), and lists
the recurring jobs with their next run.
`,
  { json: { type: 'boolean', default: false } },
  async (config, { values, positionals }) => {
    expectArgs(positionals, []);
    return withCore(config, async (core) => {
      const o = await core.jobs.overview(null);
      if (values.json) {
        printJson(o);
        return EXIT_OK;
      }
      out(o.counts.length === 0 ? 'The queue is empty.' : table(['KIND', 'STATE', 'JOBS'], o.counts.map((c) => [c.kind, c.state, String(c.count)])));
      if (o.schedules.length > 0) {
        out('');
        out(table(['RECURRING', 'EVERY', 'NEXT RUN'], o.schedules.map((s) => [s.kind, `${s.interval_seconds} s`, timeCell(s.next_run_at)])));
      }
      return EXIT_OK;
    });
  },
);

const list = leaf(
  'List jobs, newest first [--state S] [--kind K] [--limit N] [--json]',
  `Usage: coffer jobs list [--state queued|running|done|failed|cancelled] [--kind K] [--limit N] [--json]

Lists jobs newest first, with their attempts and last error.
`,
  { state: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean', default: false } },
  async (config, { values, positionals }) => {
    expectArgs(positionals, []);
    const state: JobState | undefined = values.state === undefined ? undefined : oneOf('state', values.state, STATES);
    const limit = wholeNumber('limit', values.limit, 50, 10_000);
    return withCore(config, async (core) => {
      const jobs = await core.jobs.list(null, { state, kind: values.kind, limit });
      if (values.json) {
        printJson(jobs);
        return EXIT_OK;
      }
      if (jobs.length === 0) {
        out('No jobs.');
        return EXIT_OK;
      }
      out(
        table(
          ['ID', 'KIND', 'STATE', 'ATTEMPTS', 'CREATED', 'LAST ERROR'],
          jobs.map((j) => [String(j.id), j.kind, j.state, `${j.attempts}/${j.max_attempts}`, timeCell(j.created_at), (j.last_error ?? '').slice(0, 80)]),
        ),
      );
      return EXIT_OK;
    });
  },
);

const retry = leaf('Queue a failed or cancelled job again: jobs retry ID', `Usage: coffer jobs retry ID\n\nQueues a failed or cancelled job again, with its attempts renewed.\n`, {}, async (config, { positionals }) => {
  const [id] = expectArgs(positionals, ['ID']);
  if (!/^\d+$/.test(id)) throw new UsageError(`ID must be a job number, got "${id}"`);
  return withCore(config, async (core) => {
    const job = await core.jobs.retry(cliCallContext(), Number(id));
    out(`Job ${job.id} (${job.kind}) is queued again.`);
    return EXIT_OK;
  });
});

const run = leaf('Run a recurring job now: jobs run KIND', `Usage: coffer jobs run KIND\n\nRuns a recurring job (see "coffer jobs status") at the next poll of a worker instead of at its time.\n`, {}, async (config, { positionals }) => {
  const [kind] = expectArgs(positionals, ['KIND']);
  return withCore(config, async (core) => {
    await core.jobs.runScheduleNow(cliCallContext(), kind);
    out(`${kind} runs at the next poll of a worker.`);
    return EXIT_OK;
  });
});

export const jobsCommand = subcommands('jobs', 'See and manage the background job queue', { status, list, retry, run });
