import { sql } from 'kysely';
import type { Db } from './node.repository.js';

export interface WindowState {
  count: number;
  /** Seconds until the current window closes. */
  resetsIn: number;
}

/** Fixed-window counters in the database, so every server sees the same counts. */
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

  async peek(db: Db, key: string, windowSeconds: number): Promise<WindowState> {
    const result = await sql<{ count: number; resets_in: number }>`
      select count, extract(epoch from (window_start + make_interval(secs => ${windowSeconds}) - now()))::float8 as resets_in
        from rate_limits where key = ${key} and window_start > now() - make_interval(secs => ${windowSeconds})`.execute(db);
    const row = result.rows[0];
    return row ? { count: Number(row.count), resetsIn: Math.max(1, Math.ceil(Number(row.resets_in))) } : { count: 0, resetsIn: 0 };
  }

  async reset(db: Db, key: string): Promise<void> {
    await db.deleteFrom('rate_limits').where('key', '=', key).execute();
  }
}
