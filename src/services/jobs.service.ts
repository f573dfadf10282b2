import type { CallContext } from '../core/context.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import type { Database } from '../db/database.js';
import type { JobState } from '../db/schema.js';
import type { JobCount, JobRepository, JobRow, JobSchedule } from '../repositories/job.repository.js';
import type { AuditService } from './audit.service.js';
import type { JobQueue } from '../jobs/queue.js';

export interface JobsOverview {
  counts: JobCount[];
  schedules: JobSchedule[];
}

/** What instance administrators see of the job queue and may do with it. */
export class JobsService {
  constructor(private readonly d: { db: Database; repo: JobRepository; queue: JobQueue; audit: AuditService }) {}

  async overview(ctx: CallContext | null): Promise<JobsOverview> {
    requireInstanceAdmin(ctx);
    const [counts, schedules] = await Promise.all([this.d.repo.counts(this.d.db), this.d.repo.schedules(this.d.db)]);
    return { counts, schedules };
  }

  async list(ctx: CallContext | null, filter: { state?: JobState | undefined; kind?: string | undefined; before?: number | undefined; limit: number }): Promise<JobRow[]> {
    requireInstanceAdmin(ctx);
    return this.d.repo.list(this.d.db, filter);
  }

  async get(ctx: CallContext | null, id: number): Promise<JobRow> {
    requireInstanceAdmin(ctx);
    const job = await this.d.repo.get(this.d.db, id);
    if (!job) throw notFound(`There is no job ${id} (finished jobs are kept for a while, then dropped)`);
    return job;
  }

  /** Queues a failed or cancelled job again, its attempts renewed. */
  async retry(ctx: CallContext | null, id: number): Promise<JobRow> {
    requireInstanceAdmin(ctx);
    return this.d.db.transaction().execute(async (tx) => {
      let job: JobRow | undefined;
      try {
        job = await this.d.repo.requeue(tx, id);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw conflict(`Job ${id} has a newer twin queued or running already; that one does its work`);
        throw err;
      }
      if (!job) {
        const found = await this.d.repo.get(tx, id);
        if (!found) throw notFound(`There is no job ${id}`);
        throw conflict(`Job ${id} is ${found.state}; only failed or cancelled jobs can be retried`);
      }
      await this.d.audit.record(tx, ctx, { action: 'job.retry', detail: { job: id, kind: job.kind } });
      return job;
    });
  }

  async cancel(ctx: CallContext | null, id: number): Promise<JobRow> {
    requireInstanceAdmin(ctx);
    return this.d.db.transaction().execute(async (tx) => {
      const job = await this.d.repo.cancel(tx, id);
      if (!job) {
        const found = await this.d.repo.get(tx, id);
        if (!found) throw notFound(`There is no job ${id}`);
        throw conflict(`Job ${id} is ${found.state}; only queued jobs can be cancelled`);
      }
      await this.d.audit.record(tx, ctx, { action: 'job.cancel', detail: { job: id, kind: job.kind } });
      return job;
    });
  }

  /** Runs a recurring job now; its next run comes a whole interval later. */
  async runScheduleNow(ctx: CallContext | null, kind: string): Promise<void> {
    requireInstanceAdmin(ctx);
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.repo.restartSchedule(tx, kind))) throw notFound(`There is no recurring job "${kind}"`);
      await this.d.queue.enqueue(tx, { kind, key: 'scheduled' });
      await this.d.audit.record(tx, ctx, { action: 'job.run', detail: { kind } });
    });
  }
}

/** Null is the operator at the command line. */
function requireInstanceAdmin(ctx: CallContext | null): void {
  if (ctx && ctx.actor.role !== 'admin') throw forbidden('Only instance administrators can see and manage background jobs');
}
