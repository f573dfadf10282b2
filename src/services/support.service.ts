import { randomUUID } from 'node:crypto';
import type { CallContext } from '../core/context.js';
import { badRequest, conflict, CofferError, forbidden, notFound } from '../core/errors.js';
import { isUuid } from '../core/names.js';
import type { AuditEvent, SupportAccess, SupportRequest, SupportStatus } from '../db/schema.js';
import type { AccessRepository } from '../repositories/access.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { OrgRepository } from '../repositories/org.repository.js';
import type { SupportRepository, SupportRequestRow } from '../repositories/support.repository.js';
import type { AuditService } from './audit.service.js';
import { orgChain } from './orgs.service.js';

/** How long an approval waits to be used before it lapses. */
export const APPROVAL_VALID_HOURS = 24;
/** The longest session an owner can grant (and anyone can ask for). */
export const MAX_SESSION_MINUTES = 480;
export const DEFAULT_SESSION_MINUTES = 60;

/** A request as shown: its status as of now (a session past its end has ended, an unused approval lapsed). */
export type ShownStatus = SupportStatus | 'expired';

export interface ShownSupportRequest extends SupportRequestRow {
  shown_status: ShownStatus;
}

export interface SupportDeps {
  db: Db;
  repo: SupportRepository;
  orgs: OrgRepository;
  access: AccessRepository;
  audit: AuditService;
}

/**
 * Owner-approved support access. An instance admin or an admin of the organisation asks for
 * access to one of its spaces, with a reason; one of its owners approves (read-only unless they
 * give more, for a limited time) or refuses. The approval is used once: the session starts when
 * its asker starts it and ends at its time, when they end it, or when an owner revokes it. The
 * access check finds a running session itself (coffer_support_access), so without one nobody
 * reaches the files; every request made with one is audited, and the owners see the list.
 */
export class SupportService {
  constructor(private readonly d: SupportDeps) {}

  private get db() {
    return this.d.db;
  }

  async request(ctx: CallContext, spaceId: string, input: { reason: string; access?: SupportAccess | undefined; minutes?: number | undefined }): Promise<ShownSupportRequest> {
    this.assertPerson(ctx);
    const space = isUuid(spaceId) ? await this.d.access.space(this.db, spaceId) : undefined;
    if (!space?.org_id) throw notFound(`No organisation space with id ${spaceId}`);
    const orgId = space.org_id;
    const role = await this.d.orgs.roleOf(this.db, orgId, ctx.actor.userId);
    if (role === undefined && ctx.actor.role !== 'admin') throw notFound(`No organisation space with id ${spaceId}`);
    if (role !== 'admin' && !(role === undefined && ctx.actor.role === 'admin')) {
      throw forbidden('Support access is asked for by instance administrators and the organisation’s admins; owners and members hold their access by their role');
    }
    if (await this.d.access.spaceRole(this.db, space.id, ctx.actor.userId)) throw conflict('You can reach this space already; support access is for those who cannot');
    const reason = input.reason.trim();
    if (reason.length < 5 || reason.length > 2000) throw badRequest('Say why you need access (5 to 2,000 characters): the owner decides on it');
    const minutes = checkMinutes(input.minutes ?? DEFAULT_SESSION_MINUTES);
    const access = input.access ?? 'read';
    const id = randomUUID();
    await this.db.transaction().execute(async (tx) => {
      const open = await this.d.repo.openFor(tx, space.id, ctx.actor.userId, APPROVAL_VALID_HOURS);
      if (open) throw conflict(`You have a request for this space already (${open.status}); cancel it or wait for it to end`);
      await this.d.repo.insert(tx, { id, org_id: orgId, space_id: space.id, requested_by: ctx.actor.userId, reason, access, minutes });
      await this.d.audit.record(tx, ctx, { action: 'support.request', spaceId: space.id, detail: { supportRequest: id, reason, access, minutes } });
    });
    return this.shown((await this.d.repo.get(this.db, id))!);
  }

  /** An organisation's requests: all of them for its owners; an admin sees their own. */
  async ofOrg(ctx: CallContext, orgId: string): Promise<ShownSupportRequest[]> {
    const role = await this.d.orgs.roleOf(this.db, orgId, ctx.actor.userId);
    if (role === undefined && ctx.actor.role !== 'admin') throw notFound('No such organisation');
    const rows = await this.d.repo.ofOrg(this.db, orgId, 500);
    return rows.filter((r) => role === 'owner' || r.requested_by === ctx.actor.userId).map((r) => this.shown(r));
  }

  /** The requests the caller made, anywhere. */
  async mine(ctx: CallContext): Promise<ShownSupportRequest[]> {
    if (ctx.actor.link || ctx.actor.service) return [];
    return (await this.d.repo.byRequester(this.db, ctx.actor.userId, 200)).map((r) => this.shown(r));
  }

  async get(ctx: CallContext, id: string): Promise<ShownSupportRequest> {
    const { row } = await this.visible(ctx, id);
    return this.shown(row);
  }

  /** An owner approves: access and time as asked unless they choose otherwise. */
  async approve(ctx: CallContext, id: string, input: { access?: SupportAccess | undefined; minutes?: number | undefined; note?: string | undefined }): Promise<ShownSupportRequest> {
    const minutes = input.minutes === undefined ? undefined : checkMinutes(input.minutes);
    return this.decide(ctx, id, 'owner', ['pending'], (r) => ({
      status: 'approved',
      access: input.access ?? r.access,
      minutes: minutes ?? r.minutes,
      decided_by: ctx.actor.userId,
      decided_at: new Date(),
      decision_note: note(input.note),
    }));
  }

  async refuse(ctx: CallContext, id: string, input: { note?: string | undefined }): Promise<ShownSupportRequest> {
    return this.decide(ctx, id, 'owner', ['pending'], () => ({ status: 'refused', decided_by: ctx.actor.userId, decided_at: new Date(), decision_note: note(input.note) }));
  }

  /** The asker starts the approved session, once; it runs for the approved time from now. */
  async start(ctx: CallContext, id: string): Promise<ShownSupportRequest> {
    return this.decide(ctx, id, 'requester', ['approved'], (r) => {
      const now = new Date();
      return { status: 'active', started_at: now, ends_at: new Date(now.getTime() + r.minutes * 60_000) };
    });
  }

  /** The asker ends the session early. */
  async end(ctx: CallContext, id: string): Promise<ShownSupportRequest> {
    return this.decide(ctx, id, 'requester', ['active'], () => ({ status: 'ended', ended_at: new Date() }));
  }

  async cancel(ctx: CallContext, id: string): Promise<ShownSupportRequest> {
    return this.decide(ctx, id, 'requester', ['pending', 'approved'], () => ({ status: 'cancelled', ended_at: new Date() }));
  }

  /** An owner takes an approval back, or stops a running session: on the next request, on every server. */
  async revoke(ctx: CallContext, id: string): Promise<ShownSupportRequest> {
    return this.decide(ctx, id, 'owner', ['approved', 'active'], () => ({ status: 'revoked', ended_at: new Date() }));
  }

  /** What was done under a request: its own events and every request of its session. */
  async activity(ctx: CallContext, id: string, page: { limit: number; offset: number }): Promise<{ items: AuditEvent[]; total: number }> {
    const { row } = await this.visible(ctx, id);
    return this.d.audit.query({ chain: row.space_id, supportRequest: row.id, limit: page.limit, offset: page.offset });
  }

  private async decide(
    ctx: CallContext,
    id: string,
    who: 'owner' | 'requester',
    from: SupportStatus[],
    change: (r: SupportRequest) => Parameters<SupportRepository['update']>[2],
  ): Promise<ShownSupportRequest> {
    const { row, owner } = await this.visible(ctx, id);
    if (who === 'owner' && !owner) throw forbidden(`Only owners of ${row.org_name} decide on support access`);
    if (who === 'requester' && row.requested_by !== ctx.actor.userId) throw forbidden('Only whoever asked for this access can do this');
    await this.db.transaction().execute(async (tx) => {
      const locked = (await this.d.repo.lock(tx, id))!;
      const status = this.statusOf(locked);
      if (status === 'expired') throw new CofferError(410, 'approval-lapsed', `The approval was not used within ${APPROVAL_VALID_HOURS} hours; ask again`);
      if (!from.includes(locked.status) || (locked.status === 'active' && status === 'ended')) {
        throw conflict(`This request is ${status} already`);
      }
      const patch = change(locked);
      await this.d.repo.update(tx, id, patch);
      await this.d.audit.record(tx, ctx, { action: `support.${ACTION[patch.status]}`, spaceId: locked.space_id, detail: { supportRequest: id, ...detailOf(patch) } });
      if (patch.status === 'approved' || patch.status === 'refused' || patch.status === 'revoked') {
        await this.d.audit.record(tx, ctx, { action: `support.${ACTION[patch.status]}`, spaceId: orgChain(locked.org_id), detail: { supportRequest: id, space: locked.space_id } });
      }
    });
    return this.shown((await this.d.repo.get(this.db, id))!);
  }

  /** A request its asker or an owner of its organisation may see; 404 for anyone else. */
  private async visible(ctx: CallContext, id: string): Promise<{ row: SupportRequestRow; owner: boolean }> {
    this.assertPerson(ctx);
    const row = isUuid(id) ? await this.d.repo.get(this.db, id) : undefined;
    if (!row) throw notFound(`No support request ${id}`);
    const owner = (await this.d.orgs.roleOf(this.db, row.org_id, ctx.actor.userId)) === 'owner';
    if (!owner && row.requested_by !== ctx.actor.userId) throw notFound(`No support request ${id}`);
    return { row, owner };
  }

  private assertPerson(ctx: CallContext): void {
    if (ctx.actor.link || ctx.actor.service) throw forbidden('Support access is between people');
  }

  private statusOf(r: Pick<SupportRequest, 'status' | 'ends_at' | 'decided_at'>, now = Date.now()): ShownStatus {
    if (r.status === 'active' && r.ends_at && r.ends_at.getTime() <= now) return 'ended';
    if (r.status === 'approved' && r.decided_at && now - r.decided_at.getTime() > APPROVAL_VALID_HOURS * 3_600_000) return 'expired';
    return r.status;
  }

  private shown(r: SupportRequestRow): ShownSupportRequest {
    return { ...r, shown_status: this.statusOf(r) };
  }
}

const ACTION: Record<SupportStatus, string> = {
  pending: 'request',
  approved: 'approve',
  refused: 'refuse',
  cancelled: 'cancel',
  active: 'start',
  ended: 'end',
  revoked: 'revoke',
};

function detailOf(patch: Parameters<SupportRepository['update']>[2]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (patch.access !== undefined) out.access = patch.access;
  if (patch.minutes !== undefined) out.minutes = patch.minutes;
  if (patch.decision_note) out.note = patch.decision_note;
  if (patch.ends_at) out.endsAt = patch.ends_at.toISOString();
  return out;
}

function checkMinutes(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > MAX_SESSION_MINUTES) throw badRequest(`A support session lasts 5 to ${MAX_SESSION_MINUTES} minutes`);
  return minutes;
}

function note(text: string | undefined): string | null {
  const t = text?.trim();
  if (!t) return null;
  if (t.length > 2000) throw badRequest('A note is at most 2,000 characters');
  return t;
}
