import type { CallContext } from '../core/context.js';
import type { Node } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { AuditService } from './audit.service.js';

/**
 * Moves a live node to the trash inside a transaction that holds its space lock: one row
 * changes whatever lies beneath it, and it keeps where it was for a later restore.
 */
export async function softDelete(tx: Db, deps: { nodes: NodeRepository; audit: AuditService }, ctx: CallContext, target: Node, path: string): Promise<Node> {
  const node = await tx
    .updateTable('nodes')
    .set({
      deleted_at: new Date(),
      deleted_by: ctx.actor.userId,
      trash_origin_parent_id: target.parent_id,
      trash_origin_path: path,
    })
    .where('id', '=', target.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await deps.nodes.propagateChange(tx, target.parent_id!, -target.size);
  await deps.audit.record(tx, ctx, { action: 'node.delete', nodeId: node.id, path, bytes: target.size });
  return node;
}
