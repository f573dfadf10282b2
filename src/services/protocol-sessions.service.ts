import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { CallContext } from '../core/context.js';
import { CofferError, notFound, unauthorized } from '../core/errors.js';
import type { Db } from '../repositories/node.repository.js';
import type { AuditService } from './audit.service.js';

/** A session idle this long no longer counts against the limit (and is listed as expired). */
const IDLE_DAYS = 30;
const TOUCH_EVERY_MS = 60_000;
const RECENT_MS = 2_000;

export interface ProtocolSessionView {
  id: string;
  device: string;
  app_password_id: string | null;
  app_password_name: string | null;
  ip: string | null;
  created_at: Date;
  last_activity_at: Date;
  active: boolean;
}

/**
 * Devices signed in with an app password (WebDAV clients): one session per app password and
 * client, at most `maxActive` active per user. Ending a session locks that device out of that
 * app password; it needs a new one to come back.
 */
export class ProtocolSessionsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly maxActive: number,
  ) {}

  /**
   * Devices seen active in the last RECENT_MS on this server, so a burst of requests checks the
   * session once; a sign-out on another server therefore applies within that time.
   */
  private readonly recent = new Map<string, number>();

  /** Records activity of the caller's device, opening its session if needed. */
  async touch(ctx: CallContext): Promise<void> {
    const { actor } = ctx;
    if (actor.via !== 'app-password' || !actor.appPasswordId) return;
    const device = (ctx.userAgent ?? 'unknown client').slice(0, 200);
    const key = `${actor.appPasswordId}\u0000${device}`;
    if ((this.recent.get(key) ?? 0) > Date.now()) return;
    await this.touchNow(ctx, actor.appPasswordId, device);
    if (this.recent.size >= 10_000) this.recent.clear();
    this.recent.set(key, Date.now() + RECENT_MS);
  }

  private async touchNow(ctx: CallContext, appPasswordId: string, device: string): Promise<void> {
    const { actor } = ctx;
    const existing = await this.db
      .selectFrom('protocol_sessions')
      .selectAll()
      .where('app_password_id', '=', appPasswordId)
      .where('device', '=', device)
      .executeTakeFirst();
    if (existing) {
      if (existing.ended_at !== null) {
        throw unauthorized('This device was signed out; create a new app password to connect it again');
      }
      if (Date.now() - existing.last_activity_at.getTime() > TOUCH_EVERY_MS) {
        await this.db.updateTable('protocol_sessions').set({ last_activity_at: new Date(), ip: ctx.ip }).where('id', '=', existing.id).execute();
      }
      return;
    }
    await this.db.transaction().execute(async (tx) => {
      // One user's devices are counted and added one at a time, on every server.
      await sql`select pg_advisory_xact_lock(hashtext(${'protocol-sessions:' + actor.userId}))`.execute(tx);
      const active = await tx
        .selectFrom('protocol_sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', actor.userId)
        .where('ended_at', 'is', null)
        .where('last_activity_at', '>', new Date(Date.now() - IDLE_DAYS * 86_400_000))
        .executeTakeFirstOrThrow();
      if (Number(active.n) >= this.maxActive) {
        throw new CofferError(
          403,
          'too-many-sessions',
          `You already have ${this.maxActive} devices connected; sign one out under Account → Devices (DELETE /api/v1/account/sessions/{id}) first`,
          { limit: this.maxActive },
        );
      }
      const id = randomUUID();
      await tx
        .insertInto('protocol_sessions')
        .values({ id, user_id: actor.userId, app_password_id: appPasswordId, device, ip: ctx.ip })
        .onConflict((oc) => oc.columns(['app_password_id', 'device']).doNothing())
        .execute();
      await this.audit.record(tx, ctx, { action: 'session.open', detail: { id, device } });
    });
  }

  async list(ctx: CallContext): Promise<ProtocolSessionView[]> {
    const rows = await this.db
      .selectFrom('protocol_sessions')
      .leftJoin('app_passwords', 'app_passwords.id', 'protocol_sessions.app_password_id')
      .select([
        'protocol_sessions.id',
        'protocol_sessions.device',
        'protocol_sessions.app_password_id',
        'app_passwords.name as app_password_name',
        'protocol_sessions.ip',
        'protocol_sessions.created_at',
        'protocol_sessions.last_activity_at',
      ])
      .where('protocol_sessions.user_id', '=', ctx.actor.userId)
      .where('protocol_sessions.ended_at', 'is', null)
      .orderBy('protocol_sessions.last_activity_at', 'desc')
      .execute();
    const cutoff = Date.now() - IDLE_DAYS * 86_400_000;
    return rows.map((r) => ({ ...r, active: r.last_activity_at.getTime() > cutoff }));
  }

  async end(ctx: CallContext, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('protocol_sessions')
        .set({ ended_at: new Date() })
        .where('id', '=', /^[0-9a-f-]{36}$/i.test(id) ? id : '00000000-0000-0000-0000-000000000000')
        .where('user_id', '=', ctx.actor.userId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound(`No session ${id}`);
      this.recent.clear();
      await this.audit.record(tx, ctx, { action: 'session.end', detail: { id } });
    });
  }
}
