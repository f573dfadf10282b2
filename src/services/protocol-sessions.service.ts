import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { CallContext } from '../core/context.js';
import { CofferError, notFound, unauthorized } from '../core/errors.js';
import type { Db } from '../repositories/node.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import type { AuditService } from './audit.service.js';
import type { DeviceSession } from './auth.service.js';

/** A session idle this long no longer counts against the limit (and is listed as expired). */
const IDLE_DAYS = 30;
const TOUCH_EVERY_MS = 60_000;

/** The device a request comes from, as its User-Agent names it (what sessions are keyed by). */
export function deviceName(userAgent: string | null): string {
  return (userAgent ?? 'unknown client').slice(0, 200);
}

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
 * client, at most `maxActive` active per user. Ending a session revokes the app password the
 * device signed in with (on every server at once): it, and any other device that used it, need
 * a new one to come back.
 */
export class ProtocolSessionsService {
  constructor(
    private readonly db: Db,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
    private readonly maxActive: number,
  ) {}

  /**
   * Records activity of the caller's device, opening its session if needed. `seen` is the
   * device's session as the sign-in query found it, so a known device costs no extra query.
   */
  async touch(ctx: CallContext, seen: DeviceSession | null): Promise<void> {
    const { actor } = ctx;
    if (actor.via !== 'app-password' || !actor.appPasswordId) return;
    if (seen) {
      if (seen.endedAt !== null) {
        throw unauthorized('This device was signed out; create a new app password to connect it again');
      }
      if (Date.now() - seen.lastActivityAt.getTime() > TOUCH_EVERY_MS) {
        await this.db.updateTable('protocol_sessions').set({ last_activity_at: new Date(), ip: ctx.ip }).where('id', '=', seen.id).execute();
      }
      return;
    }
    const device = deviceName(ctx.userAgent);
    const appPasswordId = actor.appPasswordId;
    await this.db.transaction().execute(async (tx) => {
      // One user's devices are counted and added one at a time, on every server.
      await sql`select pg_advisory_xact_lock(hashtext(${'protocol-sessions:' + actor.userId}))`.execute(tx);
      // A client opens several connections at once: their first requests all arrive before the
      // session exists, and all but the first find it here once they hold the lock.
      const opened = await tx
        .selectFrom('protocol_sessions')
        .select('ended_at')
        .where('app_password_id', '=', appPasswordId)
        .where('device', '=', device)
        .executeTakeFirst();
      if (opened) {
        if (opened.ended_at !== null) throw unauthorized('This device was signed out; create a new app password to connect it again');
        return;
      }
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

  /**
   * Signs a device out: ends its session and revokes the app password it signed in with (and so
   * the sessions of any other device that used that password). Signing out must end what signed
   * in; the revocation is a row change every server reads on its next request.
   */
  async end(ctx: CallContext, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const session = await tx
        .updateTable('protocol_sessions')
        .set({ ended_at: new Date() })
        .where('id', '=', /^[0-9a-f-]{36}$/i.test(id) ? id : '00000000-0000-0000-0000-000000000000')
        .where('user_id', '=', ctx.actor.userId)
        .where('ended_at', 'is', null)
        .returning(['app_password_id'])
        .executeTakeFirst();
      if (!session) throw notFound(`No session ${id}`);
      const appPasswordId = session.app_password_id;
      if (appPasswordId !== null) await this.users.revokeAppPassword(tx, ctx.actor.userId, appPasswordId);
      await this.audit.record(tx, ctx, { action: 'session.end', detail: { id, revokedAppPasswordId: appPasswordId } });
    });
  }
}
