import type { Insertable } from 'kysely';
import type { LoginFlow, LoginFlowsTable } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** Login flows in the database (see migration 0031): any server may take any step of one. */
export class LoginFlowRepository {
  async insert(db: Db, flow: Insertable<LoginFlowsTable>): Promise<void> {
    await db.insertInto('login_flows').values(flow).execute();
  }

  /** A flow still waiting for its owner, locked against a second grant or refusal. */
  async pendingForUpdate(tx: Db, loginTokenHash: string): Promise<LoginFlow | undefined> {
    return tx
      .selectFrom('login_flows')
      .selectAll()
      .where('login_token_hash', '=', loginTokenHash)
      .where('granted_at', 'is', null)
      .where('expires_at', '>', new Date())
      .forUpdate()
      .executeTakeFirst();
  }

  async pending(db: Db, loginTokenHash: string): Promise<LoginFlow | undefined> {
    return db
      .selectFrom('login_flows')
      .selectAll()
      .where('login_token_hash', '=', loginTokenHash)
      .where('granted_at', 'is', null)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
  }

  async markGranted(tx: Db, id: string, grant: { userId: string; loginName: string; appPasswordId: string; expiresAt: Date }): Promise<void> {
    await tx
      .updateTable('login_flows')
      .set({ granted_at: new Date(), user_id: grant.userId, login_name: grant.loginName, app_password_id: grant.appPasswordId, expires_at: grant.expiresAt })
      .where('id', '=', id)
      .execute();
  }

  async delete(tx: Db, id: string): Promise<void> {
    await tx.deleteFrom('login_flows').where('id', '=', id).execute();
  }

  /**
   * Takes a granted, unexpired flow by its poll token, deleting it in the same statement: of
   * two polls at once on any servers, exactly one gets the row.
   */
  async takeGranted(db: Db, pollTokenHash: string): Promise<LoginFlow | undefined> {
    return db
      .deleteFrom('login_flows')
      .where('poll_token_hash', '=', pollTokenHash)
      .where('granted_at', 'is not', null)
      .where('expires_at', '>', new Date())
      .returningAll()
      .executeTakeFirst();
  }

  /** Deletes expired flows, returning those that were granted but never collected. */
  async deleteExpired(tx: Db): Promise<{ user_id: string | null; app_password_id: string | null; client_name: string }[]> {
    return tx
      .deleteFrom('login_flows')
      .where('expires_at', '<=', new Date())
      .returning(['user_id', 'app_password_id', 'client_name', 'granted_at'])
      .execute()
      .then((rows) => rows.filter((r) => r.granted_at !== null));
  }
}
