import { sql } from 'kysely';
import type { SupportRequest, SupportStatus } from '../db/schema.js';
import type { Db } from './node.repository.js';

/** A support request with the names a list shows. */
export interface SupportRequestRow extends SupportRequest {
  org_slug: string;
  org_name: string;
  space_name: string;
  space_root_id: string | null;
  requested_by_name: string;
  decided_by_name: string | null;
}

/** SQL for support requests and their sessions. */
export class SupportRepository {
  private rows(db: Db) {
    return db
      .selectFrom('support_requests as r')
      .innerJoin('organisations as o', 'o.id', 'r.org_id')
      .innerJoin('spaces as s', 's.id', 'r.space_id')
      .innerJoin('users as u', 'u.id', 'r.requested_by')
      .leftJoin('users as d', 'd.id', 'r.decided_by')
      .selectAll('r')
      .select(['o.slug as org_slug', 'o.name as org_name', 's.name as space_name', 's.root_node_id as space_root_id', 'u.username as requested_by_name', 'd.username as decided_by_name']);
  }

  async insert(db: Db, row: Pick<SupportRequest, 'id' | 'org_id' | 'space_id' | 'requested_by' | 'reason' | 'access' | 'minutes'>): Promise<void> {
    await db.insertInto('support_requests').values(row).execute();
  }

  async get(db: Db, id: string): Promise<SupportRequestRow | undefined> {
    return this.rows(db).where('r.id', '=', id).executeTakeFirst();
  }

  /** The row, locked until the transaction ends, so two decisions cannot cross. */
  async lock(db: Db, id: string): Promise<SupportRequest | undefined> {
    return db.selectFrom('support_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async ofOrg(db: Db, orgId: string, limit: number): Promise<SupportRequestRow[]> {
    return this.rows(db).where('r.org_id', '=', orgId).orderBy('r.created_at', 'desc').limit(limit).execute();
  }

  async byRequester(db: Db, userId: string, limit: number): Promise<SupportRequestRow[]> {
    return this.rows(db).where('r.requested_by', '=', userId).orderBy('r.created_at', 'desc').limit(limit).execute();
  }

  /** A request of this person for this space still waiting, approved (and not lapsed) or running. */
  async openFor(db: Db, spaceId: string, userId: string, approvalHours: number): Promise<SupportRequest | undefined> {
    return db
      .selectFrom('support_requests')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('requested_by', '=', userId)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'pending'),
          eb.and([eb('status', '=', 'approved'), eb('decided_at', '>', sql<Date>`now() - make_interval(hours => ${approvalHours})`)]),
          eb.and([eb('status', '=', 'active'), eb('ends_at', '>', sql<Date>`now()`)]),
        ]),
      )
      .executeTakeFirst();
  }

  async update(
    db: Db,
    id: string,
    patch: Partial<Pick<SupportRequest, 'access' | 'minutes' | 'decided_by' | 'decided_at' | 'decision_note' | 'started_at' | 'ends_at' | 'ended_at'>> & { status: SupportStatus },
  ): Promise<void> {
    await db.updateTable('support_requests').set(patch).where('id', '=', id).execute();
  }
}
