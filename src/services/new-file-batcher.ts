import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlobWriteResult } from '../blobs/blob-store.js';
import type { CallContext } from '../core/context.js';
import type { Node, Version } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';
import type { AuditService } from './audit.service.js';
import { joinPath, newEtag, type TreeService } from './tree.service.js';

/** A new file whose bytes are stored, waiting for its metadata to be committed. */
export interface NewFileCommit {
  ctx: CallContext;
  spaceId: string;
  folderId: string;
  name: string;
  written: BlobWriteResult;
  mime: string;
  modifiedAt: Date;
  /** When the name turns out to be taken: replace that file (new version) rather than pick a free name. */
  replace: boolean;
}

export interface CommittedFile {
  node: Node;
  version: Version;
  path: string;
  /** False when an existing file got a new version instead. */
  created: boolean;
}

interface Pending {
  item: NewFileCommit;
  resolve: (r: CommittedFile) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 256;

/**
 * Commits concurrent new-file uploads of one space together. Every write to a space holds the
 * space row lock until commit, so one commit per file would cap a space at one disk flush per
 * file; a batch pays one lock, one flush and a handful of multi-row statements for all of them.
 *
 * Only the plain case is batched (a new name in an existing folder, within quota). Anything
 * else, and every file of a batch that fails as a whole, goes through `single`, the one-file
 * transaction that knows every rule and produces the exact error.
 */
export class NewFileBatcher {
  private readonly queues = new Map<string, Pending[]>();
  private readonly running = new Set<string>();

  constructor(
    private readonly d: {
      db: Db;
      tree: TreeService;
      nodes: NodeRepository;
      spaces: SpaceRepository;
      versions: VersionRepository;
      audit: AuditService;
      logger: Logger;
      single: (item: NewFileCommit) => Promise<CommittedFile>;
    },
  ) {}

  submit(item: NewFileCommit): Promise<CommittedFile> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(item.spaceId) ?? [];
      queue.push({ item, resolve, reject });
      this.queues.set(item.spaceId, queue);
      if (!this.running.has(item.spaceId)) void this.drain(item.spaceId);
    });
  }

  private async drain(spaceId: string): Promise<void> {
    this.running.add(spaceId);
    try {
      for (;;) {
        const queue = this.queues.get(spaceId) ?? [];
        if (queue.length === 0) break;
        const batch = queue.splice(0, MAX_BATCH);
        await this.runBatch(spaceId, batch);
      }
    } finally {
      this.running.delete(spaceId);
      this.queues.delete(spaceId);
    }
  }

  private async runBatch(spaceId: string, batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      await this.runSingle(batch[0]!);
      return;
    }
    let outcome: { done: Map<Pending, CommittedFile>; leftover: Pending[] };
    try {
      outcome = await this.d.db.transaction().execute((tx) => this.commitTogether(tx, spaceId, batch));
    } catch (err) {
      this.d.logger.debug({ err, size: batch.length }, 'batched commit failed; committing one by one');
      outcome = { done: new Map(), leftover: batch };
    }
    for (const [p, result] of outcome.done) p.resolve(result);
    for (const p of outcome.leftover) await this.runSingle(p);
  }

  private async runSingle(p: Pending): Promise<void> {
    try {
      p.resolve(await this.d.single(p.item));
    } catch (err) {
      p.reject(err);
    }
  }

  private async commitTogether(
    tx: Db,
    spaceId: string,
    batch: Pending[],
  ): Promise<{ done: Map<Pending, CommittedFile>; leftover: Pending[] }> {
    const space = await this.d.spaces.lock(tx, spaceId);
    const folderPaths = new Map<string, string>();
    for (const folderId of new Set(batch.map((p) => p.item.folderId))) {
      folderPaths.set(folderId, (await this.d.tree.recheckFolder(tx, folderId, spaceId)).path);
    }

    // Names already taken, or wanted twice in this batch, need the single path's renaming rule.
    const taken = new Set(
      (await this.d.nodes.liveNamesAmong(tx, [...folderPaths.keys()], [...new Set(batch.map((p) => p.item.name))])).map(
        (r) => `${r.parent_id}/${r.name}`,
      ),
    );
    const batched: Pending[] = [];
    const leftover: Pending[] = [];
    for (const p of batch) {
      const key = `${p.item.folderId}/${p.item.name}`;
      if (taken.has(key)) leftover.push(p);
      else {
        taken.add(key);
        batched.push(p);
      }
    }
    if (batched.length === 0) return { done: new Map(), leftover };

    const total = batched.reduce((sum, p) => sum + p.item.written.size, 0);
    if (space.quota_bytes !== null && space.used_bytes + total > space.quota_bytes) {
      return { done: new Map(), leftover: batch };
    }
    await this.d.spaces.reserve(tx, spaceId, total);

    const now = new Date();
    const rows = batched.map((p) => ({ p, nodeId: randomUUID(), versionId: randomUUID(), blobId: randomUUID() }));
    await this.d.versions.insertBlobs(
      tx,
      rows.map(({ p, blobId }) => ({ id: blobId, storeKey: p.item.written.key, size: p.item.written.size, sha256: p.item.written.sha256 })),
    );
    const nodes = await this.d.nodes.insertMany(
      tx,
      rows.map(({ p, nodeId, versionId }) => ({
          id: nodeId,
          space_id: spaceId,
          parent_id: p.item.folderId,
          name: p.item.name,
          kind: 'file' as const,
          current_version_id: versionId,
          size: p.item.written.size,
          mime: p.item.mime,
          etag: newEtag(),
          created_by: p.item.ctx.actor.userId,
          created_at: now,
          modified_at: p.item.modifiedAt,
          updated_at: now,
        })),
    );
    const versions = await this.d.versions.insertVersions(
      tx,
      rows.map(({ p, nodeId, versionId, blobId }) => ({
        id: versionId,
        nodeId,
        blobId,
        size: p.item.written.size,
        sha256: p.item.written.sha256,
        sha1: p.item.written.sha1,
        mime: p.item.mime,
        authorId: p.item.ctx.actor.userId,
      })),
    );

    const deltas = new Map<string, number>();
    for (const { p } of rows) deltas.set(p.item.folderId, (deltas.get(p.item.folderId) ?? 0) + p.item.written.size);
    for (const [folderId, delta] of deltas) await this.d.nodes.propagateChange(tx, folderId, delta);

    const nodeById = new Map(nodes.map((n) => [n.id, n]));
    const versionById = new Map(versions.map((v) => [v.id, v]));
    const done = new Map<Pending, CommittedFile>();
    const events = rows.map(({ p, nodeId }) => {
      const path = joinPath(folderPaths.get(p.item.folderId)!, p.item.name);
      return { p, nodeId, path };
    });
    await this.d.audit.recordMany(
      tx,
      events.map(({ p, nodeId, path }) => ({
        ctx: p.item.ctx,
        event: { action: 'file.upload', nodeId, path, bytes: p.item.written.size },
      })),
    );
    for (const [i, { p, nodeId, versionId }] of rows.entries()) {
      done.set(p, { node: nodeById.get(nodeId)!, version: versionById.get(versionId)!, path: events[i]!.path, created: true });
    }
    return { done, leftover };
  }
}
