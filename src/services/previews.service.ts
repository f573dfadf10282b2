import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/blob-store.js';
import type { PreviewConfig } from '../config/config.js';
import type { CallContext } from '../core/context.js';
import { notFound } from '../core/errors.js';
import type { Database } from '../db/database.js';
import { JobPriority, PermanentJobError, type JobQueue, type JobRequest } from '../jobs/queue.js';
import { ToolMissingError } from '../media/external-tool.js';
import { PREVIEW_SIZES, pdfFirstPage, previewSourceKind, renderImage, UnpreviewableError, videoFrame, type PreviewSize, type RenderedPreview } from '../media/previews.js';
import type { DerivedBlobRepository, NewDerivedBlob } from '../repositories/derived-blob.repository.js';
import type { VersionRepository } from '../repositories/version.repository.js';
import type { TreeService } from './tree.service.js';
import type { Node } from '../db/schema.js';

export const PREVIEW_JOB = 'preview.generate';
/** The derived_blobs kind of each size, and of the row that records why none could be made. */
const KIND: Record<PreviewSize, string> = { small: 'preview-256', large: 'preview-1024' };
const FAILED = 'preview';


export type PreviewAnswer =
  | { state: 'ready'; key: string; size: number; mime: string; etag: string; width: number; height: number }
  | { state: 'pending' }
  | { state: 'none'; reason: string }
  | { state: 'failed'; reason: string };

interface PreviewPayload {
  blobId: string;
  mime: string;
}

/** Pictures of files (images, video frames, PDF first pages) in two sizes, made by a job. */
export class PreviewsService {
  constructor(
    private readonly d: {
      db: Database;
      repo: DerivedBlobRepository;
      versions: VersionRepository;
      blobs: BlobStore;
      tree: TreeService;
      queue: JobQueue;
      logger: Logger;
      config: PreviewConfig;
    },
  ) {}

  /** Whether files of this type get previews on this server (Nextcloud's nc:has-preview). */
  makesPreviewOf(mime: string | null): boolean {
    return this.d.config.enabled && previewSourceKind(mime) !== null;
  }

  /** The job that makes a new blob's previews, or null when its type has none. */
  jobFor(blobId: string, mime: string | null, priority: number = JobPriority.fresh): JobRequest | null {
    if (!this.d.config.enabled || !mime || previewSourceKind(mime) === null) return null;
    const payload: PreviewPayload = { blobId, mime };
    return { kind: PREVIEW_JOB, key: blobId, payload, priority, maxAttempts: 2 };
  }

  /**
   * A preview of a file the caller may read (its current version, or `versionId`): ready, or
   * being made (and moved to the front of the queue: someone is waiting), or why there is none.
   */
  async forRequest(ctx: CallContext, nodeId: string, size: PreviewSize, versionId?: string): Promise<PreviewAnswer> {
    const located = await this.d.tree.byId(ctx, nodeId, 'read');
    return this.answerFor(located.node, size, versionId);
  }

  /** The same for an item in the trash the caller may read (Nextcloud's trash bin shows thumbnails). */
  async forTrashedRequest(ctx: CallContext, nodeId: string, size: PreviewSize): Promise<PreviewAnswer> {
    const { node } = await this.d.tree.trashedById(ctx, nodeId, 'read');
    return this.answerFor(node, size);
  }

  private async answerFor(node: Node, size: PreviewSize, versionId?: string): Promise<PreviewAnswer> {
    if (node.kind !== 'file') return { state: 'none', reason: 'Folders have no preview' };
    const id = versionId ?? node.current_version_id;
    const version = id ? await this.d.versions.getVersion(this.d.db, id) : undefined;
    if (!version || version.node_id !== node.id) throw notFound('This file has no such version');
    const mime = version.mime ?? node.mime;
    if (!this.d.config.enabled) return { state: 'none', reason: 'Previews are turned off on this server (COFFER_PREVIEWS)' };
    if (previewSourceKind(mime) === null) return { state: 'none', reason: `Coffer makes no previews of ${mime ?? 'files of unknown type'}` };
    const rows = await this.d.repo.forBlob(this.d.db, version.blob_id);
    const wanted = rows.find((r) => r.kind === KIND[size]);
    if (wanted?.store_key) {
      return { state: 'ready', key: wanted.store_key, size: wanted.size!, mime: wanted.mime!, etag: `"p-${version.blob_id}-${size}"`, width: wanted.width!, height: wanted.height! };
    }
    const failed = rows.find((r) => r.kind === FAILED);
    if (failed) return { state: 'failed', reason: failed.failure! };
    const job = this.jobFor(version.blob_id, mime, JobPriority.waiting)!;
    await this.d.db.transaction().execute((tx) => this.d.queue.enqueue(tx, job));
    return { state: 'pending' };
  }

  /** The job: makes both sizes of a blob's preview, or records why it cannot. */
  async generate(payload: unknown, signal: AbortSignal, lastAttempt: boolean): Promise<void> {
    const { blobId, mime } = payload as PreviewPayload;
    const blob = await this.d.versions.getBlob(this.d.db, blobId);
    // Deleted since, or made by an earlier attempt whose job outcome was lost.
    if (!blob) return;
    const existing = await this.d.repo.forBlob(this.d.db, blobId);
    if (existing.some((r) => r.kind === KIND.small) && existing.some((r) => r.kind === KIND.large)) return;
    let previews: Record<PreviewSize, RenderedPreview>;
    try {
      previews = await this.render(blob.store_key, blob.size, mime, signal);
    } catch (err) {
      const permanent = err instanceof UnpreviewableError || err instanceof ToolMissingError;
      if (permanent || lastAttempt) {
        const reason = err instanceof Error ? err.message : String(err);
        await this.d.repo.recordFailure(this.d.db, blobId, FAILED, reason);
        throw new PermanentJobError(reason);
      }
      throw err;
    }
    const keys: string[] = [];
    try {
      const stored: NewDerivedBlob[] = [];
      for (const size of ['small', 'large'] as const) {
        const p = previews[size];
        const written = await this.d.blobs.write(Readable.from([p.data]), { expectedBytes: p.data.length });
        keys.push(written.key);
        stored.push({ kind: KIND[size], storeKey: written.key, size: written.size, mime: p.mime, width: p.width, height: p.height });
      }
      const inserted = await this.d.db.transaction().execute(async (tx) => {
        // Its blob may have been purged while this ran: then the previews go too.
        if (!(await this.d.versions.getBlob(tx, blobId))) return false;
        await this.d.repo.clearFailure(tx, blobId, FAILED);
        return this.d.repo.insertAll(tx, blobId, stored);
      });
      if (!inserted) await this.deleteKeys(keys);
    } catch (err) {
      await this.deleteKeys(keys);
      throw err;
    }
  }

  private async render(key: string, size: number, mime: string, signal: AbortSignal): Promise<Record<PreviewSize, RenderedPreview>> {
    const limits = this.d.config;
    switch (previewSourceKind(mime)) {
      case 'image':
        return renderImage(await this.d.blobs.read(key), limits);
      case 'video':
        return renderImage(Readable.from([await videoFrame(await this.seekableLocation(key, mime), signal)]), limits);
      case 'pdf': {
        const page = await this.withLocalFile(key, size, signal, (file) => pdfFirstPage(file, signal));
        return renderImage(Readable.from([page]), limits);
      }
      default:
        throw new UnpreviewableError(`Coffer makes no previews of ${mime}`);
    }
  }

  /** A path or URL ffmpeg can seek in: the file itself on disk, a short-lived presigned URL on S3. */
  private async seekableLocation(key: string, mime: string): Promise<string> {
    const { blobs } = this.d;
    if (blobs.localPath) return blobs.localPath(key);
    if (blobs.presignedGetUrl) return blobs.presignedGetUrl(key, { expiresInSeconds: 900, fileName: 'video', contentType: mime });
    throw new UnpreviewableError('This blob store offers ffmpeg no way to read a video');
  }

  private async withLocalFile<T>(key: string, size: number, signal: AbortSignal, use: (file: string) => Promise<T>): Promise<T> {
    const { blobs } = this.d;
    if (blobs.localPath) return use(blobs.localPath(key));
    if (size > this.d.config.maxPdfBytes) throw new UnpreviewableError(`The PDF is larger than ${this.d.config.maxPdfBytes} bytes, the most that is copied to make a preview`);
    const file = path.join(os.tmpdir(), `coffer-preview-${randomUUID()}`);
    try {
      await pipeline(await blobs.read(key), fs.createWriteStream(file, { mode: 0o600 }), { signal });
      return await use(file);
    } finally {
      await fsp.rm(file, { force: true });
    }
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.d.blobs.delete(key).catch((err: unknown) => this.d.logger.warn({ err, key }, 'could not delete an unused preview; the storage check will'));
    }
  }
}

export { PREVIEW_SIZES };
