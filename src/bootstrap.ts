import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { BlobStore } from './blobs/blob-store.js';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import type { CofferConfig } from './config/config.js';
import { createCore, type Core } from './core/core.js';
import { migrate, openDatabase, type Database } from './db/database.js';
import { loadAuditKey } from './services/audit-key.js';
import { requestForLog } from './util/log-redaction.js';

export interface OpenOptions {
  logger?: Logger | undefined;
  /** Tests start PGlite from a migrated template instead of creating a database (seconds saved per server). */
  pgliteTemplate?: Uint8Array | undefined;
  /** Run migrations on open (servers do; `coffer migrate` does it explicitly). */
  migrate?: boolean;
}

export function createLogger(config: CofferConfig): Logger {
  return pino({ level: config.logLevel, base: { service: 'coffer' }, serializers: { req: requestForLog } });
}

function s3NotFound(err: unknown): boolean {
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode === 404;
}

/** HEAD requests carry no error body, so the SDK's message can be as bare as "UnknownError". */
function describeS3Error(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return [err.name, err.message && err.message !== err.name ? err.message : '', status ? `HTTP ${status}` : ''].filter(Boolean).join(': ');
}

async function openBlobStore(config: CofferConfig): Promise<BlobStore> {
  if (config.s3) {
    const s3 = config.s3;
    const { S3BlobStore, ensureBucket } = await import('./blobs/s3-blob-store.js');
    const where = `bucket "${s3.bucket}" (COFFER_S3_BUCKET) at ${s3.endpoint ?? `AWS region ${s3.region}`} (COFFER_S3_ENDPOINT)`;
    if (s3.createBucket) {
      await ensureBucket(s3).catch((err: unknown) => {
        throw new Error(`Cannot create the S3 ${where}: ${describeS3Error(err)}`, { cause: err });
      });
    }
    const store = new S3BlobStore(s3);
    try {
      await store.ping();
    } catch (err) {
      await store.close();
      const hint = s3NotFound(err) ? ' (it does not exist; create it, or set COFFER_S3_CREATE_BUCKET=true)' : '';
      throw new Error(`Cannot reach the S3 ${where}${hint}: ${describeS3Error(err)}`, { cause: err });
    }
    return store;
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

/**
 * This installation's id as Nextcloud forms one ("oc" and ten lowercase letters and digits), made
 * once and shared through the database. Not in a migration: the embedded database starts from a
 * template made at build time, which every installation would share.
 */
async function instanceId(db: Database): Promise<string> {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const made = 'oc' + [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
  await db.insertInto('settings').values({ key: 'instance_id', value: made }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'instance_id').executeTakeFirstOrThrow();
  return row.value;
}

/** Opens the database and blob store the configuration names and wires the core over them. */
export async function openCore(config: CofferConfig, options: OpenOptions = {}): Promise<Core> {
  const logger = options.logger ?? createLogger(config);
  // The blob store first: an unreachable bucket stops start-up before the database is touched.
  const blobs = await openBlobStore(config);
  let db: Database | undefined;
  try {
    db = await openDatabase({
      url: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'db'),
      pgliteTemplate: options.pgliteTemplate,
      timeouts: config.dbTimeouts,
      onPoolError: (err) => logger.warn({ err }, 'a PostgreSQL connection failed; the pool will reconnect'),
    });
    if (options.migrate !== false) {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    }
    const auditKey = await loadAuditKey({ db, blobs, logger, configured: config.auditKey });
    const core = createCore({ config, db, blobs, logger, jwtSecret: await jwtSecret(db, config), auditKey, instanceId: await instanceId(db) });
    if (options.migrate !== false && (await core.audit.sealLegacy())) logger.info('sealed the audit events from before the upgrade under the audit key');
    return core;
  } catch (err) {
    await db?.destroy();
    await blobs.close?.();
    throw err;
  }
}

export async function closeCore(core: Core): Promise<void> {
  await core.audit.close().catch((err: unknown) => core.logger.warn({ err }, 'could not seal the last audit events; the next start will'));
  await core.search.close();
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
