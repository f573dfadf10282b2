import {
  PostgresDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { CofferError } from '../core/errors.js';

/** Time limits for every PostgreSQL connection, in milliseconds; 0 leaves PostgreSQL's own setting. */
export interface DbTimeouts {
  /** `statement_timeout`: the longest one statement may run, lock waits included. */
  statementMs: number;
  /** `lock_timeout`: the longest one statement may wait for a lock (a busy space, say). */
  lockMs: number;
  /** `idle_in_transaction_session_timeout`: a transaction left open and idle is ended. */
  idleInTransactionMs: number;
  /**
   * `jit = off`: Coffer's statements are short, and compiling one (which PostgreSQL does when a
   * recursive walk's estimate looks large) took 100 ms for a query that runs in 0.1.
   */
  jitOff?: boolean | undefined;
}

/** The settings as node-postgres sends them at connection start-up (omitted when 0). */
export function connectionTimeouts(t: DbTimeouts | undefined) {
  return {
    ...(t?.statementMs ? { statement_timeout: t.statementMs } : {}),
    ...(t?.lockMs ? { lock_timeout: t.lockMs } : {}),
    ...(t?.idleInTransactionMs ? { idle_in_transaction_session_timeout: t.idleInTransactionMs } : {}),
    ...(t?.jitOff ? { options: '-c jit=off' } : {}),
  };
}

/** PostgreSQL's SQLSTATEs for a time limit that stopped the work, and what to tell the caller. */
const TIME_LIMITS: Record<string, string> = {
  '57014': 'a database operation took too long and was cancelled', // query_canceled: statement_timeout
  '55P03': 'a database operation waited too long for a lock held by another request', // lock_not_available: lock_timeout
  '25P03': 'a database transaction stayed idle for too long and was ended', // idle_in_transaction_session_timeout
};

/** Seconds a client is asked to wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * A PostgreSQL time limit that stopped a statement, as the 503 every door answers with (its
 * transaction was rolled back, so nothing half-done remains); undefined for any other error.
 */
export function timeLimitError(err: unknown): CofferError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const what = typeof code === 'string' ? TIME_LIMITS[code] : undefined;
  if (what === undefined) return undefined;
  return new CofferError(
    503,
    'database-busy',
    `The server is busy: ${what}; nothing was changed. Try again in a few seconds.`,
    { retryAfter: RETRY_AFTER_SECONDS },
  );
}

/** Runs queries on the pooled connection and turns time-limit errors into the core's 503. */
class TimeLimitedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(compiled);
    } catch (err) {
      throw timeLimitError(err) ?? err;
    }
  }

  streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiled, chunkSize);
  }
}

/** Kysely's PostgreSQL driver, with every connection's queries passing through TimeLimitedConnection. */
class TimeLimitedDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, TimeLimitedConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.inner.acquireConnection();
    let mine = this.wrapped.get(conn);
    if (!mine) {
      mine = new TimeLimitedConnection(conn);
      this.wrapped.set(conn, mine);
    }
    return mine;
  }

  // The inner driver runs BEGIN/COMMIT/ROLLBACK through the connection it is given: ours, so
  // a timeout there is mapped too.
  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(conn, settings);
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(conn);
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(conn);
  }

  async savepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint?.(conn, name, compile);
  }

  async rollbackToSavepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint?.(conn, name, compile);
  }

  async releaseSavepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint?.(conn, name, compile);
  }

  releaseConnection(conn: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(conn instanceof TimeLimitedConnection ? conn.inner : conn);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** PostgresDialect whose statement, lock and idle-transaction timeouts answer 503 instead of 500. */
export class TimeLimitedPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new TimeLimitedDriver(super.createDriver());
  }
}
