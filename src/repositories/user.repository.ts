import { sql } from 'kysely';
import type { NewUser, User, UserUpdate } from '../db/schema.js';
import { escapeLike } from './audit.repository.js';
import { walkedPath, walkRows, type Db, type WalkedPath, type WalkRow } from './node.repository.js';

export interface UserListQuery {
  search?: string | undefined;
  status?: User['status'] | undefined;
  role?: User['role'] | undefined;
  sort: 'username' | 'created' | 'used';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface AppPasswordSignInRow {
  id: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
  user_id: string;
  username: string;
  email: string | null;
  role: User['role'];
  status: User['status'];
  session_id: string | null;
  session_ended_at: Date | null;
  session_last_activity_at: Date | null;
}

/** An app-password sign-in and the walks made with it (see findAppPasswordSignIn). */
export interface AppPasswordSignInFound {
  row: AppPasswordSignInRow;
  walks: WalkedPath[];
}

/** The sign-in's columns as selected beside a walk's, whose names they must not take. */
type SignInColumns = { [K in keyof AppPasswordSignInRow as `si_${K}`]: AppPasswordSignInRow[K] };

export type UserWithUsage = User & { quota_bytes: number | null; used_bytes: number; space_id: string | null };

export class UserRepository {
  async getById(db: Db, id: string): Promise<User | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The user and whether the sign-in `familyId` is still open (some token of the family not
   * revoked), in one round trip: logout, reuse detection and password changes end the access
   * tokens of a sign-in at once, not when they expire.
   */
  async getWithSession(db: Db, id: string, familyId: string): Promise<(User & { session_open: boolean }) | undefined> {
    const row = await db
      .selectFrom('users')
      .selectAll()
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('refresh_tokens')
              .select('refresh_tokens.id')
              .where('refresh_tokens.family_id', '=', familyId)
              .whereRef('refresh_tokens.user_id', '=', 'users.id')
              .where('refresh_tokens.revoked_at', 'is', null),
          )
          .as('session_open'),
      )
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { ...row, session_open: Boolean(row.session_open) } : undefined;
  }

  /**
   * The app password with this hash, its owner, and the owner's device session for `device`
   * (null if that device never signed in with it), in one round trip. Revoked passwords are
   * returned too, so the caller can say so; every request reads this afresh, so a revocation or
   * suspension on any server is refused on the next request.
   *
   * `walks` are paths (normalised names) in the owner's own tree that the request is about to
   * look up: the same query walks them (see walkRows) when the password is live and its owner
   * active, so a request pays one round trip for who it is and where it goes. The walks come
   * back in the order asked, each as walkFromHome would return it; empty where the sign-in
   * would be refused.
   */
  async findAppPasswordSignIn(db: Db, tokenHash: string, device: string, walks: readonly string[][] = []): Promise<AppPasswordSignInFound | undefined> {
    // Only a live password of an active user walks anything: the walk starts from no node otherwise.
    const home = sql`select sp.root_node_id from spaces sp where sp.owner_user_id = si.si_user_id and si.si_revoked_at is null and si.si_status = 'active'`;
    const along =
      walks.length === 0
        ? sql``
        : sql`left join lateral (${sql.join(
            walks.map((names, i) => sql`select ${sql.lit(i)} as ord, w.* from (${walkRows(home, names)}) w`),
            sql` union all `,
          )}) walk on true
          order by walk.ord, walk.depth`;
    const result = await sql<SignInColumns & Partial<WalkRow & { ord: number }>>`
      select *
        from (select ap.id as si_id, ap.last_used_at as si_last_used_at, ap.revoked_at as si_revoked_at,
                     u.id as si_user_id, u.username as si_username, u.email as si_email, u.role as si_role, u.status as si_status,
                     ps.id as si_session_id, ps.ended_at as si_session_ended_at, ps.last_activity_at as si_session_last_activity_at
                from app_passwords ap
                join users u on u.id = ap.user_id
                left join protocol_sessions ps on ps.app_password_id = ap.id and ps.device = ${device}
               where ap.token_hash = ${tokenHash}) si
        ${along}`.execute(db);
    const first = result.rows[0];
    if (!first) return undefined;
    const byOrd: WalkRow[][] = walks.map(() => []);
    // The walk's own columns: every one but ord and the sign-in's (the same for every row).
    const own = Object.keys(first).filter((k) => k !== 'ord' && !k.startsWith('si_'));
    for (const r of result.rows) {
      if (r.ord === undefined || r.ord === null) continue;
      const row = r as unknown as Record<string, unknown>;
      const walked: Record<string, unknown> = {};
      for (const k of own) walked[k] = row[k];
      byOrd[r.ord]!.push(walked as unknown as WalkRow);
    }
    return {
      row: {
        id: first.si_id,
        last_used_at: first.si_last_used_at,
        revoked_at: first.si_revoked_at,
        user_id: first.si_user_id,
        username: first.si_username,
        email: first.si_email,
        role: first.si_role,
        status: first.si_status,
        session_id: first.si_session_id,
        session_ended_at: first.si_session_ended_at,
        session_last_activity_at: first.si_session_last_activity_at,
      },
      walks: byOrd.map(walkedPath),
    };
  }

  /**
   * Revokes one of the user's app passwords and ends the sessions of every device that signed in
   * with it; undefined when the user has no such live app password.
   */
  async revokeAppPassword(tx: Db, userId: string, id: string): Promise<{ id: string; name: string } | undefined> {
    const now = new Date();
    const row = await tx
      .updateTable('app_passwords')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning(['id', 'name'])
      .executeTakeFirst();
    if (row) await tx.updateTable('protocol_sessions').set({ ended_at: now }).where('app_password_id', '=', id).where('ended_at', 'is', null).execute();
    return row;
  }

  /** By username or email, case-insensitively. */
  async findByLogin(db: Db, login: string): Promise<User | undefined> {
    const l = login.trim().toLowerCase();
    return db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb(sql`lower(username)`, '=', l), eb(sql`lower(email)`, '=', l)]))
      .orderBy(sql`lower(username) = ${l}`, 'desc')
      .executeTakeFirst();
  }

  /**
   * Active people whose username or display name starts with `prefix` (or contains it, ranked
   * after), for picking whom to share with. Emails are neither searched nor returned.
   */
  async searchActive(db: Db, prefix: string, limit: number): Promise<Pick<User, 'id' | 'username' | 'display_name'>[]> {
    const l = prefix.trim().toLowerCase();
    const starts = escapeLike(l) + '%';
    const contains = '%' + escapeLike(l) + '%';
    return db
      .selectFrom('users')
      .select(['id', 'username', 'display_name'])
      .where('status', '=', 'active')
      .where((eb) => eb.or([eb(sql`lower(username)`, 'like', contains), eb(sql`lower(display_name)`, 'like', contains)]))
      .orderBy(sql`(lower(username) like ${starts} or lower(display_name) like ${starts})`, 'desc')
      .orderBy('username')
      .limit(limit)
      .execute();
  }

  async insert(db: Db, user: NewUser): Promise<User> {
    return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  }

  async update(db: Db, id: string, patch: UserUpdate): Promise<User | undefined> {
    return db
      .updateTable('users')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async list(db: Db, q: UserListQuery): Promise<{ items: UserWithUsage[]; total: number }> {
    let base = db.selectFrom('users').leftJoin('spaces', 'spaces.owner_user_id', 'users.id');
    if (q.search) {
      const like = '%' + escapeLike(q.search.toLowerCase()) + '%';
      base = base.where((eb) =>
        eb.or([
          eb(sql`lower(users.username)`, 'like', like),
          eb(sql`lower(users.email)`, 'like', like),
          eb(sql`lower(users.display_name)`, 'like', like),
        ]),
      );
    }
    if (q.status) base = base.where('users.status', '=', q.status);
    else base = base.where('users.status', '!=', 'deleted');
    if (q.role) base = base.where('users.role', '=', q.role);
    const column = q.sort === 'username' ? 'users.username' : q.sort === 'created' ? 'users.created_at' : 'spaces.used_bytes';
    const [items, count] = await Promise.all([
      base
        .selectAll('users')
        .select(['spaces.quota_bytes', 'spaces.used_bytes', 'spaces.id as space_id'])
        .orderBy(column, q.order)
        .orderBy('users.id')
        .limit(q.limit)
        .offset(q.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      items: items.map((u) => ({ ...u, used_bytes: Number(u.used_bytes ?? 0), quota_bytes: u.quota_bytes ?? null })),
      total: Number(count.n),
    };
  }

  /**
   * The active admins' ids, row-locked until the transaction ends: two admins stepping down at
   * once are serialised, and the second sees the first's change.
   */
  async lockActiveAdmins(tx: Db): Promise<string[]> {
    const rows = await tx.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').forUpdate().execute();
    return rows.map((r) => r.id);
  }

  /** The name of a tenant organisation the user belongs to, if any. */
  async tenantOf(db: Db, userId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('org_members as m')
      .innerJoin('organisations as o', 'o.id', 'm.org_id')
      .select('o.name')
      .where('m.user_id', '=', userId)
      .where('o.tenant', '=', true)
      .executeTakeFirst();
    return row?.name;
  }
}
