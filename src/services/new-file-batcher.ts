import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlobWriteResult } from '../blobs/blob-store.js';
import type { CallContext } from '../core/context.js';
import type { Node, Version } from '../db/schema.js';
import type { NewFileRow, NewFilesRepository } from '../repositories/new-files.repository.js';
import type { Db } from '../repositories/node.repository.js';
import type { AuditService } from './audit.service.js';
import type { JobRequest } from '../jobs/queue.js';
import type { NewContent } from './content-jobs.js';
import { newEtag } from './tree.service.js';

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
 * Commits concurrent new-file uploads of one space together, in one statement per batch
 * (NewFilesRepository, migration 0008). Every write to a space holds the space row lock until
 * commit, so one commit per file would cap a space at one disk flush per file; a batch pays one
 * lock, one flush and one round trip for all of them.
 *
 * Only the plain cases are batched (a new name in a live folder, or a new version of a live
 * file when the upload replaces, within quota). Any other file
 * goes through `single`, the one-file transaction that knows every rule and produces the exact
 * error; so does every file of a batch whose statement failed as a whole.
 */
export class NewFileBatcher {
  private readonly queues = new Map<string, Pending[]>();
  private readonly running = new Set<string>();

  constructor(
    private readonly d: {
      db: Db;
      newFiles: NewFilesRepository;
      audit: AuditService;
      logger: Logger;
      /** The jobs a new blob needs (previews), enqueued in the batch's own statement. */
      jobsFor: (content: NewContent) => JobRequest[];
      announceJobs: () => void;
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
    let done: (CommittedFile | null)[];
    try {
      done = await this.commitTogether(spaceId, batch);
    } catch (err) {
      this.d.logger.debug({ err, size: batch.length }, 'batched commit failed; committing one by one');
      done = batch.map(() => null);
    }
    const leftover: Pending[] = [];
    batch.forEach((p, i) => {
      const result = done[i];
      if (result) p.resolve(result);
      else leftover.push(p);
    });
    // The one-file path sees the batch's files as taken names, as it should.
    for (const p of leftover) await this.runSingle(p);
  }

  private async runSingle(p: Pending): Promise<void> {
    try {
      p.resolve(await this.d.single(p.item));
    } catch (err) {
      p.reject(err);
    }
  }

  /** One statement for the batch; null for each file it left to the one-file path. */
  private async commitTogether(spaceId: string, batch: Pending[]): Promise<(CommittedFile | null)[]> {
    const now = new Date(Date.now());
    const rows = batch.map(({ item }): NewFileRow => {
      const { written } = item;
      return {
        folderId: item.folderId,
        name: item.name,
        nodeId: randomUUID(),
        versionId: randomUUID(),
        blobId: randomUUID(),
        storeKey: written.key,
        size: written.size,
        sha256: written.sha256,
        sha1: written.sha1,
        mime: item.mime,
        etag: newEtag(),
        modifiedAt: item.modifiedAt,
        replace: item.replace,
        audit: this.d.audit.entry(item.ctx, { action: 'file.upload' }),
      };
    });
    const jobs = rows.flatMap((r, ord) => this.d.jobsFor({ versionId: r.versionId, blobId: r.blobId, name: r.name, mime: r.mime }).map((job) => ({ ord, job })));
    const outcomes = await this.d.newFiles.add(this.d.db, spaceId, rows, now, jobs);
    if (jobs.length > 0) this.d.announceJobs();
    if (outcomes.some((o) => o.outcome === 'ok' || o.outcome === 'replaced')) this.d.audit.written([spaceId]);
    return rows.map((r, i) => {
      const { outcome, path, node } = outcomes[i]!;
      const actor = batch[i]!.item.ctx.actor.userId;
      if (outcome === 'replaced' && node && path !== null) {
        return { node, version: versionOf(r, node.id, actor, now), path, created: false };
      }
      // A new file's row as the insert wrote it: its file id is the database's.
      if (outcome !== 'ok' || path === null || !node) return null;
      const version = versionOf(r, r.nodeId, actor, now);
      return { node, version, path, created: true };
    });
  }
}

/** The version row a committed file got, as the commit function wrote it. */
function versionOf(r: NewFileRow, nodeId: string, authorId: string, at: Date): Version {
  return {
    id: r.versionId,
    node_id: nodeId,
    blob_id: r.blobId,
    size: r.size,
    sha256: r.sha256,
    sha1: r.sha1,
    mime: r.mime,
    author_id: authorId,
    created_at: at,
  };
}
