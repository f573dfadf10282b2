import type { Logger } from 'pino';
import type { Db } from '../repositories/node.repository.js';
import { GROWING_TABLES, type GrowingTable, type TableStatsRepository } from '../repositories/table-stats.repository.js';

/** How often the tables' sizes are looked at. */
const CHECK_MS = 5_000;
/** A table is analyzed again once it has grown by this share of its size at the last analysis… */
const ANALYZE_GROWTH = 0.1;
/** …and by at least this many pages (64 KiB), so a small table is not analyzed at every row. */
const MIN_PAGES = 8;
/** Audit events are vacuumed once their table has grown by this share (and MIN_VACUUM_PAGES). */
const VACUUM_GROWTH = 0.1;
const MIN_VACUUM_PAGES = 64;

/**
 * Does for the growing tables (GROWING_TABLES) what PostgreSQL's autovacuum daemon does, where
 * there is none: the embedded database has no such daemon, and a PostgreSQL may run with it off.
 *
 * Statistics: without them PostgreSQL cannot tell a probe of the live-name index (parent, name)
 * from a scan of every child of the folder, and picks the scan as often as not; each lookup in a
 * big folder then costs time in proportion to its size. A table is analyzed when it was never
 * analyzed, or has grown by a tenth since it last was; an analysis reads a bounded sample, so it
 * costs tens of milliseconds however big the table.
 *
 * Vacuum: every audit event is written once and updated once (sealed), which leaves a dead row
 * and a dead entry in the index of pending events; only a vacuum reclaims them, and until then
 * each look for pending events reads past all of them. Audit events are vacuumed as their table
 * grows by a tenth, so the work is in proportion to the events written.
 *
 * Sizes are read from the tables' files, exact and known without any statistics. Returns a
 * function that stops it (and waits for the work under way).
 */
export async function startTableUpkeep(d: { db: Db; repo: TableStatsRepository; logger: Logger; embedded: boolean }): Promise<() => Promise<void>> {
  if (!d.embedded) {
    if (await d.repo.autovacuumOn(d.db)) return async () => undefined;
    d.logger.warn('PostgreSQL runs with autovacuum off: Coffer analyzes its growing tables and vacuums its audit events itself; other tables bloat until autovacuum is on');
  }
  const analyzedAt = new Map<GrowingTable, number>();
  let vacuumedAt: number | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;

  const check = async () => {
    const sizes = await d.repo.sizes(d.db);
    for (const table of GROWING_TABLES) {
      const size = sizes.get(table);
      if (!size || stopped) continue;
      const last = analyzedAt.get(table) ?? (size.analyzed ? size.pages : 0);
      analyzedAt.set(table, last);
      if (size.pages === 0 || (size.analyzed && size.pages < last * (1 + ANALYZE_GROWTH) + MIN_PAGES)) continue;
      await d.repo.analyze(d.db, table);
      analyzedAt.set(table, size.pages);
      d.logger.debug({ table, pages: size.pages }, 'analyzed a growing table');
    }
    const events = sizes.get('audit_events');
    if (!events || stopped) return;
    vacuumedAt ??= events.pages;
    if (events.pages >= vacuumedAt * (1 + VACUUM_GROWTH) + MIN_VACUUM_PAGES) {
      await d.repo.vacuumAuditEvents(d.db);
      vacuumedAt = events.pages;
      d.logger.debug({ pages: events.pages }, 'vacuumed the audit events');
    }
  };
  const tick = () => {
    if (running || stopped) return;
    running = check()
      .catch((err: unknown) => d.logger.warn({ err }, 'could not analyze or vacuum the growing tables; will try again'))
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
