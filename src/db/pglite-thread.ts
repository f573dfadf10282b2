import { Worker } from 'node:worker_threads';

/** What a statement gives back: the rows (of the last statement, for several) and how many rows it changed. */
export interface EmbeddedResult<R> {
  rows: R[];
  affectedRows?: number | undefined;
}

/** The part of PGlite the Kysely dialect uses; PGlite itself (in tests) and PGliteThread both have it. */
export interface EmbeddedPostgres {
  query<R>(sql: string, params: unknown[]): Promise<EmbeddedResult<R>>;
  /** Several statements, the simple protocol: migrations. */
  exec(sql: string): Promise<EmbeddedResult<unknown>>;
  close(): Promise<void>;
}

interface Reply {
  id?: number;
  ready?: boolean;
  result?: unknown;
  error?: { message: string } & Record<string, unknown>;
}

/** A PostgreSQL error from the worker, with its fields (code, constraint, …) as PGlite gave them. */
function rebuild(error: { message: string } & Record<string, unknown>): Error {
  return Object.assign(new Error(error.message), error);
}

/**
 * PGlite on a worker thread (pglite-worker.mjs): WebAssembly PostgreSQL busy for milliseconds at a
 * time would otherwise hold up every other request on the event loop. Statements go over a
 * message port in order; rows come back as structured clones (dates stay dates).
 */
export class PGliteThread implements EmbeddedPostgres {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closing: Promise<void> | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error) waiting?.reject(rebuild(reply.error));
      else waiting?.resolve(reply.result);
    });
    const fail = (err: Error) => {
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`The embedded database thread stopped (exit code ${code})`)));
  }

  /**
   * Opens the database in `dataDir`, creating it when the directory is empty; with a `template`
   * (a gzipped data directory), an empty `dataDir` is filled from it first.
   */
  static async open(dataDir: string, template?: Uint8Array): Promise<PGliteThread> {
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dataDir, template } });
    try {
      await new Promise<void>((resolve, reject) => {
        const onMessage = (reply: Reply) => {
          if (reply.ready === undefined) return;
          worker.off('message', onMessage);
          worker.off('error', reject);
          if (reply.ready) resolve();
          else reject(rebuild(reply.error ?? { message: 'The embedded database did not open' }));
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
      });
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return new PGliteThread(worker);
  }

  private call<T>(message: Record<string, unknown>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('The embedded database is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  query<R>(sql: string, params: unknown[]): Promise<EmbeddedResult<R>> {
    return this.call({ op: 'query', sql, params });
  }

  exec(sql: string): Promise<EmbeddedResult<unknown>> {
    return this.call({ op: 'exec', sql });
  }

  /** The whole data directory as a gzipped tarball (PGlite's dumpDataDir). */
  dump(): Promise<Uint8Array> {
    return this.call({ op: 'dump' });
  }

  close(): Promise<void> {
    if (!this.closing) {
      const closed = this.call<void>({ op: 'close' });
      this.closing = closed.finally(() => this.worker.terminate()).then(() => undefined);
    }
    return this.closing;
  }
}
