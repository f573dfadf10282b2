import type { Db } from '../repositories/node.repository.js';
import type { JobRepository } from '../repositories/job.repository.js';
import type { JobQueue, JobRequest } from './queue.js';

/** The job queue on the database itself: no service to run, and it works on PGlite too. */
export class DatabaseJobQueue implements JobQueue {
  /** Listeners told (after a short delay, so the enqueueing transaction has committed) that work is waiting. */
  private readonly listeners = new Set<() => void>();

  constructor(private readonly repo: JobRepository) {}

  async enqueue(tx: Db, job: JobRequest): Promise<void> {
    await this.repo.enqueue(tx, job);
    this.notify();
  }

  async prioritise(db: Db, kind: string, key: string, priority: number): Promise<boolean> {
    const found = await this.repo.prioritise(db, kind, key, priority);
    if (found) this.notify();
    return found;
  }

  announce(): void {
    this.notify();
  }

  /** Wakes this process's worker early; other servers' workers find the job at their next poll. */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    if (this.listeners.size === 0) return;
    const timer = setTimeout(() => {
      for (const l of this.listeners) l();
    }, 20);
    timer.unref();
  }
}
