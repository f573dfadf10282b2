import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AuditEvent, DB } from '../db/schema.js';

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
// All appends take this transaction-scoped lock so each row sees the one committed before it.
const AUDIT_CHAIN_LOCK = 7_345_002;

export interface AuditEntry {
  actorId: string | null;
  actorName: string | null;
  ip: string | null;
  userAgent: string | null;
  action: string;
  nodeId?: string | null | undefined;
  path?: string | null | undefined;
  bytes?: number | null | undefined;
  result: 'success' | 'failure';
  detail?: Record<string, unknown> | null | undefined;
}

export interface AuditQuery {
  actorId?: string | undefined;
  action?: string | undefined;
  pathPrefix?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  offset: number;
  /** Only rows older than this id: keyset paging for exports that must not skip or repeat rows. */
  beforeId?: number | undefined;
  /** Skip counting the matches (an export page does not need the total). */
  withoutTotal?: boolean;
}

type HashedFields = Omit<AuditEvent, 'id' | 'hash'>;

/** The row's own hash covers every field and the previous row's hash, in a fixed order. */
export function hashAuditRow(row: HashedFields): string {
  const canonical = JSON.stringify([
    row.at.toISOString(),
    row.actor_id,
    row.actor_name,
    row.ip,
    row.user_agent,
    row.action,
    row.node_id,
    row.path,
    row.bytes === null ? null : Number(row.bytes),
    row.result,
    row.detail,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export class AuditRepository {
  /** Appends inside the caller's transaction, so the event commits (or not) with the change it records. */
  async append(tx: Kysely<DB>, entry: AuditEntry): Promise<void> {
    await this.appendMany(tx, [entry]);
  }

  /** Appends events in order, each chained to the one before, in one multi-row insert. */
  async appendMany(tx: Kysely<DB>, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(tx);
    const last = await tx.selectFrom('audit_events').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
    let prev = last?.hash ?? AUDIT_GENESIS_HASH;
    // Millisecond precision: what PostgreSQL stores is what the hash covers.
    const at = new Date(Math.floor(Date.now()));
    const rows = entries.map((entry) => {
      const row: HashedFields = {
        at,
        actor_id: entry.actorId,
        actor_name: entry.actorName,
        ip: entry.ip,
        user_agent: entry.userAgent,
        action: entry.action,
        node_id: entry.nodeId ?? null,
        path: entry.path ?? null,
        bytes: entry.bytes ?? null,
        result: entry.result,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
        prev_hash: prev,
      };
      prev = hashAuditRow(row);
      return { ...row, hash: prev };
    });
    await tx.insertInto('audit_events').values(rows).execute();
  }

  async query(db: Kysely<DB>, q: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
    let base = db.selectFrom('audit_events');
    if (q.actorId) base = base.where('actor_id', '=', q.actorId);
    if (q.action) base = base.where('action', '=', q.action);
    if (q.pathPrefix) base = base.where('path', 'like', escapeLike(q.pathPrefix) + '%');
    if (q.from) base = base.where('at', '>=', q.from);
    if (q.to) base = base.where('at', '<', q.to);
    const page = q.beforeId !== undefined ? base.where('id', '<', q.beforeId) : base;
    const [items, count] = await Promise.all([
      page.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
      q.withoutTotal ? Promise.resolve({ n: -1 }) : base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(count.n) };
  }

  /** Walks the chain in id order in pages; returns the first row whose links or content do not match. */
  async verify(db: Kysely<DB>): Promise<{ checked: number; firstBroken: { id: number; reason: string } | null }> {
    let prev = AUDIT_GENESIS_HASH;
    let afterId = 0;
    let checked = 0;
    for (;;) {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(5000)
        .execute();
      if (rows.length === 0) return { checked, firstBroken: null };
      for (const row of rows) {
        if (row.prev_hash !== prev) {
          return { checked, firstBroken: { id: Number(row.id), reason: 'previous-hash link does not match the row before it' } };
        }
        const { id: _id, hash, ...fields } = row;
        if (hashAuditRow(fields) !== hash) {
          return { checked, firstBroken: { id: Number(row.id), reason: 'content does not match its hash (row was altered)' } };
        }
        prev = hash;
        afterId = Number(row.id);
        checked++;
      }
    }
  }
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
