import { createHash, createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AuditEvent, DB } from '../db/schema.js';

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
/** The chain of account and admin events (sign-ins, app passwords, users); every space has its own. */
export const ACCOUNT_CHAIN = 'account';
/** The one unkeyed SHA-256 chain of the events written before chains were keyed (sealed at first start). */
export const LEGACY_CHAIN = 'legacy';

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
  /** The space whose chain takes the event; without it, the space of `nodeId`, else the account chain. */
  spaceId?: string | null | undefined;
}

export interface AuditQuery {
  actorId?: string | undefined;
  /** Events of one space (its chain): what happened to one owner's files, by anyone. */
  chain?: string | undefined;
  /** Events of any of these chains (an organisation's own and its spaces'). */
  chains?: string[] | undefined;
  /** Events an app tied to a business object (see CallContext.related). */
  related?: { type?: string | undefined; id?: string | undefined } | undefined;
  /** Events of visitors of one public link. */
  linkId?: string | undefined;
  /** Events of one support request: asking, deciding, and every request of its session. */
  supportRequest?: string | undefined;
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

type HashedFields = Omit<AuditEvent, 'id' | 'hash' | 'chain' | 'seq' | 'prev_hash'> & { prev_hash: string };

function canonical(row: HashedFields): unknown[] {
  return [
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
  ];
}

/** The unkeyed hash of the legacy chain (events from before chains were keyed). */
export function hashAuditRow(row: HashedFields): string {
  return createHash('sha256').update(JSON.stringify(canonical(row))).digest('hex');
}

/** A keyed row's hash: HMAC-SHA256 over its chain, every field and the previous row's hash. */
export function macAuditRow(key: Buffer, chain: string, row: HashedFields): string {
  return createHmac('sha256', key).update(JSON.stringify([chain, ...canonical(row)])).digest('hex');
}

/** The head's MAC binds the count and newest hash to the chain, so a cut chain cannot be re-anchored. */
export function macAuditHead(key: Buffer, chain: string, count: number, hash: string): string {
  return createHmac('sha256', key).update(JSON.stringify(['head', chain, count, hash])).digest('hex');
}

export type ChainProblemKind = 'altered' | 'broken-link' | 'truncated' | 'head-missing' | 'head-altered';

export interface ChainProblem {
  chain: string;
  kind: ChainProblemKind;
  /** The first event that does not check out, where one does. */
  eventId: number | null;
  /** What the head records, and what the table holds. */
  expected?: { count: number; hash: string };
  found?: { count: number; hash: string };
}

export interface ChainStatus {
  chain: string;
  events: number;
  problem: ChainProblem | null;
}

interface Head {
  event_count: number;
  hash: string;
}

interface Walk {
  count: number;
  last: string;
  problem: ChainProblem | null;
}

export class AuditRepository {
  constructor(private readonly key: Buffer) {}

  /** Appends inside the caller's transaction, so the event commits (or not) with the change it records. */
  append(tx: Kysely<DB>, entry: AuditEntry): Promise<string[]> {
    return this.appendMany(tx, [entry]);
  }

  /**
   * Appends events, pending, in one statement: each goes to its chain (its space) and takes its
   * place there when `seal` runs after the transaction commits. No lock is taken, so writes never
   * queue on a chain. Returns the chains written to, for the sealer.
   */
  async appendMany(tx: Kysely<DB>, entries: AuditEntry[]): Promise<string[]> {
    if (entries.length === 0) return [];
    // Millisecond precision: what PostgreSQL stores is what the hash covers.
    const at = new Date(Date.now());
    const rows = await tx
      .insertInto('audit_events')
      .values(
        entries.map((entry) => ({
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
          chain: sql<string>`coalesce(${entry.spaceId ?? null}::text, (select space_id::text from nodes where id = ${entry.nodeId ?? null}::uuid), ${ACCOUNT_CHAIN})`,
        })),
      )
      .returning('chain')
      .execute();
    return [...new Set(rows.map((r) => r.chain))];
  }

  /** Chains with pending events, oldest first. */
  async pendingChains(db: Kysely<DB>): Promise<string[]> {
    const rows = await db.selectFrom('audit_events').select('chain').distinct().where('seq', 'is', null).execute();
    return rows.map((r) => r.chain);
  }

  /**
   * Seals a chain's pending events in the order they were written: each gets the next place,
   * the previous event's hash and its keyed hash, and the head moves to the last of them, in one
   * transaction holding the head row. With `wait: false` a chain another server is sealing is
   * left to it (0 is returned). Returns how many were sealed, at most `limit` per call, and
   * the id of the last.
   *
   * With `after`, only events with a greater id are looked at: the index of pending events keeps
   * an entry for every event ever sealed until the table is vacuumed, and a scan from the start
   * of the chain reads them all; from `after` it reads only the new ones. An event with a smaller
   * id that commits later (its writer took its id first) is left to a pass without `after`.
   */
  async seal(db: Kysely<DB>, chain: string, options: { wait: boolean; limit?: number; after?: number | undefined }): Promise<{ sealed: number; lastId: number | null }> {
    const limit = options.limit ?? 5000;
    // Most passes find nothing (the events were sealed by an earlier pass): one probe of the
    // pending index answers that, without a transaction.
    const { after } = options;
    const any = await db
      .selectFrom('audit_events')
      .select('id')
      .where('chain', '=', chain)
      .where('seq', 'is', null)
      .$if(after !== undefined, (q) => q.where('id', '>', after!))
      .limit(1)
      .executeTakeFirst();
    if (!any) return { sealed: 0, lastId: null };
    return db.transaction().execute(async (tx) => {
      const head = await this.lockHead(tx, chain, options.wait);
      if (!head) return { sealed: 0, lastId: null };
      const pending = await tx
        .selectFrom('audit_events')
        .select(['id', 'at', 'actor_id', 'actor_name', 'ip', 'user_agent', 'action', 'node_id', 'path', 'bytes', 'result', 'detail'])
        .where('chain', '=', chain)
        .where('seq', 'is', null)
        .$if(after !== undefined, (q) => q.where('id', '>', after!))
        .orderBy('id')
        .limit(limit)
        .execute();
      if (pending.length === 0) return { sealed: 0, lastId: null };
      let count = Number(head.event_count);
      let hash = head.hash;
      const sealed = pending.map(({ id, ...fields }) => {
        const prev = hash;
        hash = macAuditRow(this.key, chain, { ...fields, prev_hash: prev });
        count++;
        return sql`(${id}::bigint, ${count}::bigint, ${prev}::text, ${hash}::text)`;
      });
      await sql`
        update audit_events e set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
          from (values ${sql.join(sealed)}) as v(id, seq, prev_hash, hash)
         where e.id = v.id`.execute(tx);
      await tx
        .updateTable('audit_heads')
        .set({ event_count: count, hash, mac: macAuditHead(this.key, chain, count, hash), updated_at: sql`now()` })
        .where('chain', '=', chain)
        .execute();
      return { sealed: pending.length, lastId: Number(pending[pending.length - 1]!.id) };
    });
  }

  /** The chain's head row, locked for this transaction; made on first use. Undefined when another holds it and `wait` is false. */
  private async lockHead(tx: Kysely<DB>, chain: string, wait: boolean): Promise<Head | undefined> {
    const select = () => {
      const q = tx.selectFrom('audit_heads').select(['event_count', 'hash']).where('chain', '=', chain).forUpdate();
      return (wait ? q : q.skipLocked()).executeTakeFirst();
    };
    const found = await select();
    if (found) return found;
    // No row, or (without waiting) a row another transaction holds: insert tells them apart.
    const made = await tx
      .insertInto('audit_heads')
      .values({ chain, event_count: 0, hash: AUDIT_GENESIS_HASH, mac: macAuditHead(this.key, chain, 0, AUDIT_GENESIS_HASH) })
      .onConflict((oc) => oc.column('chain').doNothing())
      .returning(['event_count', 'hash'])
      .executeTakeFirst();
    if (made) return made;
    return wait ? select() : undefined;
  }

  /**
   * Anchors the events written before chains were keyed: their count and newest hash become the
   * legacy chain's head, MACed like any other, so they cannot be cut or rewritten from now on.
   */
  async sealLegacy(db: Kysely<DB>): Promise<boolean> {
    const sealed = await db.selectFrom('audit_heads').select('chain').where('chain', '=', LEGACY_CHAIN).executeTakeFirst();
    if (sealed) return false;
    const last = await db.selectFrom('audit_events').select('hash').where('chain', '=', LEGACY_CHAIN).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (!last?.hash) return false;
    const { n } = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('chain', '=', LEGACY_CHAIN)
      .executeTakeFirstOrThrow();
    const count = Number(n);
    await db
      .insertInto('audit_heads')
      .values({ chain: LEGACY_CHAIN, event_count: count, hash: last.hash, mac: macAuditHead(this.key, LEGACY_CHAIN, count, last.hash) })
      .onConflict((oc) => oc.column('chain').doNothing())
      .execute();
    return true;
  }

  async query(db: Kysely<DB>, q: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
    let base = db.selectFrom('audit_events');
    if (q.actorId) base = base.where('actor_id', '=', q.actorId);
    if (q.chain) base = base.where('chain', '=', q.chain);
    if (q.chains) base = base.where('chain', 'in', q.chains.length > 0 ? q.chains : ['']);
    // Written as JSON.stringify writes {"related":{"type":…,"id":…}}: matched as text, like the link.
    if (q.related?.type !== undefined && q.related.id !== undefined) {
      base = base.where('detail', 'like', `%"related":{"type":${escapeLike(JSON.stringify(q.related.type))},"id":${escapeLike(JSON.stringify(q.related.id))}}%`);
    } else if (q.related?.type !== undefined) {
      base = base.where('detail', 'like', `%"related":{"type":${escapeLike(JSON.stringify(q.related.type))},%`);
    } else if (q.related?.id !== undefined) {
      base = base.where('detail', 'like', `%"related":{"type":%,"id":${escapeLike(JSON.stringify(q.related.id))}}%`);
    }
    // Details are JSON.stringify'd objects: the key and a uuid appear exactly so, and a text match
    // needs no cast that one odd row could fail.
    if (q.linkId) base = base.where('detail', 'like', `%"link":"${escapeLike(q.linkId)}"%`);
    if (q.supportRequest) {
      const id = escapeLike(q.supportRequest);
      base = base.where((eb) => eb.or([eb('detail', 'like', `%"supportSession":"${id}"%`), eb('detail', 'like', `%"supportRequest":"${id}"%`)]));
    }
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

  /**
   * Walks every chain in order, a page at a time: each sealed event must carry the hash of the
   * one before it in its chain and a keyed hash of its own content; then each chain's end must be
   * what its MACed head records (so deleting the newest events shows). Pending events are counted,
   * not checked: they have no place in a chain yet.
   */
  async verify(db: Kysely<DB>): Promise<{ checked: number; pending: number; chains: ChainStatus[] }> {
    const walks = new Map<string, Walk>();
    let after: { chain: string; seq: number } | null = null;
    let checked = 0;
    for (;;) {
      let page = db.selectFrom('audit_events').selectAll().where('seq', 'is not', null);
      if (after) page = page.where(sql<boolean>`(chain, seq) > (${after.chain}, ${after.seq}::bigint)`);
      const rows = await page.orderBy('chain').orderBy('seq').limit(5000).execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        after = { chain: row.chain, seq: Number(row.seq) };
        checked++;
        let walk = walks.get(row.chain);
        if (!walk) walks.set(row.chain, (walk = { count: 0, last: AUDIT_GENESIS_HASH, problem: null }));
        walk.count++;
        if (walk.problem) continue;
        const { id, hash, chain, seq: _seq, prev_hash, ...rest } = row;
        const fields = { ...rest, prev_hash: prev_hash ?? '' };
        if (prev_hash !== walk.last) {
          walk.problem = { chain, kind: 'broken-link', eventId: Number(id) };
        } else if ((chain === LEGACY_CHAIN ? hashAuditRow(fields) : macAuditRow(this.key, chain, fields)) !== hash) {
          walk.problem = { chain, kind: 'altered', eventId: Number(id) };
        }
        walk.last = hash ?? '';
      }
    }
    const { n: pending } = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('seq', 'is', null)
      .executeTakeFirstOrThrow();
    const heads = new Map<string, Head & { mac: string }>();
    for (const h of await db.selectFrom('audit_heads').select(['chain', 'event_count', 'hash', 'mac']).execute()) {
      heads.set(h.chain, { event_count: Number(h.event_count), hash: h.hash, mac: h.mac });
    }
    const out: ChainStatus[] = [];
    for (const chain of new Set([...walks.keys(), ...heads.keys()])) {
      const walk = walks.get(chain) ?? { count: 0, last: AUDIT_GENESIS_HASH, problem: null };
      out.push({ chain, events: walk.count, problem: walk.problem ?? this.checkHead(chain, walk, heads.get(chain)) });
    }
    out.sort((a, b) => (a.chain === b.chain ? 0 : a.chain < b.chain ? -1 : 1));
    return { checked, pending: Number(pending), chains: out };
  }

  private checkHead(chain: string, walk: Walk, head: (Head & { mac: string }) | undefined): ChainProblem | null {
    const found = { count: walk.count, hash: walk.last };
    if (!head) return { chain, kind: 'head-missing', eventId: null, found };
    if (macAuditHead(this.key, chain, head.event_count, head.hash) !== head.mac) {
      return { chain, kind: 'head-altered', eventId: null, expected: { count: head.event_count, hash: head.hash }, found };
    }
    if (head.event_count !== walk.count || head.hash !== walk.last) {
      return { chain, kind: 'truncated', eventId: null, expected: { count: head.event_count, hash: head.hash }, found };
    }
    return null;
  }

  /** Names of the spaces behind chain ids, for reports a person can act on. */
  async describeChains(db: Kysely<DB>, chains: string[]): Promise<Map<string, string>> {
    const ids = chains.filter((c) => /^[0-9a-f-]{36}$/.test(c));
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const rows = await db
      .selectFrom('spaces')
      .leftJoin('users', 'users.id', 'spaces.owner_user_id')
      .select(['spaces.id', 'spaces.name', 'spaces.kind', 'users.username'])
      .where('spaces.id', 'in', ids)
      .execute();
    for (const r of rows) out.set(r.id, r.kind === 'personal' && r.username ? `${r.username}'s personal space` : `space "${r.name}"`);
    return out;
  }
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
