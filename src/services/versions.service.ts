import { randomUUID } from 'node:crypto';
import type { CallContext } from '../core/context.js';
import { conflict, insufficientStorage, notFound } from '../core/errors.js';
import type { NodeRepository } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';
import type { JobQueue } from '../jobs/queue.js';
import type { AuditService } from './audit.service.js';
import type { ContentJobs } from './content-jobs.js';
import { newEtag, type PlacedNode, type TreeService } from './tree.service.js';

/** A file's history: every overwrite keeps the previous version. */
export class VersionsService {
  constructor(
    private readonly tree: TreeService,
    private readonly nodes: NodeRepository,
    private readonly spaces: SpaceRepository,
    private readonly versions: VersionRepository,
    private readonly audit: AuditService,
    private readonly contentJobs: ContentJobs,
    private readonly queue: JobQueue,
  ) {}

  async list(ctx: CallContext, fileId: string) {
    const located = await this.tree.byId(ctx, fileId, 'read');
    if (located.node.kind !== 'file') throw conflict(`"${located.node.name}" is a folder; folders have no versions`);
    const items = await this.versions.listForNode(this.tree.db, located.node.id);
    return { node: located.node, items };
  }

  /** Makes an old version the newest by adding a version that shares its bytes. */
  async restore(ctx: CallContext, fileId: string, versionId: string): Promise<PlacedNode> {
    const located = await this.tree.byId(ctx, fileId, 'write');
    return this.tree.db.transaction().execute(async (tx) => {
      await this.spaces.lock(tx, located.space.id);
      const current = await this.tree.byId(ctx, fileId, 'write', tx);
      const old = await this.versions.getVersion(tx, versionId);
      if (!old || old.node_id !== current.node.id) throw notFound(`No version ${versionId} of "${current.node.name}"`);
      if (await this.spaces.reserve(tx, located.space.id, old.size) === null) {
        const s = await this.spaces.getById(tx, located.space.id);
        throw insufficientStorage(s!.used_bytes, s!.quota_bytes ?? 0, old.size);
      }
      const id = randomUUID();
      await this.versions.insertVersion(tx, {
        id,
        nodeId: current.node.id,
        blobId: old.blob_id,
        size: old.size,
        sha256: old.sha256,
        sha1: old.sha1,
        mime: old.mime,
        authorId: ctx.actor.userId,
      });
      for (const job of this.contentJobs.forStoredBytes({ versionId: id, name: current.node.name, mime: old.mime ?? current.node.mime })) await this.queue.enqueue(tx, job);
      const node = await tx
        .updateTable('nodes')
        .set({ current_version_id: id, size: old.size, mime: old.mime, etag: newEtag(), modified_at: new Date(), updated_at: new Date() })
        .where('id', '=', current.node.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.nodes.propagateChange(tx, current.node.parent_id!, old.size - current.node.size);
      await this.audit.record(tx, ctx, {
        action: 'version.restore',
        nodeId: node.id,
        path: current.path,
        bytes: old.size,
        detail: { version: versionId },
      });
      return { node, space: located.space, path: current.path };
    });
  }
}
