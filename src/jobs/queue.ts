import type { Db } from '../repositories/node.repository.js';

/** What a change asks to be done later, outside its request. */
export interface JobRequest {
  kind: string;
  /** At most one queued or running job per kind and key; enqueueing it again raises its priority. */
  key?: string | undefined;
  payload?: unknown;
  /** Higher runs first; among equals the newest runs first. */
  priority?: number | undefined;
  runAfter?: Date | undefined;
  maxAttempts?: number | undefined;
}

/**
 * The queue port. `enqueue` takes the caller's transaction, so a job exists exactly when the
 * change that needs it was committed.
 */
export interface JobQueue {
  enqueue(tx: Db, job: JobRequest): Promise<void>;
  /** Moves the live job of this kind and key up the queue (someone waits for it); false when there is none. */
  prioritise(db: Db, kind: string, key: string, priority: number): Promise<boolean>;
  /** Tells this process's worker that jobs were enqueued by a statement of a repository's own (a batch of uploads). */
  announce(): void;
}

/** Priorities the handlers share, so their order is decided in one place. */
export const JobPriority = {
  background: 0,
  /** Work for a change just made (a new upload's previews). */
  fresh: 10,
  /** Somebody is waiting for it right now (the web app asked for a preview). */
  waiting: 100,
} as const;

/** A job that cannot succeed however often it is tried (a corrupt file): failed at once, not retried. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** A kind of work and how to do it. */
export interface JobHandler {
  kind: string;
  /** Jobs of this kind one worker process runs at once. */
  concurrency: number;
  /** An attempt running longer is aborted (its signal fires) and counted as failed. */
  timeoutMs: number;
  maxAttempts?: number | undefined;
  run(job: { id: number; key: string | null; payload: unknown; attempt: number; lastAttempt: boolean }, signal: AbortSignal): Promise<void>;
}
