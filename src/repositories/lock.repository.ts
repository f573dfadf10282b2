import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Lock, LocksTable } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** "/a/b" for ["a","b"], "/" for the root: how lock paths are stored. */
export function lockPath(segments: string[]): string {
  return '/' + segments.join('/');
}

function likePrefix(path: string): string {
  const base = path === '/' ? '/' : `${path}/`;
  return base.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** A space by id, or the space a user owns (looked up inside the same query). */
export type SpaceRef = string | { ownedBy: string };

function spaceExpr(db: Db, space: SpaceRef) {
  if (typeof space === 'string') return sql<string>`${space}::uuid`;
  return db.selectFrom('spaces').select('id').where('owner_user_id', '=', space.ownedBy);
}

/** SQL for resource locks (WebDAV), shared by all servers through the database. */
export class LockRepository {
  /** Unexpired locks on `path`, on its ancestors with depth infinity, and (with `descendants`) beneath it. */
  async covering(db: Db, space: SpaceRef, segments: string[], descendants: boolean, now: Date, withParent = false): Promise<Lock[]> {
    const self = lockPath(segments);
    const parent = withParent && segments.length > 0 ? [lockPath(segments.slice(0, -1))] : [];
    const ancestors = segments.map((_, i) => lockPath(segments.slice(0, i)));
    return db
      .selectFrom('locks')
      .selectAll()
      .where('space_id', '=', spaceExpr(db, space))
      .where('expires_at', '>', now)
      .where((eb) =>
        eb.or([
          eb('path', 'in', [self, ...parent]),
          ...(ancestors.length > 0 ? [eb.and([eb('path', 'in', ancestors), eb('depth', '=', 'infinity')])] : []),
          ...(descendants ? [eb('path', 'like', likePrefix(self))] : []),
        ]),
      )
      .execute();
  }

  async under(db: Db, space: SpaceRef, segments: string[], now: Date): Promise<Lock[]> {
    const self = lockPath(segments);
    return db
      .selectFrom('locks')
      .selectAll()
      .where('space_id', '=', spaceExpr(db, space))
      .where('expires_at', '>', now)
      .where((eb) => eb.or([eb('path', '=', self), eb('path', 'like', likePrefix(self))]))
      .execute();
  }

  async insert(db: Db, lock: Insertable<LocksTable>): Promise<void> {
    await db.insertInto('locks').values(lock).execute();
  }

  async refresh(db: Db, userId: string, token: string, expiresAt: Date, now: Date): Promise<Lock | undefined> {
    return db
      .updateTable('locks')
      .set({ expires_at: expiresAt })
      .where('token', '=', token)
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
  }

  async remove(db: Db, userId: string, token: string): Promise<boolean> {
    const r = await db.deleteFrom('locks').where('token', '=', token).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async removeUnder(db: Db, space: SpaceRef, segments: string[]): Promise<void> {
    const self = lockPath(segments);
    await db
      .deleteFrom('locks')
      .where('space_id', '=', spaceExpr(db, space))
      .where((eb) => eb.or([eb('path', '=', self), eb('path', 'like', likePrefix(self))]))
      .execute();
  }

  async purgeExpired(db: Db, now: Date): Promise<number> {
    const r = await db.deleteFrom('locks').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Serialises lock creation within a space across servers. */
  async lockSpace(db: Db, spaceId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext(${'locks:' + spaceId}))`.execute(db);
  }
}
