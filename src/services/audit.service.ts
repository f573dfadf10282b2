import type { CallContext } from '../core/context.js';
import type { AuditRepository, AuditEntry, AuditQuery } from '../repositories/audit.repository.js';
import type { Db } from '../repositories/node.repository.js';

export type AuditRecord = Omit<AuditEntry, 'actorId' | 'actorName' | 'ip' | 'userAgent' | 'result'> &
  Partial<Pick<AuditEntry, 'result' | 'actorId' | 'actorName' | 'ip' | 'userAgent'>>;

/** Appends audit events for the caller in `ctx`, inside whatever transaction the change runs in. */
export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly repo: AuditRepository,
  ) {}

  async record(tx: Db, ctx: CallContext | null, event: AuditRecord): Promise<void> {
    await this.repo.append(tx, {
      actorId: ctx?.actor.userId ?? null,
      actorName: ctx?.actor.username ?? null,
      ip: ctx?.ip ?? null,
      userAgent: ctx?.userAgent ?? null,
      result: 'success',
      ...event,
    });
  }

  /** Several events of one transaction, chained in order under one lock. */
  async recordMany(tx: Db, events: { ctx: CallContext | null; event: AuditRecord }[]): Promise<void> {
    await this.repo.appendMany(
      tx,
      events.map(({ ctx, event }) => ({
        actorId: ctx?.actor.userId ?? null,
        actorName: ctx?.actor.username ?? null,
        ip: ctx?.ip ?? null,
        userAgent: ctx?.userAgent ?? null,
        result: 'success' as const,
        ...event,
      })),
    );
  }

  /** For events with no change to commit alongside (downloads, failed logins). */
  async recordAlone(ctx: CallContext | null, event: AuditRecord): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await this.repo.append(tx, {
        actorId: ctx?.actor.userId ?? null,
        actorName: ctx?.actor.username ?? null,
        ip: ctx?.ip ?? null,
        userAgent: ctx?.userAgent ?? null,
        result: 'success',
        ...event,
      });
    });
  }

  query(q: AuditQuery) {
    return this.repo.query(this.db, q);
  }

  /**
   * Every matching event, newest first, a page at a time. Pages follow ids, so rows recorded while
   * the export runs are neither repeated nor shift later pages.
   */
  async *exportAll(filter: Omit<AuditQuery, 'limit' | 'offset' | 'beforeId' | 'withoutTotal'>, pageSize = 1000) {
    let beforeId: number | undefined;
    for (;;) {
      const { items } = await this.repo.query(this.db, { ...filter, limit: pageSize, offset: 0, beforeId, withoutTotal: true });
      if (items.length === 0) return;
      yield items;
      if (items.length < pageSize) return;
      beforeId = Number(items[items.length - 1]!.id);
    }
  }

  verify() {
    return this.repo.verify(this.db);
  }
}
