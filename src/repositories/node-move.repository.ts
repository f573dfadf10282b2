import { sql } from 'kysely';
import type { Node } from '../db/schema.js';
import type { AuditEntry } from './audit.repository.js';
import { nodeFromJson, type NodeJson } from './node-json.js';
import type { Db } from './node.repository.js';

export interface NodeMove {
  spaceId: string;
  nodeId: string;
  /** The target folder; null keeps the node in whatever folder holds it (a rename). */
  parentId: string | null;
  name: string;
  maxDepth: number;
  now: Date;
  /** The caller's part of the audit event; action, path and the old path are the function's to fill in. */
  audit: Pick<AuditEntry, 'actorId' | 'actorName' | 'ip' | 'userAgent' | 'detail'>;
}

/** What became of a move: see migration 0010 for the outcomes. */
export type NodeMoveResult =
  | { outcome: 'ok' | 'unchanged'; node: Node; path: string; fromPath: string }
  | { outcome: 'gone' | 'folder-gone' | 'cycle' | 'too-deep' | 'taken' };

/** Renames or moves a node within its space in one statement (coffer_move_node, migration 0010). */
export class NodeMoveRepository {
  async move(db: Db, m: NodeMove): Promise<NodeMoveResult> {
    const { audit } = m;
    const { rows } = await sql<{ outcome: NodeMoveResult['outcome']; path: string | null; from_path: string | null; node: NodeJson | null }>`
      select outcome, path, from_path, node
        from coffer_move_node(${m.spaceId}::uuid, ${m.nodeId}::uuid, ${m.parentId}::uuid, ${m.name}::text, ${m.maxDepth}::int,
                              ${m.now}::timestamptz, ${audit.actorId}::uuid, ${audit.actorName}::text, ${audit.ip}::text,
                              ${audit.userAgent}::text, ${JSON.stringify(audit.detail ?? {})}::text)`.execute(db);
    const r = rows[0];
    if (!r) throw new Error('coffer_move_node returned no row');
    if ((r.outcome === 'ok' || r.outcome === 'unchanged') && r.node && r.path !== null && r.from_path !== null) {
      return { outcome: r.outcome, node: nodeFromJson(r.node), path: r.path, fromPath: r.from_path };
    }
    if (r.outcome === 'ok' || r.outcome === 'unchanged') throw new Error(`coffer_move_node: ${r.outcome} without its node`);
    return { outcome: r.outcome };
  }
}
