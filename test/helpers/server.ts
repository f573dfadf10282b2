import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type CofferConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Environment that points a child process (CLI, second server) at the same database and blobs. */
  env: Record<string, string>;
  /** Deletes the data directory and the test database this server created (close() does it unless keepData). */
  removeData(): Promise<void>;
}

export interface TestServerOptions {
  /**
   * Keep the data directory and the test database on close(), so a CLI or another server can
   * open them; call removeData() when done.
   */
  keepData?: boolean | undefined;
}

export function usingPostgres(): boolean {
  return process.env.COFFER_TEST_BACKEND === 'postgres';
}

/** A fresh, empty database on the test PostgreSQL; dropped again by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.COFFER_TEST_DATABASE_URL;
  if (!base) throw new Error('COFFER_TEST_DATABASE_URL is not set');
  const name = `coffer_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * Starts a real Coffer server on a free port over a new data directory, on the backend this
 * test project runs (embedded PGlite, or a fresh database on the test PostgreSQL).
 */
export async function startTestServer(extraEnv: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  // An explicit COFFER_DATA_DIR reopens existing data (a restart over `server.env`).
  const dataDir = extraEnv.COFFER_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-test-'));
  let dropDb: (() => Promise<void>) | undefined;
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: '0',
    COFFER_DATA_DIR: dataDir,
    COFFER_ADMIN_PASSWORD: ADMIN_PASSWORD,
    COFFER_FSYNC: 'false',
    LOG_LEVEL: process.env.COFFER_TEST_LOG_LEVEL ?? 'silent',
    COFFER_MAINTENANCE_INTERVAL: '0',
    COFFER_STORAGE_CHECK_INTERVAL: '0',
    ...extraEnv,
  };
  if (usingPostgres() && !env.DATABASE_URL) {
    const db = await createTestDatabase();
    env.DATABASE_URL = db.url;
    dropDb = db.drop;
  }
  let server: RunningServer;
  try {
    const config: CofferConfig = loadConfig(env);
    const templateFile = inject('pgliteTemplate');
    const template = !config.databaseUrl && templateFile ? fs.readFileSync(templateFile) : undefined;
    server = await startServer(config, { pgliteTemplate: template });
  } catch (err) {
    // A start-up that fails (as some tests expect) must not leave what it created behind.
    await dropDb?.();
    if (extraEnv.COFFER_DATA_DIR === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const removeData = async () => {
    const drop = dropDb;
    dropDb = undefined;
    await drop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    ...server,
    dataDir,
    env,
    removeData,
    async close() {
      await server.close();
      if (!options.keepData) await removeData();
    },
  };
}
