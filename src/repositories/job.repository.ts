import { sql } from 'kysely';
import type { JobState } from '../db/schema.js';
import type { Db } from './node.repository.js';
import type { JobRequest } from '../jobs/queue.js';

/** What the queue port takes is what this repository inserts. */
export type NewJob = JobRequest;

/** A job as a worker holds it. */
export interface ClaimedJob {
  id: number;
  kind: string;
  key: string | null;
  payload: unknown;
  priority: number;
  attempts: number;
  max_attempts: number;
}

export interface JobRow extends ClaimedJob {
  state: JobState;
  run_after: Date;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface JobCount {
  kind: string;
  state: JobState;
  count: number;
}

export interface JobSchedule {
  kind: string;
  interval_seconds: number;
  next_run_at: Date;
  last_enqueued_at: Date | null;
}

const LIVE = sql`state IN ('queued', 'running')`;

/** SQL of the job queue: every server and worker shares it through the database. */
export class JobRepository {
  /**
   * Adds a job, or, when a live job has the same kind and key, raises that one's priority to this
   * one's instead (a preview asked for again jumps the queue). Returns the live job's id.
   */
  async enqueue(db: Db, job: NewJob): Promise<number> {
    const payload = JSON.stringify(job.payload ?? {});
    const runAfter = job.runAfter ?? null;
    const row = await sql<{ id: number }>`
      INSERT INTO jobs (kind, key, payload, priority, run_after, max_attempts)
      VALUES (${job.kind}, ${job.key ?? null}, ${payload}::jsonb, ${job.priority ?? 0}, coalesce(${runAfter}::timestamptz, now()), ${job.maxAttempts ?? 5})
      ON CONFLICT (kind, key) WHERE key IS NOT NULL AND ${LIVE}
      DO UPDATE SET priority = greatest(jobs.priority, excluded.priority)
      RETURNING id`.execute(db);
    return row.rows[0]!.id;
  }

  /** Raises the priority of the live job of this kind and key; false when there is none. */
  async prioritise(db: Db, kind: string, key: string, priority: number): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set((eb) => ({ priority: eb.fn('greatest', [eb.ref('priority'), eb.val(priority)]) }))
      .where('kind', '=', kind)
      .where('key', '=', key)
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The live job of this kind and key, if any. */
  async live(db: Db, kind: string, key: string): Promise<JobRow | undefined> {
    return (await db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('key', '=', key).where('state', 'in', ['queued', 'running']).executeTakeFirst()) as
      | JobRow
      | undefined;
  }

  /**
   * Takes up to `slots[kind]` ready jobs of each kind for `worker`, highest priority and newest
   * first, in one statement; SKIP LOCKED lets every other worker take the others meanwhile.
   */
  async claim(db: Db, worker: string, slots: ReadonlyMap<string, number>, leaseSeconds: number): Promise<ClaimedJob[]> {
    const kinds = [...slots.keys()];
    if (kinds.length === 0) return [];
    const limits = kinds.map((k) => slots.get(k)!);
    const rows = await sql<ClaimedJob>`
      UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ${worker},
        locked_until = now() + make_interval(secs => ${leaseSeconds}), started_at = now()
      WHERE id IN (
        SELECT j.id FROM unnest(${kinds}::text[], ${limits}::int[]) AS wanted(kind, n)
        CROSS JOIN LATERAL (
          SELECT id FROM jobs
          WHERE state = 'queued' AND kind = wanted.kind AND run_after <= now()
          ORDER BY priority DESC, id DESC
          LIMIT wanted.n
          FOR UPDATE SKIP LOCKED
        ) j
      )
      RETURNING id, kind, key, payload, priority, attempts, max_attempts`.execute(db);
    return rows.rows;
  }

  /** Keeps `worker`'s jobs from being taken back while it still runs them. */
  async extendLeases(db: Db, worker: string, ids: number[], leaseSeconds: number): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('jobs')
      .set({ locked_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
      .where('id', 'in', ids)
      .where('locked_by', '=', worker)
      .where('state', '=', 'running')
      .execute();
  }

  /** Marks a job done; false when the worker had lost it (its lease ran out and it was taken back). */
  async complete(db: Db, worker: string, id: number): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set({ state: 'done', finished_at: sql<Date>`now()`, locked_by: null, locked_until: null, last_error: null })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Records a failed attempt: queued again after `retryAt`, or failed for good when it is null. */
  async fail(db: Db, worker: string, id: number, error: string, retryAt: Date | null): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set(
        retryAt
          ? { state: 'queued', run_after: retryAt, last_error: error, locked_by: null, locked_until: null }
          : { state: 'failed', finished_at: sql<Date>`now()`, last_error: error, locked_by: null, locked_until: null },
      )
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Hands a job back unfinished (its worker is stopping), without counting the attempt. */
  async release(db: Db, worker: string, id: number): Promise<void> {
    await db
      .updateTable('jobs')
      .set({ state: 'queued', attempts: sql<number>`greatest(attempts - 1, 0)`, run_after: sql<Date>`now()`, locked_by: null, locked_until: null })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .where('state', '=', 'running')
      .execute();
  }

  /**
   * Takes back the jobs of workers whose leases ran out (a killed process, a lost machine): queued
   * again at once, or failed when that was their last attempt. Returns how many.
   */
  async recoverExpired(db: Db): Promise<number> {
    const r = await sql`
      UPDATE jobs SET
        state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
        last_error = 'The worker running it stopped before it finished (its lease ran out)',
        locked_by = NULL, locked_until = NULL, run_after = now()
      WHERE state = 'running' AND locked_until < now()`.execute(db);
    return Number(r.numAffectedRows ?? 0);
  }

  async counts(db: Db): Promise<JobCount[]> {
    return db
      .selectFrom('jobs')
      .select(['kind', 'state', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy(['kind', 'state'])
      .orderBy('kind')
      .orderBy('state')
      .execute()
      .then((rows) => rows.map((r) => ({ ...r, count: Number(r.count) })));
  }

  /** Newest first, `before` an id for the next page. */
  async list(db: Db, filter: { state?: JobState | undefined; kind?: string | undefined; before?: number | undefined; limit: number }): Promise<JobRow[]> {
    let q = db.selectFrom('jobs').selectAll();
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.before !== undefined) q = q.where('id', '<', filter.before);
    return (await q.orderBy('id', 'desc').limit(filter.limit).execute()) as JobRow[];
  }

  async get(db: Db, id: number): Promise<JobRow | undefined> {
    return (await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()) as JobRow | undefined;
  }

  /** A failed or cancelled job queued again with its attempts renewed; undefined when it is not one. */
  async requeue(db: Db, id: number): Promise<JobRow | undefined> {
    return (await db
      .updateTable('jobs')
      .set({ state: 'queued', attempts: 0, run_after: sql<Date>`now()`, finished_at: null, locked_by: null, locked_until: null })
      .where('id', '=', id)
      .where('state', 'in', ['failed', 'cancelled'])
      .returningAll()
      .executeTakeFirst()) as JobRow | undefined;
  }

  /** Cancels a job that has not started; undefined when it is not queued. */
  async cancel(db: Db, id: number): Promise<JobRow | undefined> {
    return (await db
      .updateTable('jobs')
      .set({ state: 'cancelled', finished_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .returningAll()
      .executeTakeFirst()) as JobRow | undefined;
  }

  /** Drops finished jobs: done ones after `doneBefore`, failed and cancelled ones after `failedBefore`. */
  async prune(db: Db, doneBefore: Date, failedBefore: Date): Promise<number> {
    const r = await db
      .deleteFrom('jobs')
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'done'), eb('finished_at', '<', doneBefore)]),
          eb.and([eb('state', 'in', ['failed', 'cancelled']), eb('finished_at', '<', failedBefore)]),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Makes the schedule of `kind` run every `intervalSeconds`, first after `firstAfterSeconds`. */
  async ensureSchedule(db: Db, kind: string, intervalSeconds: number, firstAfterSeconds: number): Promise<void> {
    await sql`
      INSERT INTO job_schedules (kind, interval_seconds, next_run_at)
      VALUES (${kind}, ${intervalSeconds}, now() + make_interval(secs => ${firstAfterSeconds}))
      ON CONFLICT (kind) DO UPDATE SET interval_seconds = excluded.interval_seconds,
        next_run_at = least(job_schedules.next_run_at, now() + make_interval(secs => ${intervalSeconds}))`.execute(db);
  }

  /** Moves every due schedule among `kinds` to its next time; returns the kinds this caller must enqueue. */
  async takeDueSchedules(db: Db, kinds: string[]): Promise<string[]> {
    if (kinds.length === 0) return [];
    const r = await sql<{ kind: string }>`
      UPDATE job_schedules SET next_run_at = now() + make_interval(secs => interval_seconds), last_enqueued_at = now()
      WHERE next_run_at <= now() AND kind = ANY(${kinds}::text[])
      RETURNING kind`.execute(db);
    return r.rows.map((row) => row.kind);
  }

  async schedules(db: Db): Promise<JobSchedule[]> {
    return db.selectFrom('job_schedules').selectAll().orderBy('kind').execute();
  }

  /** Moves a schedule's next run a whole interval on from now; false when there is no such schedule. */
  async restartSchedule(db: Db, kind: string): Promise<boolean> {
    const r = await sql`
      UPDATE job_schedules SET next_run_at = now() + make_interval(secs => interval_seconds), last_enqueued_at = now()
      WHERE kind = ${kind}`.execute(db);
    return Number(r.numAffectedRows ?? 0) > 0;
  }
}
