import { sql } from 'kysely';
import type { ApiKey, OrgStatus, ServiceAccount, ServicePermission } from '../db/schema.js';
import type { Db } from './node.repository.js';

export interface ScopeRow {
  space_id: string;
  space_name: string;
  path_prefix: string;
  permissions: ServicePermission[];
}

export type ServiceAccountRow = ServiceAccount & { scopes: ScopeRow[]; keys: Omit<ApiKey, 'token_hash'>[] };

/** What signing in with an API key needs, in one row. */
export interface KeySignIn {
  key_id: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  account_id: string;
  account_name: string;
  disabled_at: Date | null;
  org_id: string;
  org_status: OrgStatus;
  scopes: { space_id: string; path_prefix: string; permissions: ServicePermission[] }[];
}

/** SQL for service accounts, their scopes and their API keys. */
export class ServiceAccountRepository {
  async list(db: Db, orgId: string, id?: string): Promise<ServiceAccountRow[]> {
    const result = await sql<ServiceAccountRow>`
      select a.*,
             coalesce((select json_agg(json_build_object('space_id', sc.space_id, 'space_name', s.name, 'path_prefix', sc.path_prefix, 'permissions', sc.permissions) order by lower(s.name))
                         from service_account_scopes sc join spaces s on s.id = sc.space_id where sc.service_account_id = a.id), '[]'::json) as scopes,
             coalesce((select json_agg(json_build_object('id', k.id, 'service_account_id', k.service_account_id, 'name', k.name, 'hint', k.hint, 'created_at', k.created_at,
                                                         'expires_at', k.expires_at, 'last_used_at', k.last_used_at, 'revoked_at', k.revoked_at) order by k.created_at)
                         from api_keys k where k.service_account_id = a.id), '[]'::json) as keys
        from service_accounts a
       where a.org_id = ${orgId}::uuid and (${id ?? null}::uuid is null or a.id = ${id ?? null}::uuid)
       order by lower(a.name), a.id`.execute(db);
    return result.rows;
  }

  async byName(db: Db, orgId: string, name: string): Promise<ServiceAccount | undefined> {
    return db.selectFrom('service_accounts').selectAll().where('org_id', '=', orgId).where(sql`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
  }

  async insert(db: Db, row: { id: string; org_id: string; name: string; created_by: string | null }): Promise<void> {
    await db.insertInto('service_accounts').values(row).execute();
  }

  async update(db: Db, id: string, patch: { name?: string | undefined; disabled_at?: Date | null | undefined }): Promise<void> {
    if (patch.name === undefined && patch.disabled_at === undefined) return;
    await db.updateTable('service_accounts').set(patch).where('id', '=', id).execute();
  }

  async delete(db: Db, id: string): Promise<void> {
    await db.deleteFrom('service_accounts').where('id', '=', id).execute();
  }

  async replaceScopes(db: Db, accountId: string, scopes: { space_id: string; path_prefix: string; permissions: ServicePermission[] }[]): Promise<void> {
    await db.deleteFrom('service_account_scopes').where('service_account_id', '=', accountId).execute();
    if (scopes.length === 0) return;
    await db
      .insertInto('service_account_scopes')
      .values(scopes.map((s) => ({ service_account_id: accountId, space_id: s.space_id, path_prefix: s.path_prefix, permissions: sql<ServicePermission[]>`${s.permissions}::text[]` })))
      .execute();
  }

  async insertKey(db: Db, row: { id: string; service_account_id: string; name: string; token_hash: string; hint: string; expires_at: Date | null }): Promise<void> {
    await db.insertInto('api_keys').values(row).execute();
  }

  async revokeKey(db: Db, accountId: string, keyId: string): Promise<boolean> {
    const r = await db
      .updateTable('api_keys')
      .set({ revoked_at: sql`now()` })
      .where('service_account_id', '=', accountId)
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** By the key's hash (a request signing in), or by its id (a signed URL it issued, checked again at use). */
  async signIn(db: Db, by: { tokenHash: string } | { keyId: string }): Promise<KeySignIn | undefined> {
    const where = 'tokenHash' in by ? sql`k.token_hash = ${by.tokenHash}` : sql`k.id = ${by.keyId}::uuid`;
    const result = await sql<KeySignIn>`
      select k.id as key_id, k.expires_at, k.revoked_at, k.last_used_at,
             a.id as account_id, a.name as account_name, a.disabled_at, a.org_id, o.status as org_status,
             coalesce((select json_agg(json_build_object('space_id', sc.space_id, 'path_prefix', sc.path_prefix, 'permissions', sc.permissions))
                         from service_account_scopes sc where sc.service_account_id = a.id), '[]'::json) as scopes
        from api_keys k
        join service_accounts a on a.id = k.service_account_id
        join organisations o on o.id = a.org_id
       where ${where}`.execute(db);
    return result.rows[0];
  }

  async touchKey(db: Db, keyId: string): Promise<void> {
    await db.updateTable('api_keys').set({ last_used_at: sql`now()` }).where('id', '=', keyId).execute();
  }
}
