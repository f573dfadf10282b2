import type { AuditEntry } from '../repositories/audit.repository.js';

interface Waiting {
  entry: AuditEntry;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 500;

/**
 * Writes the events that have no change to commit with (downloads, link views, failed
 * sign-ins). The first is written at once; those that arrive while a write is in flight go
 * together in the next one, so a burst of downloads costs one INSERT, not one per file. Each
 * caller still waits until its own event is stored. A batch that fails is retried event by
 * event, so one bad event fails only its own caller.
 */
export class StandaloneAuditWriter {
  private queue: Waiting[] = [];
  private running = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (entries: AuditEntry[]) => Promise<string[]>,
    private readonly written: (chains: string[]) => void,
  ) {}

  append(entry: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.running) this.drained = this.drain();
    });
  }

  /** Resolves once every event handed over so far is written (or has failed). */
  idle(): Promise<void> {
    return this.drained;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          this.written(await this.write(batch.map((w) => w.entry)));
          for (const w of batch) w.resolve();
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          else await Promise.all(batch.map((w) => this.writeOne(w)));
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async writeOne(w: Waiting): Promise<void> {
    try {
      this.written(await this.write([w.entry]));
      w.resolve();
    } catch (err) {
      w.reject(err);
    }
  }
}
