import type { CallContext } from '../core/context.js';
import { ACCOUNT_CHAIN, LEGACY_CHAIN, type AuditEntry, type AuditQuery, type AuditRepository, type ChainProblem } from '../repositories/audit.repository.js';
import { auditKeyFingerprint, recordedFingerprint } from './audit-key.js';
import type { Db } from '../repositories/node.repository.js';
import type { AuditSealer } from './audit-sealer.js';
import { StandaloneAuditWriter } from './standalone-audit-writer.js';

export type AuditRecord = Omit<AuditEntry, 'actorId' | 'actorName' | 'ip' | 'userAgent' | 'result'> &
  Partial<Pick<AuditEntry, 'result' | 'actorId' | 'actorName' | 'ip' | 'userAgent'>>;

/**
 * Appends audit events for the caller in `ctx`, inside whatever transaction the change runs in.
 * They commit with the change, pending, and the sealer chains them just after.
 */
export class AuditService {
  private readonly standalone: StandaloneAuditWriter;

  constructor(
    private readonly db: Db,
    private readonly repo: AuditRepository,
    private readonly key: Buffer,
    private readonly sealer: AuditSealer,
  ) {
    this.standalone = new StandaloneAuditWriter(
      (entries) => this.repo.appendMany(this.db, entries),
      (chains) => this.sealer.poke(chains),
    );
  }

  async record(tx: Db, ctx: CallContext | null, event: AuditRecord): Promise<void> {
    this.sealer.poke(await this.repo.append(tx, entryOf(ctx, event)));
  }

  /** Several events of one transaction, in order. */
  async recordMany(tx: Db, events: { ctx: CallContext | null; event: AuditRecord }[]): Promise<void> {
    this.sealer.poke(
      await this.repo.appendMany(
        tx,
        events.map(({ ctx, event }) => entryOf(ctx, event)),
      ),
    );
  }

  /**
   * For events with no change to commit alongside (downloads, failed logins): stored before
   * this resolves, in one statement with whatever other such events arrived meanwhile.
   */
  recordAlone(ctx: CallContext | null, event: AuditRecord): Promise<void> {
    return this.standalone.append(entryOf(ctx, event));
  }

  /** The caller's part of an event, for events a repository writes itself (one-statement commits). */
  entry(ctx: CallContext | null, event: AuditRecord): AuditEntry {
    return entryOf(ctx, event);
  }

  /** Chains that events were written to by a repository itself: the sealer takes them from here. */
  written(chains: string[]): void {
    this.sealer.poke(chains);
  }

  /** Starts the sweep that seals events left pending (by a stopped server, or a missed poke). */
  startSealing(): void {
    this.sealer.start();
  }

  /** Writes what is queued, seals what this process wrote and stops sealing. */
  async close(): Promise<void> {
    await this.standalone.idle();
    await this.sealer.close();
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

  /** Anchors the events from before chains were keyed under the key (first start after the upgrade). */
  sealLegacy(): Promise<boolean> {
    return this.repo.sealLegacy(this.db);
  }

  /**
   * Checks every chain; each problem comes with a sentence that names the chain and what to look
   * at. Pending events are sealed first, so the check covers everything committed until now.
   */
  async verify(): Promise<AuditVerifyReport> {
    await this.sealer.sealAll();
    const { checked, pending, chains } = await this.repo.verify(this.db);
    const broken = chains.flatMap((c) => (c.problem ? [c.problem] : []));
    const names = await this.repo.describeChains(
      this.db,
      broken.map((p) => p.chain),
    );
    const label = (chain: string) =>
      chain === ACCOUNT_CHAIN
        ? 'the account and admin chain'
        : chain === LEGACY_CHAIN
          ? 'the chain of events from before the upgrade'
          : `the chain of ${names.get(chain) ?? 'a deleted space'} (${chain})`;
    const problems = broken.map((p) => ({ ...p, label: label(p.chain), message: describe(p, label(p.chain)) }));
    const fingerprint = await recordedFingerprint(this.db);
    const keyMismatch = fingerprint !== null && fingerprint !== auditKeyFingerprint(this.key);
    return { checked, pending, chains: chains.length, problems, keyMismatch };
  }
}

export interface AuditVerifyReport {
  /** Events checked across all chains. */
  checked: number;
  /** Events written since the seal before the check, not yet in a chain (0 on a quiet server). */
  pending: number;
  /** Chains found (one per space with events, the account chain, the sealed legacy chain). */
  chains: number;
  problems: (ChainProblem & { label: string; message: string })[];
  /** The key in use is not the one the chains were first written with: every chain will look rewritten. */
  keyMismatch: boolean;
}

function short(hash: string): string {
  return hash.slice(0, 16) + '…';
}

function describe(p: ChainProblem, label: string): string {
  switch (p.kind) {
    case 'altered':
      return `In ${label}, event ${p.eventId} was altered or rewritten: its content does not match its keyed hash.`;
    case 'broken-link':
      return `In ${label}, event ${p.eventId} does not follow the event before it: events before it were deleted, inserted or rewritten.`;
    case 'truncated':
      return (
        `${capitalise(label)} is truncated: its head records ${p.expected!.count} events ending in hash ${short(p.expected!.hash)}, ` +
        `but the table holds ${p.found!.count}` +
        (p.found!.count > 0 ? ` ending in hash ${short(p.found!.hash)}` : '') +
        ` (the newest events were deleted, or the table was restored from an older copy).`
      );
    case 'head-missing':
      return `${capitalise(label)} has ${p.found!.count} events but its head record (audit_heads) is missing: it was deleted, so truncation cannot be ruled out.`;
    case 'head-altered':
      return `${capitalise(label)} has a head record (audit_heads) that was altered: its MAC does not match its count and hash.`;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The caller's part of an event. A link visitor acts on its creator's behalf: the event names the
 * link, so the owner's log tells which link (and so which audience) did what.
 */
function entryOf(ctx: CallContext | null, event: AuditRecord): AuditEntry {
  const link = ctx?.actor.link;
  const related = ctx?.related;
  const signed = ctx?.signedUrl;
  const support = ctx?.supportSession;
  return {
    actorId: ctx?.actor.userId ?? null,
    actorName: ctx?.actor.username ?? null,
    ip: ctx?.ip ?? null,
    userAgent: ctx?.userAgent ?? null,
    result: 'success',
    ...event,
    ...(link || related || signed || support
      ? {
          detail: {
            ...event.detail,
            ...(link ? { link: link.id } : {}),
            ...(related ? { related } : {}),
            ...(signed ? { signedUrl: signed } : {}),
            ...(support ? { supportSession: support.requestId } : {}),
          },
        }
      : {}),
  };
}
