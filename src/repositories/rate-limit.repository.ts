import { sql } from 'kysely';
import type { Db } from './node.repository.js';

/**
 * How failed sign-ins from one source are slowed down: the first `freeFailures` cost nothing,
 * then each further attempt waits 1 s, 2 s, 4 s … (at most `maxDelaySeconds`) after the last
 * failure. A source silent for `forgetSeconds` starts afresh.
 */
export interface FailureRule {
  freeFailures: number;
  maxDelaySeconds: number;
  forgetSeconds: number;
}

/** When the source under `f` may try again (an SQL expression over the login_failures row `f`). */
function nextAttemptAt(rule: FailureRule) {
  // The exponent is capped so the power never overflows; 2^20 s is far beyond any sane maximum.
  return sql`f.last_failure_at + make_interval(secs => least(${rule.maxDelaySeconds}::float8, power(2, least(f.failures - ${rule.freeFailures}::int, 20))))`;
}

/** Adds one failure to the source's row (starting afresh after `forgetSeconds` of silence). */
function countFailure(key: string, rule: FailureRule) {
  return sql`
    insert into login_failures as f (key, failures, last_failure_at) values (${key}, 1, now())
    on conflict (key) do update set
      failures = case when f.last_failure_at <= now() - make_interval(secs => ${rule.forgetSeconds}) then 1 else f.failures + 1 end,
      last_failure_at = now()`;
}

export interface WindowState {
  count: number;
  /** Seconds until the current window closes. */
  resetsIn: number;
}

/**
 * Counters in the database, so every server sees the same ones: fixed windows of attempts, and
 * failed sign-ins per source with growing delays.
 */
export class RateLimitRepository {
  async hit(db: Db, key: string, windowSeconds: number): Promise<WindowState> {
    const result = await sql<{ count: number; resets_in: number }>`
      insert into rate_limits as r (key, window_start, count) values (${key}, now(), 1)
      on conflict (key) do update set
        count = case when r.window_start <= now() - make_interval(secs => ${windowSeconds}) then 1 else r.count + 1 end,
        window_start = case when r.window_start <= now() - make_interval(secs => ${windowSeconds}) then now() else r.window_start end
      returning count, extract(epoch from (window_start + make_interval(secs => ${windowSeconds}) - now()))::float8 as resets_in`.execute(
      db,
    );
    const row = result.rows[0]!;
    return { count: Number(row.count), resetsIn: Math.max(1, Math.ceil(Number(row.resets_in))) };
  }

  // Failed sign-ins per source (login_failures), with growing delays.

  /**
   * Counts an attempt as a failure before its password is checked, unless the source must still
   * wait: concurrent guesses are serialised on the row, so a burst cannot slip past the delay.
   * Returns 0 when the attempt may go ahead, else the seconds to wait. A right password then
   * calls `forgiveFailures`.
   */
  async claimAttempt(db: Db, key: string, rule: FailureRule): Promise<number> {
    const admitted = await sql<{ failures: number }>`
      ${countFailure(key, rule)}
      where f.failures < ${rule.freeFailures} or ${nextAttemptAt(rule)} <= now()
      returning failures`.execute(db);
    return admitted.rows.length > 0 ? 0 : this.attemptWait(db, key, rule);
  }

  /** Seconds the source must still wait before its next attempt is checked; 0 if none. */
  async attemptWait(db: Db, key: string, rule: FailureRule): Promise<number> {
    const result = await sql<{ wait: number }>`
      select extract(epoch from (${nextAttemptAt(rule)} - now()))::float8 as wait
        from login_failures f where f.key = ${key} and f.failures >= ${rule.freeFailures}`.execute(db);
    const wait = Number(result.rows[0]?.wait ?? 0);
    return wait > 0 ? Math.max(1, Math.ceil(wait)) : 0;
  }

  /** Records one failure of the source. */
  async recordFailure(db: Db, key: string, rule: FailureRule): Promise<void> {
    await countFailure(key, rule).execute(db);
  }

  /** Forgets the source's failures (it just proved it knows the password). */
  async forgiveFailures(db: Db, key: string): Promise<void> {
    await sql`delete from login_failures where key = ${key}`.execute(db);
  }

  /** Drops counters of sources silent for longer than `olderThanSeconds`. */
  async purgeStaleFailures(db: Db, olderThanSeconds: number): Promise<void> {
    await sql`delete from login_failures where last_failure_at < now() - make_interval(secs => ${olderThanSeconds})`.execute(db);
  }
}
