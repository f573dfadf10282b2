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
  /** Events of visitors of one public link. */
  linkId?: string | undefined;
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

type HashedFields = Omit<AuditEvent, 'id' | 'hash' | 'chain'>;

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
  async append(tx: Kysely<DB>, entry: AuditEntry): Promise<void> {
    await this.appendMany(tx, [entry]);
  }

  /**
   * Appends events in order, each chained to the one before it in its own chain. Two statements
   * whatever the count: the first resolves each event's chain (its space) and locks that chain's
   * head row, creating it on first use, in chain order so two transactions never deadlock; the
   * second inserts the rows and moves the heads. The head row is the chain's lock, so writes in
   * different spaces never wait on each other.
   */
  async appendMany(tx: Kysely<DB>, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const wanted = sql.join(entries.map((e, i) => sql`(${i}::int, ${e.nodeId ?? null}::uuid, ${e.spaceId ?? null}::text)`));
    const heads = await sql<{ ord: number; chain: string; event_count: string | number; hash: string }>`
      with e(ord, node_id, space_id) as (values ${wanted}),
      r as (
        select e.ord, coalesce(e.space_id, n.space_id::text, ${ACCOUNT_CHAIN}) as chain
          from e left join nodes n on n.id = e.node_id
      ),
      h as (
        insert into audit_heads (chain, event_count, hash, mac)
        select distinct chain, 0, ${AUDIT_GENESIS_HASH}, '' from r order by chain
        on conflict (chain) do update set event_count = audit_heads.event_count
        returning chain, event_count, hash
      )
      select r.ord, r.chain, h.event_count, h.hash from r join h using (chain) order by r.ord`.execute(tx);

    const state = new Map<string, { count: number; hash: string }>();
    for (const h of heads.rows) state.set(h.chain, { count: Number(h.event_count), hash: h.hash });
    // Millisecond precision: what PostgreSQL stores is what the hash covers.
    const at = new Date(Date.now());
    const rows = entries.map((entry, i) => {
      const chain = heads.rows[i]!.chain;
      const head = state.get(chain)!;
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
        prev_hash: head.hash,
      };
      head.hash = macAuditRow(this.key, chain, row);
      head.count++;
      return { ...row, chain, hash: head.hash };
    });
    const chains = [...state.keys()];
    const pick = <T extends string | number>(f: (chain: string, h: { count: number; hash: string }) => T) =>
      chains.length === 1
        ? sql<T>`${f(chains[0]!, state.get(chains[0]!)!)}`
        : sql<T>`case chain ${sql.join(chains.map((c) => sql`when ${c} then ${f(c, state.get(c)!)}`), sql` `)} end`;
    await tx
      .with('appended', (db) => db.insertInto('audit_events').values(rows))
      .updateTable('audit_heads')
      .set({
        event_count: pick((_c, h) => h.count),
        hash: pick((_c, h) => h.hash),
        mac: pick((c, h) => macAuditHead(this.key, c, h.count, h.hash)),
        updated_at: sql`now()`,
      })
      .where('chain', 'in', chains)
      .execute();
  }

  /**
   * Anchors the events written before chains were keyed: their count and newest hash become the
   * legacy chain's head, MACed like any other, so they cannot be cut or rewritten from now on.
   */
  async sealLegacy(db: Kysely<DB>): Promise<boolean> {
    const sealed = await db.selectFrom('audit_heads').select('chain').where('chain', '=', LEGACY_CHAIN).executeTakeFirst();
    if (sealed) return false;
    const last = await db.selectFrom('audit_events').select('hash').where('chain', '=', LEGACY_CHAIN).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (!last) return false;
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
    // Details are JSON.stringify'd objects: the key and a uuid appear exactly so, and a text match
    // needs no cast that one odd row could fail.
    if (q.linkId) base = base.where('detail', 'like', `%"link":"${escapeLike(q.linkId)}"%`);
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
   * Walks every chain in one pass in id order, a page at a time: each event must carry the hash
   * of the one before it in its chain and a keyed hash of its own content; then each chain's end
   * must be what its MACed head records (so deleting the newest events shows).
   */
  async verify(db: Kysely<DB>): Promise<{ checked: number; chains: ChainStatus[] }> {
    const walks = new Map<string, Walk>();
    let afterId = 0;
    let checked = 0;
    for (;;) {
      const rows = await db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').limit(5000).execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        afterId = Number(row.id);
        checked++;
        let walk = walks.get(row.chain);
        if (!walk) walks.set(row.chain, (walk = { count: 0, last: AUDIT_GENESIS_HASH, problem: null }));
        walk.count++;
        if (walk.problem) continue;
        const { id, hash, chain, ...fields } = row;
        if (row.prev_hash !== walk.last) {
          walk.problem = { chain, kind: 'broken-link', eventId: Number(id) };
        } else if ((chain === LEGACY_CHAIN ? hashAuditRow(fields) : macAuditRow(this.key, chain, fields)) !== hash) {
          walk.problem = { chain, kind: 'altered', eventId: Number(id) };
        }
        walk.last = hash;
      }
    }
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
    return { checked, chains: out };
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
