import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Db } from '../repositories/node.repository.js';

// Serialises the first creation of the key across the servers of a cluster (they share the database).
const AUDIT_KEY_LOCK = 7_345_003;
const FINGERPRINT_SETTING = 'audit_key_fingerprint';

/** A short public fingerprint of the key: tells "wrong key" apart from "rewritten chain" without revealing it. */
export function auditKeyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('coffer audit key fingerprint').digest('hex').slice(0, 16);
}

/**
 * The secret that keys the audit chains. It must not live in the database (whoever can write
 * the database could then re-key a rewritten chain): it comes from COFFER_AUDIT_KEY, or is
 * generated once and kept in the blob store under a reserved name (`reserved/audit-key` in the
 * local blob directory or the S3 bucket), which every server of a cluster reads.
 */
export async function loadAuditKey(deps: { db: Db; blobs: BlobStore; logger: Logger; configured: string | undefined }): Promise<Buffer> {
  const key = deps.configured !== undefined ? Buffer.from(deps.configured, 'utf8') : await storedKey(deps.db, deps.blobs, deps.logger);
  await checkFingerprint(deps.db, deps.logger, key);
  return key;
}

async function storedKey(db: Db, blobs: BlobStore, logger: Logger): Promise<Buffer> {
  const existing = await blobs.readReserved('audit-key');
  if (existing) return existing;
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_KEY_LOCK})`.execute(tx);
    const fresh = randomBytes(32).toString('base64url');
    const stored = await blobs.createReserved('audit-key', Buffer.from(fresh, 'utf8'));
    if (stored.toString('utf8') === fresh) logger.info('generated the audit chain key and stored it in the blob store (reserved/audit-key)');
    return stored;
  });
}

/** Warns loudly when the key differs from the one the existing chains were written with. */
async function checkFingerprint(db: Db, logger: Logger, key: Buffer): Promise<void> {
  const fingerprint = auditKeyFingerprint(key);
  await db.insertInto('settings').values({ key: FINGERPRINT_SETTING, value: fingerprint }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', FINGERPRINT_SETTING).executeTakeFirstOrThrow();
  if (row.value !== fingerprint) {
    logger.error(
      { expected: row.value, actual: fingerprint },
      'the audit key differs from the one the audit chains were written with: `coffer audit verify` will report every chain as rewritten. ' +
        'Restore the original key (COFFER_AUDIT_KEY or reserved/audit-key in the blob store).',
    );
  }
}

/** The fingerprint the chains were first written with, if recorded. */
export async function recordedFingerprint(db: Db): Promise<string | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', FINGERPRINT_SETTING).executeTakeFirst();
  return row?.value ?? null;
}
