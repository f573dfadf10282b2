import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { ClaimedJob, JobRepository } from '../repositories/job.repository.js';
import type { Db } from '../repositories/node.repository.js';
import { PermanentJobError, type JobHandler } from './queue.js';

export type JobOutcome = 'done' | 'retry' | 'failed';

export interface JobSchedule {
  kind: string;
  intervalSeconds: number;
}

export interface JobWorkerOptions {
  db: Db;
  repo: JobRepository;
  handlers: JobHandler[];
  logger: Logger;
  /** Recurring jobs this worker helps schedule (any one worker of the cluster enqueues each run). */
  schedules: JobSchedule[];
  /** How often an idle worker looks for work (it is also woken when its own server enqueues). */
  pollMs: number;
  /** A job whose worker has not renewed its lease for this long is taken back. */
  leaseSeconds: number;
  /** The first retry waits about this long, each later one twice as long, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** On stop, running jobs get this long to finish before they are aborted and handed back. */
  stopGraceMs?: number;
  onFinished?: (kind: string, outcome: JobOutcome, seconds: number) => void;
}

interface Running {
  job: ClaimedJob;
  abort: AbortController;
  settled: Promise<void>;
}

/** Why a job's signal fires when its worker stops: the job goes back to the queue, its attempt uncounted. */
class WorkerStoppingError extends Error {
  constructor() {
    super('The worker is shutting down');
    this.name = 'WorkerStoppingError';
  }
}

/** How often due schedules and ran-out leases are looked for: neither needs to be found to the second. */
const HOUSEKEEPING_MS = 5_000;

/** Takes jobs from the queue and runs them with their handlers, a bounded number of each kind at once. */
export class JobWorker {
  readonly id = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly handlers: Map<string, JobHandler>;
  private readonly running = new Map<number, Running>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private stopped = true;
  private lastHousekeeping = 0;
  private failuresInARow = 0;

  constructor(private readonly o: JobWorkerOptions) {
    this.handlers = new Map(o.handlers.map((h) => [h.kind, h]));
  }

  async start(): Promise<void> {
    this.stopped = false;
    for (const s of this.o.schedules) {
      // The first run a while after start (not during it), then every interval.
      await this.o.repo.ensureSchedule(this.o.db, s.kind, s.intervalSeconds, Math.min(30, s.intervalSeconds));
    }
    const beat = Math.max(1_000, (this.o.leaseSeconds * 1000) / 3);
    this.heartbeat = setInterval(() => void this.renewLeases(), beat);
    this.heartbeat.unref();
    this.wake();
  }

  /** Looks for work now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.polling = this.poll().finally(() => {
      this.polling = null;
      if (this.stopped) return;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.wake();
        return;
      }
      // After database errors, wait longer each time (up to a minute) rather than hammer it.
      const delay = this.failuresInARow === 0 ? this.o.pollMs : Math.min(60_000, this.o.pollMs * 2 ** this.failuresInARow);
      this.timer = setTimeout(() => this.wake(), delay);
      this.timer.unref();
    });
  }

  /** Stops taking jobs; lets running ones finish within the grace time, then aborts them and hands them back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    const grace = this.o.stopGraceMs ?? 10_000;
    const all = Promise.all([...this.running.values()].map((r) => r.settled));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), grace)))]);
    clearTimeout(timer);
    if (timedOut) {
      for (const r of this.running.values()) r.abort.abort(new WorkerStoppingError());
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }
    clearInterval(this.heartbeat);
  }

  /** Jobs running now, by kind (for tests and the admin view). */
  runningCount(): number {
    return this.running.size;
  }

  private freeSlots(): Map<string, number> {
    const busy = new Map<string, number>();
    for (const r of this.running.values()) busy.set(r.job.kind, (busy.get(r.job.kind) ?? 0) + 1);
    const slots = new Map<string, number>();
    for (const h of this.handlers.values()) {
      const free = h.concurrency - (busy.get(h.kind) ?? 0);
      if (free > 0) slots.set(h.kind, free);
    }
    return slots;
  }

  private async poll(): Promise<void> {
    try {
      if (Date.now() - this.lastHousekeeping >= HOUSEKEEPING_MS) {
        this.lastHousekeeping = Date.now();
        await this.housekeeping();
      }
      const slots = this.freeSlots();
      if (slots.size === 0) return;
      const jobs = await this.o.repo.claim(this.o.db, this.id, slots, this.o.leaseSeconds);
      for (const job of jobs) this.launch(job);
      this.failuresInARow = 0;
    } catch (err) {
      this.failuresInARow++;
      this.o.logger.warn({ err }, 'the job worker could not reach the queue; it tries again shortly');
    }
  }

  private async housekeeping(): Promise<void> {
    const recovered = await this.o.repo.recoverExpired(this.o.db);
    if (recovered > 0) this.o.logger.warn({ recovered }, 'took back jobs whose workers stopped before finishing them');
    const kinds = this.o.schedules.map((s) => s.kind);
    if (kinds.length === 0) return;
    const due = await this.o.db.transaction().execute(async (tx) => {
      const taken = await this.o.repo.takeDueSchedules(tx, kinds);
      for (const kind of taken) await this.o.repo.enqueue(tx, { kind, key: 'scheduled' });
      return taken;
    });
    if (due.length > 0) this.o.logger.debug({ due }, 'enqueued scheduled jobs');
  }

  private launch(job: ClaimedJob): void {
    const handler = this.handlers.get(job.kind)!;
    const abort = new AbortController();
    const started = performance.now();
    const timeout = setTimeout(() => abort.abort(new Error(`It ran longer than ${Math.round(handler.timeoutMs / 1000)} s`)), handler.timeoutMs);
    // Through a promise even when the handler throws before its first await.
    const work = Promise.resolve().then(() => handler.run({ id: job.id, key: job.key, payload: job.payload, attempt: job.attempts, lastAttempt: job.attempts >= job.max_attempts }, abort.signal));
    const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true }));
    aborted.catch(() => undefined);
    const settled = Promise.race([work, aborted])
      .then(
        () => this.finish(job, started, null),
        (err: unknown) => this.finish(job, started, err),
      )
      .catch((err: unknown) => this.o.logger.error({ err, job: job.id }, 'could not record the outcome of a job; its lease will run out and it runs again'))
      .then(async () => {
        clearTimeout(timeout);
        // The slot is free once the handler has really stopped, or a while after it was aborted.
        await Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, handler.timeoutMs).unref())]);
      })
      .finally(() => {
        this.running.delete(job.id);
        this.wake();
      });
    this.running.set(job.id, { job, abort, settled });
  }

  private async finish(job: ClaimedJob, started: number, err: unknown): Promise<void> {
    const seconds = (performance.now() - started) / 1000;
    const { repo, db, logger } = this.o;
    if (err === null) {
      const ok = await repo.complete(db, this.id, job.id);
      if (!ok) logger.warn({ job: job.id, kind: job.kind }, 'a job finished after its lease ran out; another worker may run it again');
      this.o.onFinished?.(job.kind, 'done', seconds);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof WorkerStoppingError) {
      await repo.release(db, this.id, job.id);
      return;
    }
    const final = err instanceof PermanentJobError || job.attempts >= job.max_attempts;
    const retryAt = final ? null : new Date(Date.now() + this.backoff(job.attempts));
    await repo.fail(db, this.id, job.id, message.slice(0, 2000), retryAt);
    this.o.onFinished?.(job.kind, final ? 'failed' : 'retry', seconds);
    logger[final ? 'warn' : 'info']({ job: job.id, kind: job.kind, attempt: job.attempts, err: message, retryAt }, final ? 'a job failed' : 'a job failed; it is tried again later');
  }

  /** Exponential, with a fifth either way of jitter so failed jobs do not all come back at once. */
  private backoff(attempt: number): number {
    const base = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    await this.o.repo.extendLeases(this.o.db, this.id, ids, this.o.leaseSeconds).catch((err: unknown) => {
      this.o.logger.warn({ err }, 'could not renew the leases of running jobs');
    });
  }
}
