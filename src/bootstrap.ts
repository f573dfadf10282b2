import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { BlobStore } from './blobs/blob-store.js';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import type { CofferConfig } from './config/config.js';
import { createCore, type Core } from './core/core.js';
import { migrate, openDatabase, type Database } from './db/database.js';

export interface OpenOptions {
  logger?: Logger | undefined;
  /** Tests start PGlite from a migrated template instead of creating a database (seconds saved per server). */
  pgliteTemplate?: Blob | undefined;
  /** Run migrations on open (servers do; `coffer migrate` does it explicitly). */
  migrate?: boolean;
}

export function createLogger(config: CofferConfig): Logger {
  return pino({ level: config.logLevel, base: { service: 'coffer' } });
}

async function openBlobStore(config: CofferConfig): Promise<BlobStore> {
  if (config.s3) {
    const { S3BlobStore } = await import('./blobs/s3-blob-store.js');
    return new S3BlobStore(config.s3);
  }
  return new FsBlobStore(path.join(config.dataDir, 'blobs'), config.fsync);
}

/** The access-token key: from the environment, or generated once and shared through the database. */
async function jwtSecret(db: Database, config: CofferConfig): Promise<Uint8Array> {
  if (config.jwtSecret) return new TextEncoder().encode(config.jwtSecret);
  await db
    .insertInto('settings')
    .values({ key: 'jwt_secret', value: randomBytes(48).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'jwt_secret').executeTakeFirstOrThrow();
  return new TextEncoder().encode(row.value);
}

/** Opens the database and blob store the configuration names and wires the core over them. */
export async function openCore(config: CofferConfig, options: OpenOptions = {}): Promise<Core> {
  const logger = options.logger ?? createLogger(config);
  const db = await openDatabase({
    url: config.databaseUrl,
    pgliteDir: path.join(config.dataDir, 'db'),
    pgliteTemplate: options.pgliteTemplate,
    onPoolError: (err) => logger.warn({ err }, 'a PostgreSQL connection failed; the pool will reconnect'),
  });
  try {
    if (options.migrate !== false) {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    }
    const blobs = await openBlobStore(config);
    return createCore({ config, db, blobs, logger, jwtSecret: await jwtSecret(db, config) });
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

export async function closeCore(core: Core): Promise<void> {
  await core.blobs.close?.();
  await core.db.destroy();
}

/**
 * First start: creates the `admin` account. With COFFER_ADMIN_PASSWORD it gets that password;
 * without, a random one is generated and returned so the caller can print it once.
 */
export async function ensureAdmin(core: Core): Promise<{ created: boolean; password?: string }> {
  const existing = await core.db.selectFrom('users').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst();
  if (existing) return { created: false };
  const generated = core.config.adminPassword === undefined;
  const password = core.config.adminPassword ?? randomBytes(12).toString('base64url');
  try {
    await core.users.create(null, { username: 'admin', password, role: 'admin', quotaBytes: null, displayName: 'Administrator' });
  } catch (err) {
    // Another server of the cluster created it first.
    const now = await core.db.selectFrom('users').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst();
    if (now) return { created: false };
    throw err;
  }
  return generated ? { created: true, password } : { created: true };
}
