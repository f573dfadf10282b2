import type { Core } from '../core/core.js';
import type { JobRepository } from '../repositories/job.repository.js';
import type { JobHandler } from './queue.js';
import type { JobSchedule } from './worker.js';

/** The recurring housekeeping kinds; any one worker of the cluster runs each once per interval. */
export const MaintenanceJob = {
  trashPurge: 'trash.purge',
  folderExpiry: 'folders.expire',
  locksPurge: 'locks.purge',
  signedUrlsPurge: 'signed-urls.purge',
  uploadsPurge: 'uploads.purge',
  storageCheck: 'storage.check',
  searchBackfill: 'search.backfill',
  jobsPrune: 'jobs.prune',
} as const;

export function maintenanceSchedules(core: Core): JobSchedule[] {
  const every = core.config.maintenanceIntervalSeconds;
  const storage = core.config.jobs.storageCheckIntervalSeconds;
  return [
    ...(every > 0
      ? [MaintenanceJob.trashPurge, MaintenanceJob.folderExpiry, MaintenanceJob.locksPurge, MaintenanceJob.signedUrlsPurge, MaintenanceJob.uploadsPurge, MaintenanceJob.jobsPrune].map((kind) => ({
          kind,
          intervalSeconds: every,
        }))
      : []),
    // Both read every file's row: on the storage check's slower cadence (daily by default).
    ...(storage > 0 ? [MaintenanceJob.storageCheck, MaintenanceJob.searchBackfill].map((kind) => ({ kind, intervalSeconds: storage })) : []),
  ];
}

/**
 * Housekeeping as jobs. Each is safe on several servers at once (a purge re-checks its item under
 * the space lock), and one at a time per process is plenty.
 */
export function maintenanceHandlers(core: Core, jobs: JobRepository): JobHandler[] {
  const log = core.logger;
  const handler = (kind: string, timeoutMs: number, run: (signal: AbortSignal) => Promise<void>): JobHandler => ({ kind, concurrency: 1, timeoutMs, maxAttempts: 3, run: (_job, signal) => run(signal) });
  return [
    handler(MaintenanceJob.trashPurge, 3600_000, async () => {
      const purged = await core.trash.purgeExpired();
      if (purged > 0) log.info({ purged }, 'purged expired trash');
    }),
    handler(MaintenanceJob.folderExpiry, 3600_000, async () => {
      const expired = await core.folderExpiry.run();
      if (expired > 0) log.info({ expired }, 'emptied folders of items past their maximum age');
    }),
    handler(MaintenanceJob.locksPurge, 600_000, async () => {
      const locks = await core.locks.purgeExpired();
      if (locks > 0) log.debug({ locks }, 'dropped expired locks');
    }),
    handler(MaintenanceJob.signedUrlsPurge, 600_000, async () => {
      await core.signedUrls.purgeSpent();
    }),
    // Unfinished resumable uploads past their expiry: their staged bytes (a staging file, or an
    // S3 multipart upload and its tail) go first, then their rows.
    handler(MaintenanceJob.uploadsPurge, 3600_000, async () => {
      const purged = await core.uploads.purgeExpired();
      if (purged > 0) log.info({ purged }, 'removed expired uploads');
    }),
    // Bytes no file references (a crash between writing bytes and committing), interrupted
    // uploads and quota counters that drifted: what `coffer fsck --repair` fixes, minus the
    // reading of every blob.
    handler(MaintenanceJob.storageCheck, 6 * 3600_000, async () => {
      const report = await core.fsck.run({ repair: true, scope: 'storage' });
      const repaired = report.problems.filter((p) => p.repaired).length;
      if (repaired > 0) log.warn({ repaired, kinds: [...new Set(report.problems.map((p) => p.kind))] }, 'the storage check repaired problems');
    }),
    // Files stored before search existed (an upgrade), or whose reading job was lost: their
    // search.index jobs, at background priority, in one statement.
    handler(MaintenanceJob.searchBackfill, 3600_000, async () => {
      const queued = await core.search.enqueuePending();
      if (queued > 0) log.info({ queued }, 'queued the reading of files stored before search could read them');
    }),
    handler(MaintenanceJob.jobsPrune, 600_000, async () => {
      const now = Date.now();
      const { keepDoneSeconds, keepFailedSeconds } = core.config.jobs;
      const pruned = await jobs.prune(core.db, new Date(now - keepDoneSeconds * 1000), new Date(now - keepFailedSeconds * 1000));
      if (pruned > 0) log.debug({ pruned }, 'dropped finished jobs');
    }),
  ];
}
