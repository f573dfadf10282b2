import type { Logger } from 'pino';
import type { Db } from '../repositories/node.repository.js';
import { GROWING_TABLES, type GrowingTable, type TableStatsRepository } from '../repositories/table-stats.repository.js';

/** How often the tables' sizes are looked at. */
const CHECK_MS = 5_000;
/** A table is analyzed again once it has grown by this share of its size at the last analysis… */
const GROWTH = 0.1;
/** …and by at least this many pages (64 KiB), so a small table is not analyzed at every row. */
const MIN_PAGES = 8;

/**
 * Keeps the planner's statistics of the growing tables (GROWING_TABLES) fresh where nothing else
 * does: the embedded database has no autovacuum daemon, and a PostgreSQL may run with it off.
 * Without statistics PostgreSQL cannot tell a probe of the live-name index (parent, name) from a
 * scan of every child of the folder, and picks the scan as often as not: each lookup in a big
 * folder then costs time in proportion to its size. A table is analyzed when it was never
 * analyzed, or has grown by a tenth since it last was; an analysis reads a bounded sample, so it
 * costs tens of milliseconds however big the table.
 *
 * Returns a function that stops it (and waits for an analysis under way).
 */
export async function startPlannerStatistics(d: { db: Db; repo: TableStatsRepository; logger: Logger; embedded: boolean }): Promise<() => Promise<void>> {
  if (!d.embedded) {
    if (await d.repo.autovacuumOn(d.db)) return async () => undefined;
    d.logger.warn('PostgreSQL runs with autovacuum off: Coffer analyzes its own growing tables, but nothing vacuums them; turn autovacuum on');
  }
  const analyzedAt = new Map<GrowingTable, number>();
  let running: Promise<void> | null = null;
  let stopped = false;

  const check = async () => {
    const sizes = await d.repo.sizes(d.db);
    for (const table of GROWING_TABLES) {
      const size = sizes.get(table);
      if (!size || stopped) continue;
      const last = analyzedAt.get(table) ?? (size.analyzed ? size.pages : 0);
      if (size.analyzed && size.pages < last * (1 + GROWTH) + MIN_PAGES) {
        analyzedAt.set(table, last);
        continue;
      }
      if (size.pages === 0) continue;
      await d.repo.analyze(d.db, table);
      analyzedAt.set(table, size.pages);
      d.logger.debug({ table, pages: size.pages }, 'analyzed a growing table');
    }
  };
  const tick = () => {
    if (running || stopped) return;
    running = check()
      .catch((err: unknown) => d.logger.warn({ err }, 'could not analyze the growing tables; will try again'))
      .finally(() => {
        running = null;
      });
  };
  // Not at once: a new database's tables are empty, and start-up has enough to do.
  const timer = setInterval(tick, CHECK_MS);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
