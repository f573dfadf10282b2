import type { Core } from '../core/core.js';

/**
 * Periodic housekeeping on every server: purge trash past retention, empty folders of items past their maximum age, drop expired locks and the uses of expired signed URLs. Running it on several
 * servers at once is safe, because each purge re-checks its item under the space lock.
 */
export function startMaintenance(core: Core): () => void {
  const seconds = core.config.maintenanceIntervalSeconds;
  if (seconds === 0) return () => undefined;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const purged = await core.trash.purgeExpired();
      if (purged > 0) core.logger.info({ purged }, 'purged expired trash');
      const expired = await core.folderExpiry.run();
      if (expired > 0) core.logger.info({ expired }, 'emptied folders of items past their maximum age');
      const locks = await core.locks.purgeExpired();
      if (locks > 0) core.logger.debug({ locks }, 'dropped expired locks');
      await core.signedUrls.purgeSpent();
      // Until uploads enqueue a job per version (the job queue), new files' text is read here.
      await core.search.indexPending(200);
    } catch (err) {
      core.logger.error({ err }, 'maintenance failed');
    } finally {
      running = false;
    }
  };
  // First run shortly after start, not during it.
  const first = setTimeout(() => void tick(), 30_000);
  const timer = setInterval(() => void tick(), seconds * 1000);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
