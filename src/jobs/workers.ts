import type { Core } from '../core/core.js';
import { JobRepository } from '../repositories/job.repository.js';
import { maintenanceHandlers, maintenanceSchedules } from './maintenance.js';
import { PermanentJobError, type JobHandler } from './queue.js';
import { PREVIEW_JOB } from '../services/previews.service.js';
import { SEARCH_INDEX_JOB } from '../services/search.service.js';
import { UPLOAD_FINALIZE_JOB, UPLOADS_DISCARD_JOB } from '../services/upload-sessions.service.js';
import { JobWorker, type JobOutcome } from './worker.js';

/** Every kind of job Coffer runs, with its handler. */
export function jobHandlers(core: Core, repo: JobRepository): JobHandler[] {
  return [
    ...maintenanceHandlers(core, repo),
    {
      kind: PREVIEW_JOB,
      concurrency: core.config.previews.concurrency,
      // The image library's own limit, plus the reading and writing around it.
      timeoutMs: (core.config.previews.timeoutSeconds + 30) * 1000,
      maxAttempts: 2,
      run: (job, signal) => core.previews.generate(job.payload, signal, job.lastAttempt),
    },
    {
      kind: SEARCH_INDEX_JOB,
      // Each reading takes a core (in a process of its own): one at a time leaves the others to requests.
      concurrency: 1,
      // The extraction's own limit ends its process; this one covers the reading and writing around it.
      timeoutMs: (core.config.textExtraction.timeoutSeconds + 60) * 1000,
      maxAttempts: 3,
      run: async (job, signal) => {
        const outcome = await core.search.indexVersion((job.payload as { versionId: string }).versionId, signal);
        // The same file fails the same way: the job fails at once, with the reason the index row keeps.
        if (outcome.status === 'failed') throw new PermanentJobError(outcome.reason);
      },
    },
    {
      kind: UPLOAD_FINALIZE_JOB,
      // Mostly waiting for the object store while it streams the object back for its SHA-256.
      concurrency: 2,
      // Reading back S3's largest object (5 TB) at 150 MB/s takes ~9 h; the lease is renewed meanwhile.
      timeoutMs: 12 * 3600_000,
      maxAttempts: 5,
      run: (job, signal) => core.uploads.finalize(job.payload, signal, job.lastAttempt),
    },
    {
      kind: UPLOADS_DISCARD_JOB,
      concurrency: 1,
      timeoutMs: 600_000,
      maxAttempts: 5,
      run: (job) => core.uploads.discardStaged(job.payload),
    },
  ];
}

/**
 * Starts this process's worker: in `coffer serve` unless COFFER_WORKERS=false, and in
 * `coffer worker`. Returns a function that stops it (running jobs finish or are handed back).
 */
export async function startWorkers(core: Core, options: { onFinished?: (kind: string, outcome: JobOutcome, seconds: number) => void } = {}): Promise<JobWorker> {
  const repo = new JobRepository();
  const { pollMs, leaseSeconds, retryBaseMs, retryMaxMs } = core.config.jobs;
  const worker = new JobWorker({
    db: core.db,
    repo,
    handlers: jobHandlers(core, repo),
    logger: core.logger.child({ component: 'jobs' }),
    schedules: maintenanceSchedules(core),
    pollMs,
    leaseSeconds,
    retryBaseMs,
    retryMaxMs,
    ...(options.onFinished ? { onFinished: options.onFinished } : {}),
  });
  const unsubscribe = core.queue.onEnqueued(() => worker.wake());
  const stop = worker.stop.bind(worker);
  worker.stop = async () => {
    unsubscribe();
    await stop();
  };
  await worker.start();
  return worker;
}
