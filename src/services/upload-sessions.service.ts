import { createHash, randomUUID, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { BlobStaging, BlobStore, StagingState, StoredPart } from '../blobs/blob-store.js';
import type { Actor, CallContext } from '../core/context.js';
import { badRequest, CofferError, conflict, forbidden, insufficientStorage, notFound, payloadTooLarge } from '../core/errors.js';
import type { UploadFailure, UploadSession, UploadSessionOptions, UploadSessionStatus } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import { JobPriority, type JobQueue } from '../jobs/queue.js';
import type { UploadSessionRepository } from '../repositories/upload-session.repository.js';
import type { FilesService, UploadResult } from './files.service.js';
import type { PlacedNode, TreeService } from './tree.service.js';
import { UploadHashes } from './upload-hash.js';

/** How long an append's lease holds without renewal, and how often a streaming append renews it. */
const LEASE_MS = 120_000;
const RENEW_MS = 30_000;
/** Bytes read back from a finished blob for type detection (HashingMeter keeps as many). */
const HEAD_BYTES = 4100;
/** Lifetime of a presigned part URL. */
const PART_URL_SECONDS = 3600;

export type UploadProtocol = 'tus' | 'direct' | 'nextcloud';

export interface CreateUploadInput {
  protocol: UploadProtocol;
  /**
   * Declared length in bytes. Null: announced only at completion (Nextcloud's Android app never
   * sends it); the session then takes at most what the quota and the server's limit leave.
   */
  length: number | null;
  /**
   * The destination is named only at completion (Nextcloud desktop 3.7 creates its upload folder
   * without one): creation checks the caller's own space, completion the real target.
   */
  targetLater?: boolean | undefined;
  /** Folder to upload into ("root" for the top of one's space) and the path below it… */
  parentId?: string | undefined;
  relativePath?: string | undefined;
  /** …or a file to replace with a new version. */
  nodeId?: string | undefined;
  overwrite?: boolean | undefined;
  mime?: string | undefined;
  modifiedAt?: Date | undefined;
  /** The protocol's own metadata, kept and echoed (tus Upload-Metadata). */
  metadata?: Record<string, string | null> | undefined;
  /** Chosen by the door (tus names the upload before the store creates it). */
  id?: string | undefined;
}

/** A checksum of the whole file the client announces at completion (OC-Checksum): algorithm and hex digest. */
export interface FileChecksum {
  algorithm: 'sha1' | 'md5' | 'sha256';
  hex: string;
}

/** What a door may settle only at completion (Nextcloud's MOVE …/.file carries it). */
export interface CompleteOptions {
  /** Where the file goes, when the session was created without it (or the client names it again). */
  target?: { parentId: string; relativePath: string; overwrite: boolean } | undefined;
  /** The length the client says it sent; must match what arrived. */
  length?: number | undefined;
  modifiedAt?: Date | undefined;
  /** Replace only if the existing file's ETag is this one. */
  ifMatch?: string | undefined;
  /** Refuse the file (and drop the session) if its bytes have another digest. */
  checksum?: FileChecksum | undefined;
}

/** A checksum of one append's body (tus Upload-Checksum): algorithm and expected digest, base64. */
export interface AppendChecksum {
  algorithm: 'sha1' | 'md5' | 'sha256';
  base64: string;
}

export const CHECKSUM_ALGORITHMS: AppendChecksum['algorithm'][] = ['sha1', 'md5', 'sha256'];

export interface UploadSessionView {
  id: string;
  protocol: UploadProtocol;
  length: number;
  received: number;
  status: UploadSessionStatus;
  nodeId: string | null;
  /** A failed finishing: the error the client would have got. */
  failure: UploadFailure | null;
  metadata: Record<string, string | null>;
  /** Direct uploads: the part size the store asks for (every part but the last exactly this). */
  partSize: number | null;
  createdAt: Date;
  /** When the last append (or any change) was recorded. */
  updatedAt: Date;
  expiresAt: Date;
}

export interface DirectPart {
  partNumber: number;
  url: string;
}

export interface UploadSessionsDeps {
  db: Db;
  repo: UploadSessionRepository;
  files: FilesService;
  tree: TreeService;
  blobs: BlobStore;
  nodes: NodeRepository;
  queue: JobQueue;
  logger: Logger;
  expirySeconds: number;
}

/** The job that finishes a direct upload (see `finish`), and the one that removes discarded sessions' bytes. */
export const UPLOAD_FINALIZE_JOB = 'upload.finalize';
export const UPLOADS_DISCARD_JOB = 'uploads.discard';

interface FinalizePayload {
  id: string;
  /** The completing request's caller, for the checks and the audit event of the commit. */
  ctx: CallContext;
}

interface DiscardPayload {
  staged: { state: StagingState; status: UploadSessionStatus }[];
}

/** What completing answers: the file, or a direct upload being finished in the background. */
export type CompletionResult = ({ state: 'done'; created: boolean } & PlacedNode) | { state: 'finishing'; session: UploadSessionView };

const TARGET_GONE = 'upload-target-gone';
const isTargetGone = (err: unknown) => err instanceof CofferError && err.code === TARGET_GONE;

/** A failed finishing, answered as the error it was. */
function failureError(failure: UploadFailure | null): CofferError {
  const f = failure ?? { status: 500, code: 'upload-finish-failed', detail: 'The upload could not be finished; upload the file again' };
  return new CofferError(f.status, f.code, f.detail);
}

/** The caller as the session was created for: derived-from and write-once override carried over. */
function sessionContext(ctx: CallContext, row: UploadSession): CallContext {
  return {
    ...ctx,
    ...(row.options.derivedFrom !== undefined ? { derivedFrom: row.options.derivedFrom } : {}),
    ...(row.options.overrideWriteOnce ? { overrideWriteOnce: true } : {}),
  };
}

/** The caller as a job carries it (plain JSON: the context holds nothing else). */
function jobContext(ctx: CallContext): CallContext {
  return JSON.parse(JSON.stringify(ctx)) as CallContext;
}

export const checksumMismatch = () =>
  new CofferError(460, 'checksum-mismatch', 'The body does not match its Upload-Checksum; those bytes were not kept, send them again');
const locked = () => new CofferError(423, 'upload-busy', 'Another request is writing to this upload right now; try again in a moment');

/**
 * Uploads that arrive over several requests (tus now, Nextcloud chunking and direct-to-S3 parts):
 * create, append, complete, abort. Protocol-neutral: doors translate their headers into these
 * calls. The bytes are staged in the blob store; the session row holds the offset, the store's
 * state and the SHA-256 state, so any server takes the next request. Creation checks what an
 * upload of the declared length would (access, policies, quota); completion checks it all again
 * and commits through FilesService's own commit, so the file appears whole or not at all.
 */
export class UploadSessionsService {
  /** Live SHA-256s of the sessions whose last append this server took. */
  private readonly hashes = new UploadHashes();

  constructor(private readonly d: UploadSessionsDeps) {}

  private get staging(): BlobStaging {
    return this.d.blobs.staging;
  }

  /** Reads a session's staged bytes back, where the store can (see UploadHashes). */
  private readStaged(row: UploadSession): ((end: number) => Promise<Readable>) | undefined {
    const read = this.staging.read?.bind(this.staging);
    return read ? (end) => read(row.store_state as StagingState, end) : undefined;
  }

  /** Checks the target as an upload of `length` bytes would be checked, then stages nothing yet but the store's start. */
  async create(ctx: CallContext, input: CreateUploadInput): Promise<UploadSessionView> {
    const owner = ownerOf(ctx.actor);
    if (input.length !== null && (!Number.isSafeInteger(input.length) || input.length < 0)) throw badRequest('The upload length is a whole number of bytes');
    if ((input.length === null || input.targetLater) && input.protocol !== 'nextcloud') throw badRequest('Announce the length and the target of the upload when creating it');
    if (input.protocol === 'direct' && this.d.blobs.kind !== 's3') {
      throw new CofferError(409, 'direct-upload-unavailable', 'Direct uploads need the S3 blob store; this server keeps files on its own disk. Upload through /api/v1/files or tus instead');
    }
    const target = input.targetLater ? null : await this.target(ctx, input);
    const options: UploadSessionOptions = {
      ...(ctx.derivedFrom !== undefined ? { derivedFrom: ctx.derivedFrom } : {}),
      ...(ctx.overrideWriteOnce ? { overrideWriteOnce: true } : {}),
      ...(input.nodeId !== undefined && target ? { nodeId: target.nodeId } : {}),
      ...(input.length === null ? { lengthLater: true } : {}),
      ...(target === null ? { targetLater: true } : {}),
    };
    const size = input.length ?? undefined;
    // Without a target only the caller's own space can be checked (write access, quota); the target is checked in full at completion.
    const plan = target
      ? await this.d.files.planUpload(ctx, { parentId: target.parentId, relativePath: target.relativePath, size, overwrite: target.overwrite })
      : await this.ownSpacePlan(ctx, size);
    // A length announced later is bounded by what the quota and the server's limit leave now (re-checked at completion).
    const length = input.length ?? plan.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const state = await this.staging.begin(input.length ?? 0);
    const now = new Date();
    try {
      const row = await this.d.repo.insert(this.d.db, {
        id: input.id ?? randomUUID(),
        owner,
        space_id: plan.space.id,
        folder_id: plan.parent.node.id,
        relative_path: target?.relativePath ?? '',
        overwrite: target?.overwrite ?? true,
        mime: input.mime ?? null,
        modified_at: input.modifiedAt ?? null,
        options: JSON.stringify(options),
        protocol: input.protocol,
        length,
        store_state: JSON.stringify(state),
        metadata: JSON.stringify(input.metadata ?? {}),
        created_at: now,
        updated_at: now,
        expires_at: new Date(now.getTime() + this.d.expirySeconds * 1000),
      });
      return view(row);
    } catch (err) {
      await this.staging.abort(state).catch(() => undefined);
      throw err;
    }
  }

  /** The caller's session, as it stands. */
  async get(ctx: CallContext, id: string): Promise<UploadSessionView> {
    return view(await this.own(ctx, id));
  }

  /**
   * Stages the bytes of `source` at `offset` (which must be what the session holds). Bytes that
   * arrived before the source failed (a dropped connection) are kept and counted, so the client
   * resumes from there; with a checksum, an append that does not match is dropped whole.
   */
  async append(
    ctx: CallContext,
    id: string,
    offset: number,
    source: Readable,
    opts: {
      checksum?: AppendChecksum | undefined;
      /** The protocol's metadata after this append (Nextcloud's chunk list), recorded with the new offset in one statement. */
      metadata?: ((current: Record<string, string | null>, bytes: number) => Record<string, string | null>) | undefined;
    } = {},
  ): Promise<UploadSessionView> {
    const lease = randomUUID();
    const row = await this.lease(ctx, id, lease, offset);
    const { repo, db } = this.d;
    if (row.protocol === 'direct') {
      await repo.releaseLease(db, id, lease);
      throw conflict('This upload takes its bytes straight to the store, in presigned parts');
    }
    const renew = setInterval(() => {
      void repo.renewLease(db, id, lease, new Date(Date.now() + LEASE_MS)).then(
        (held) => {
          if (!held) source.destroy(locked());
        },
        () => undefined,
      );
    }, RENEW_MS);
    renew.unref();
    const before = row.store_state as StagingState;
    try {
      const hash = await this.hashes.resume(row, this.readStaged(row));
      const check: Hash | null = opts.checksum ? createHash(opts.checksum.algorithm) : null;
      const room = row.length - offset;
      let taken = 0;
      let cutOff = false;
      // Counts, hashes and bounds the body; a body that fails ends here cleanly, so the store keeps what came.
      const guarded = async function* () {
        try {
          for await (const chunk of source) {
            const buf = chunk as Buffer;
            if (taken + buf.length > room) throw payloadTooLarge(`This upload was announced as ${row.length} bytes; the body goes past that`);
            taken += buf.length;
            hash.update(buf);
            check?.update(buf);
            yield buf;
          }
        } catch (err) {
          if (err instanceof CofferError && err.status !== 423) throw err;
          cutOff = true;
        }
      };
      const { state: after, bytes } = await this.staging.append(before, offset, Readable.from(guarded(), { objectMode: false }), row.length);
      if (check && (cutOff || check.digest('base64') !== opts.checksum!.base64)) {
        await this.staging.release(after, before);
        throw checksumMismatch();
      }
      // The hash covers exactly what the store kept, or the recorded SHA-256 would be wrong.
      if (bytes !== taken) {
        await this.staging.release(after, before);
        throw new Error(`The store kept ${bytes} bytes of an append of ${taken}`);
      }
      const received = offset + bytes;
      const sealed = hash.seal(received);
      const metadata = opts.metadata?.(row.metadata, bytes);
      let recorded = false;
      try {
        recorded = await repo.recordAppend(db, id, lease, {
          received,
          storeState: after,
          ...(metadata ? { metadata } : {}),
          ...sealed,
          expiresAt: new Date(Date.now() + this.d.expirySeconds * 1000),
        });
      } finally {
        if (recorded) hash.recorded();
        else hash.dropped();
      }
      if (!recorded) {
        await this.staging.release(after, before);
        throw locked();
      }
      await this.staging.release(before, after).catch((err: unknown) => this.d.logger.warn({ err, upload: id }, 'could not free a replaced staging tail'));
      return view({ ...row, received, store_state: after, metadata: metadata ?? row.metadata, lease: null, lease_until: null });
    } catch (err) {
      await repo.releaseLease(db, id, lease).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * Makes the file of a session whose bytes came through the server (tus): every check of an
   * upload again (access, policies, quota with the real length), then the staged bytes become
   * the blob and one transaction commits it and marks the session complete. Completing twice
   * answers the same file; a check that fails leaves the session (and its bytes) as they were,
   * until it expires, except when the folder (or file) it was going to is gone: then there is
   * nothing to wait for, and the session and its bytes are removed.
   */
  async complete(ctx: CallContext, id: string, opts: CompleteOptions = {}): Promise<PlacedNode & { created: boolean }> {
    const current = await this.own(ctx, id);
    if (current.status === 'completed') return { ...(await this.d.files.get(ctx, current.node_id!)), created: false };
    if (current.protocol === 'direct') throw conflict('A direct upload is finished with POST /api/v1/uploads/{id}/complete');
    // A length announced only now is what arrived (checked against what the client says it sent).
    const length = current.options.lengthLater ? current.received : current.length;
    if (opts.length !== undefined && opts.length !== length) {
      throw badRequest(`The upload holds ${current.received} bytes of ${current.options.lengthLater ? 'an unannounced length' : current.length}, not the ${opts.length} announced now; send the missing bytes, or start again`);
    }
    if (current.received < length) throw conflict(`Only ${current.received} of ${length} bytes have arrived; send the rest first`, { received: current.received });
    if (current.options.targetLater && !opts.target) throw badRequest('Name where the file goes: this upload was started without a destination');
    const lease = randomUUID();
    const leased = await this.lease(ctx, id, lease, current.received);
    const row: UploadSession = { ...leased, length };
    try {
      const { plan, cctx, input } = opts.target ? await this.planAt(ctx, row, opts.target) : await this.plan(ctx, row);
      if (opts.modifiedAt) input.modifiedAt = opts.modifiedAt;
      const state = row.store_state as StagingState;
      const sha256 = await this.hashes.digest(row, this.readStaged(row));
      await this.staging.finish(state, row.length);
      // The bytes are a blob now: from here a failure must delete it (commitWritten does) and the session with it.
      let written;
      try {
        written = { key: state.key, size: row.length, sha256, sha1: null, head: await this.head(state.key, row.length) };
        if (opts.checksum) await this.verify(state.key, sha256, opts.checksum);
      } catch (err) {
        await this.d.blobs.delete(state.key).catch(() => undefined);
        if (err instanceof CofferError) {
          // The staged bytes are gone with the blob: nothing is left to resume.
          await this.d.repo.deleteLeased(this.d.db, row.id, lease).catch(() => undefined);
          this.hashes.forget(row);
        }
        throw err;
      }
      return await this.commit(cctx, row, lease, plan, { ...input, ifMatch: opts.ifMatch }, written);
    } catch (err) {
      if (isTargetGone(err)) await this.drop(row, lease);
      else await this.d.repo.releaseLease(this.d.db, id, lease).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The REST door's completion. A tus session completes at once (as `complete`). A direct one is
   * checked now (access, policies, quota, and the parts on the store: what fails here leaves the
   * session as it was, for the client to fix and ask again), then finished by an upload.finalize
   * job, since reading a big object back for its SHA-256 takes minutes: the session is
   * 'finishing' until the job makes it 'completed' or 'failed'. Asking again answers the state.
   */
  async finish(ctx: CallContext, id: string): Promise<CompletionResult> {
    const current = await this.own(ctx, id);
    if (current.protocol !== 'direct') return { state: 'done', ...(await this.complete(ctx, id)) };
    if (current.status === 'completed') return { state: 'done', ...(await this.d.files.get(ctx, current.node_id!)), created: false };
    if (current.status === 'finishing') return { state: 'finishing', session: view(current) };
    if (current.status === 'failed') throw failureError(current.failure);
    const lease = randomUUID();
    let row: UploadSession;
    try {
      row = await this.lease(ctx, id, lease, undefined);
    } catch (err) {
      // Another request finished it first: answer as that one did.
      if ((await this.own(ctx, id)).status !== 'receiving') return this.finish(ctx, id);
      throw err;
    }
    try {
      await this.plan(ctx, row);
      await this.storedParts(row);
      const finishing = await this.d.db.transaction().execute(async (tx) => {
        const marked = await this.d.repo.markFinishing(tx, id, lease, new Date(Date.now() + this.d.expirySeconds * 1000));
        if (!marked) throw locked();
        const payload: FinalizePayload = { id, ctx: jobContext(ctx) };
        await this.d.queue.enqueue(tx, { kind: UPLOAD_FINALIZE_JOB, key: id, payload, priority: JobPriority.waiting });
        return marked;
      });
      return { state: 'finishing', session: view(finishing) };
    } catch (err) {
      if (isTargetGone(err)) await this.drop(row, lease);
      else await this.d.repo.releaseLease(this.d.db, id, lease).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The upload.finalize job: a direct upload's parts become the object (unless an attempt that
   * died already did that), the object is read back once for its SHA-256, and the file is
   * committed with every check again, as any upload. A refusal (quota used up meanwhile, the
   * folder gone, parts changed) fails the session with that reason and removes the bytes; other
   * errors are retried by the queue, and fail it on the last attempt. Runs at most once at a
   * time per session (the session's lease), and does nothing for a session no longer finishing.
   */
  async finalize(payload: unknown, signal: AbortSignal, lastAttempt: boolean): Promise<void> {
    const { id, ctx } = payload as FinalizePayload;
    const lease = randomUUID();
    const now = new Date();
    const row = await this.d.repo.takeLease(this.d.db, { id, owner: ownerOf(ctx.actor), lease, until: new Date(now.getTime() + LEASE_MS), now, status: 'finishing' });
    if (!row) {
      const current = await this.d.repo.get(this.d.db, id);
      // Finished, failed, cancelled or expired (the purge removes what is left).
      if (!current || current.status !== 'finishing' || current.expires_at <= now) return;
      throw new Error(`Upload ${id} is being finished by another worker; tried again later`);
    }
    const stop = new AbortController();
    const renew = setInterval(() => {
      void this.d.repo.renewLease(this.d.db, id, lease, new Date(Date.now() + LEASE_MS)).then(
        (held) => {
          if (!held) stop.abort(new Error(`Upload ${id} was taken away from this job (its lease ran out)`));
        },
        () => undefined,
      );
    }, RENEW_MS);
    renew.unref();
    const aborted = AbortSignal.any([signal, stop.signal]);
    const state = row.store_state as StagingState;
    // Once commitWritten has failed the object is deleted: nothing is left to try again with.
    let bytesGone = false;
    try {
      // Refuse before reading gigabytes back when the answer is already no.
      const { plan, cctx, input } = await this.plan(ctx, row);
      const assembled = await this.d.blobs.stat(state.key);
      if (assembled === null) {
        const parts = await this.storedParts(row);
        await this.staging.finish(this.staging.withParts!(state, parts), row.length);
      } else if (assembled !== row.length) {
        throw conflict(`The stored object is ${assembled} bytes, not ${row.length}`);
      }
      const hashed = await this.hashBack(state.key, aborted);
      if (hashed.size !== row.length) throw conflict(`The stored object is ${hashed.size} bytes, not ${row.length}`);
      bytesGone = true;
      await this.commit(cctx, row, lease, plan, input, { key: state.key, ...hashed, sha1: null }, { keepOnFailure: true });
    } catch (err) {
      if (err instanceof CofferError || bytesGone || lastAttempt) {
        await this.fail(row, lease, err);
        if (err instanceof CofferError) return;
      } else {
        await this.d.repo.releaseLease(this.d.db, id, lease).catch(() => undefined);
      }
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * Forgets a finished (completed or failed) or expired session, so a client that names its uploads itself
   * (Nextcloud's Android app: the content's MD5) can start another under the same name.
   */
  async forgetFinished(ctx: CallContext, id: string): Promise<void> {
    const current = await this.own(ctx, id);
    const now = new Date();
    const expired = current.expires_at <= now;
    if (current.status !== 'completed' && current.status !== 'failed' && !expired) throw conflict('This upload is still open');
    if (await this.d.repo.deleteFinished(this.d.db, id, now)) {
      await this.removeStaged(current.store_state as StagingState, current.status);
      this.hashes.forget(current);
    }
  }

  /** Removes an unfinished session and whatever it staged. */
  async abort(ctx: CallContext, id: string): Promise<void> {
    const current = await this.own(ctx, id);
    if (current.status === 'completed') throw conflict('This upload is complete; delete the file instead');
    if (current.status === 'finishing') throw conflict('This upload is being finished; wait for it, then delete the file if it is not wanted');
    if (current.status === 'failed') {
      // Its bytes went when it failed (the removal is repeated, as it is harmless): only the record of why is left.
      await this.removeStaged(current.store_state as StagingState, 'failed');
      await this.d.repo.deleteFailed(this.d.db, id);
      return;
    }
    const lease = randomUUID();
    const row = await this.lease(ctx, id, lease, undefined);
    await this.staging.abort(row.store_state as StagingState);
    await this.d.repo.deleteLeased(this.d.db, id, lease);
    this.hashes.forget(row);
  }

  /**
   * Direct uploads (S3): presigned URLs the client PUTs parts `from`…`to` to (1-based; every part
   * but the last at least 5 MiB, as S3 requires).
   */
  async presignParts(ctx: CallContext, id: string, from: number, to: number): Promise<DirectPart[]> {
    const row = await this.own(ctx, id);
    if (row.protocol !== 'direct') throw conflict('This upload takes its bytes through the server, not in presigned parts');
    if (row.status !== 'receiving') throw conflict(`This upload is ${row.status}; it takes no more parts`);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 10_000 || to < from || to - from >= 1000) {
      throw badRequest('Ask for parts 1 to 10000, at most 1000 at a time');
    }
    const presign = this.staging.presignPart!.bind(this.staging);
    const state = row.store_state as StagingState;
    const out: DirectPart[] = [];
    for (let n = from; n <= to; n++) out.push({ partNumber: n, url: await presign(state, n, PART_URL_SECONDS) });
    return out;
  }

  /**
   * Removes expired sessions: the staged bytes first, then the row, so a purge cut short is taken
   * up again by the next. Returns how many went.
   */
  async purgeExpired(now: Date = new Date()): Promise<number> {
    const lease = randomUUID();
    let purged = 0;
    for (;;) {
      const rows = await this.d.repo.leaseExpired(this.d.db, { lease, until: new Date(now.getTime() + LEASE_MS), now, limit: 100 });
      if (rows.length === 0) return purged;
      for (const row of rows) {
        try {
          await this.removeStaged(row.store_state as StagingState, row.status);
          await this.d.repo.deleteLeased(this.d.db, row.id, lease);
          this.hashes.forget(row);
          purged++;
        } catch (err) {
          this.d.logger.warn({ err, upload: row.id }, 'could not remove an expired upload; the next purge tries again');
        }
      }
      if (rows.length < 100) return purged;
    }
  }

  /**
   * Removes the sessions of a space being deleted, or of an account being deleted, inside the
   * caller's transaction; an uploads.discard job enqueued with them removes their staged bytes
   * once it commits (and again after a crash, as jobs are), so nothing is left on the store.
   */
  async discardAll(tx: Db, of: { spaceId: string } | { owner: string }): Promise<number> {
    const rows = await this.d.repo.deleteAll(tx, of);
    if (rows.length > 0) {
      const payload: DiscardPayload = { staged: rows.map((r) => ({ state: r.store_state as StagingState, status: r.status })) };
      await this.d.queue.enqueue(tx, { kind: UPLOADS_DISCARD_JOB, payload });
    }
    return rows.length;
  }

  /** The uploads.discard job: the staged bytes of sessions already deleted. Removing twice is harmless. */
  async discardStaged(payload: unknown): Promise<void> {
    for (const { state, status } of (payload as DiscardPayload).staged) await this.removeStaged(state, status);
  }

  /** Direct uploads: the parts as the store lists them (nothing a client claims counts), checked against the length. */
  private async storedParts(row: UploadSession): Promise<StoredPart[]> {
    const parts = await this.staging.listParts!(row.store_state as StagingState);
    const total = parts.reduce((n, p) => n + p.size, 0);
    if (total !== row.length) {
      throw conflict(`The store holds ${total} bytes in ${parts.length} parts, but ${row.length} were announced; send the missing parts (or abort)`, { received: total });
    }
    for (const [i, p] of parts.entries()) {
      if (i < parts.length - 1 && p.size < 5 * 1024 * 1024) throw conflict(`Part ${p.partNumber} is ${p.size} bytes; every part but the last must be at least 5 MiB`);
    }
    return parts;
  }

  /**
   * Whatever a session may have staged: its staging, and for a direct upload that went on to
   * finishing the object its parts may have become (never a file's: its commit did not happen).
   */
  private async removeStaged(state: StagingState, status: UploadSessionStatus): Promise<void> {
    if (status === 'completed') return;
    await this.staging.abort(state);
    if (status !== 'receiving') await this.d.blobs.delete(state.key);
  }

  /** A session that can never complete (its target is gone): its bytes and its row go. */
  private async drop(row: UploadSession, lease: string): Promise<void> {
    try {
      await this.removeStaged(row.store_state as StagingState, row.status);
      await this.d.repo.deleteLeased(this.d.db, row.id, lease);
      this.hashes.forget(row);
    } catch (err) {
      this.d.logger.warn({ err, upload: row.id }, 'could not remove an upload whose target is gone; it expires');
      await this.d.repo.releaseLease(this.d.db, row.id, lease).catch(() => undefined);
    }
  }

  /** Finishing failed: the bytes are removed and the reason recorded, for the client that polls. */
  private async fail(row: UploadSession, lease: string, err: unknown): Promise<void> {
    const failure: UploadFailure =
      err instanceof CofferError
        ? { status: err.status, code: err.code, detail: err.message }
        : { status: 500, code: 'upload-finish-failed', detail: 'The upload could not be finished because of a problem on the server; its bytes were removed. Upload the file again' };
    if (!(err instanceof CofferError)) this.d.logger.error({ err, upload: row.id }, 'finishing a direct upload failed');
    // Recorded first, while the lease is still this job's (bytes another holder works on are not
    // touched); should the removal then fail, the purge of the failed row removes them.
    if (!(await this.d.repo.markFailed(this.d.db, row.id, lease, failure))) return;
    await this.removeStaged(row.store_state as StagingState, 'failed').catch((e: unknown) => this.d.logger.warn({ err: e, upload: row.id }, 'could not remove the bytes of a failed upload; its purge will'));
  }

  /** The planned upload of a session, checked again now (access may be gone, quota used up). */
  private async plan(ctx: CallContext, row: UploadSession) {
    try {
      return await this.planNow(ctx, row);
    } catch (err) {
      if (err instanceof CofferError && (err.status === 404 || err.status === 409) && (await this.targetGone(row))) {
        throw new CofferError(
          409,
          TARGET_GONE,
          row.options.nodeId !== undefined
            ? 'The file this upload was a new version of has been deleted; the uploaded bytes were removed. Upload the file again'
            : 'The folder this upload was going into has been deleted (or moved to the trash); the uploaded bytes were removed. Upload the file again into a folder that exists',
        );
      }
      throw err;
    }
  }

  /** Whether the folder (or file) a session was created for was deleted or trashed, itself or above. */
  private async targetGone(row: UploadSession): Promise<boolean> {
    const chain = await this.d.nodes.ancestry(this.d.db, row.options.nodeId ?? row.folder_id);
    return chain.length === 0 || chain.some((n) => n.deleted_at !== null);
  }

  /** The plan of a session whose target is named at completion: checked as any upload there. */
  private async planAt(ctx: CallContext, row: UploadSession, target: NonNullable<CompleteOptions['target']>) {
    const cctx = sessionContext(ctx, row);
    const input: { mime: string | undefined; overwrite: boolean; modifiedAt: Date | undefined } = { mime: row.mime ?? undefined, overwrite: target.overwrite, modifiedAt: row.modified_at ?? undefined };
    const plan = await this.d.files.planUpload(cctx, { parentId: target.parentId, relativePath: target.relativePath, size: row.length, overwrite: target.overwrite });
    return { plan, cctx, input };
  }

  /**
   * A session without a target yet: the caller must be able to write its own space, and a known
   * length must fit its quota (and the server's limit). Its `maxBytes` bounds a length announced later.
   */
  private async ownSpacePlan(ctx: CallContext, size: number | undefined): Promise<{ space: { id: string }; parent: { node: { id: string } }; maxBytes: number | undefined }> {
    const root = await this.d.tree.folderById(ctx, 'root', 'create');
    this.d.tree.access.assert(root, 'create');
    const { space } = root;
    if (space.quota_bytes !== null && size !== undefined && space.used_bytes + size > space.quota_bytes) throw insufficientStorage(space.used_bytes, space.quota_bytes, size);
    const limit = this.d.files.maxUploadBytes;
    if (size !== undefined && limit !== null && size > limit) throw payloadTooLarge(`Files can be at most ${limit} bytes on this server`);
    const room = space.quota_bytes !== null ? Math.max(0, space.quota_bytes - space.used_bytes) : undefined;
    const maxBytes = room === undefined ? (limit ?? undefined) : limit === null ? room : Math.min(room, limit);
    return { space, parent: { node: root.node }, maxBytes };
  }

  /** Reads a finished blob back for a digest the client announced (SHA-256 is known already). */
  private async verify(key: string, sha256: string, expected: FileChecksum): Promise<void> {
    let actual = sha256;
    if (expected.algorithm !== 'sha256') {
      const hash = createHash(expected.algorithm);
      for await (const chunk of await this.d.blobs.read(key)) hash.update(chunk as Buffer);
      actual = hash.digest('hex');
    }
    if (actual !== expected.hex.toLowerCase()) {
      throw new CofferError(400, 'checksum-mismatch', `The uploaded bytes have ${expected.algorithm.toUpperCase()} ${actual}, not ${expected.hex} as announced; nothing was stored, upload the file again`);
    }
  }

  private async planNow(ctx: CallContext, row: UploadSession) {
    const options = row.options;
    const cctx = sessionContext(ctx, row);
    let parentId = row.folder_id;
    let relativePath = row.relative_path;
    if (options.nodeId !== undefined) {
      // A new version of a file lands where the file is now, under its current name.
      const file = await this.d.tree.byId(cctx, options.nodeId, 'write');
      if (file.node.kind !== 'file' || file.node.parent_id === null) throw conflict('The file this upload replaces is gone');
      parentId = file.node.parent_id;
      relativePath = file.node.name;
    }
    const input = { mime: row.mime ?? undefined, overwrite: row.overwrite, modifiedAt: row.modified_at ?? undefined };
    const plan = await this.d.files.planUpload(cctx, { parentId, relativePath, size: row.length, overwrite: row.overwrite });
    return { plan, cctx, input };
  }

  private async commit(
    ctx: CallContext,
    row: UploadSession,
    lease: string,
    plan: Awaited<ReturnType<FilesService['planUpload']>>,
    input: { mime: string | undefined; overwrite: boolean; modifiedAt: Date | undefined; ifMatch?: string | undefined },
    written: { key: string; size: number; sha256: string; sha1: null; head: Buffer },
    opts: { keepOnFailure?: boolean } = {},
  ): Promise<UploadResult> {
    try {
      return await this.d.files.commitWritten(ctx, plan, input, written, async (tx, committed) => {
        if (!(await this.d.repo.markCompleted(tx, row.id, lease, committed.node.id))) throw locked();
      });
    } catch (err) {
      // The staged bytes became a blob and commitWritten deleted it: nothing is left to resume
      // (a finishing session keeps its row, to tell the client why).
      if (!opts.keepOnFailure) await this.d.repo.deleteLeased(this.d.db, row.id, lease).catch(() => undefined);
      throw err;
    } finally {
      this.hashes.forget(row);
    }
  }

  /** Takes a session's lease at `offset`, or says precisely why not. */
  private async lease(ctx: CallContext, id: string, lease: string, offset: number | undefined): Promise<UploadSession> {
    const owner = ownerOf(ctx.actor);
    const now = new Date();
    const row = await this.d.repo.takeLease(this.d.db, { id, owner, received: offset, lease, until: new Date(now.getTime() + LEASE_MS), now });
    if (row) return row;
    const current = await this.own(ctx, id);
    if (current.status === 'completed') throw conflict('This upload is already complete', { received: current.received });
    if (current.status === 'finishing') throw conflict('This upload is being finished; ask for it with GET /api/v1/uploads/{id}', { received: current.received });
    if (current.status === 'failed') throw failureError(current.failure);
    if (current.expires_at <= now) throw new CofferError(410, 'upload-expired', 'This upload expired; start it again');
    if (offset !== undefined && current.received !== offset) {
      throw conflict(`This upload holds ${current.received} bytes, not ${offset}; resume from ${current.received}`, { received: current.received });
    }
    throw locked();
  }

  /** The caller's own session; another's is as good as absent. */
  private async own(ctx: CallContext, id: string): Promise<UploadSession> {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.d.repo.get(this.d.db, id) : undefined;
    if (!row || row.owner !== ownerOf(ctx.actor)) throw notFound('There is no such upload (it may have expired or been cancelled)');
    return row;
  }

  /** Where a new session's file goes: a folder and path, or an existing file (a new version of it). */
  private async target(ctx: CallContext, input: CreateUploadInput): Promise<{ parentId: string; relativePath: string; overwrite: boolean; nodeId?: string }> {
    if (input.nodeId !== undefined) {
      const file = await this.d.tree.byId(ctx, input.nodeId, 'write');
      if (file.node.kind !== 'file' || file.node.parent_id === null) throw conflict(`"${file.node.name}" is a folder; a new version needs a file`);
      return { parentId: file.node.parent_id, relativePath: file.node.name, overwrite: true, nodeId: file.node.id };
    }
    if (!input.relativePath) throw badRequest('Name the file: a file name, or a path below the folder');
    return { parentId: input.parentId ?? 'root', relativePath: input.relativePath, overwrite: input.overwrite ?? false };
  }

  private async head(key: string, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    const stream = await this.d.blobs.read(key, { start: 0, end: Math.min(HEAD_BYTES, length) - 1 });
    const chunks: Buffer[] = [];
    let got = 0;
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      // Some S3-compatible servers answer a range with more; what is needed is read, the rest dropped.
      if (got >= HEAD_BYTES) break;
    }
    stream.destroy();
    return Buffer.concat(chunks).subarray(0, HEAD_BYTES);
  }

  private async hashBack(key: string, signal: AbortSignal): Promise<{ size: number; sha256: string; head: Buffer }> {
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let size = 0;
    const stream = await this.d.blobs.read(key);
    for await (const chunk of stream) {
      if (signal.aborted) {
        stream.destroy();
        throw signal.reason as Error;
      }
      const buf = chunk as Buffer;
      if (size < HEAD_BYTES) head.push(buf.subarray(0, HEAD_BYTES - size));
      size += buf.length;
      hash.update(buf);
    }
    return { size, sha256: hash.digest('hex'), head: Buffer.concat(head) };
  }
}

/** Who a session belongs to: a person, or an organisation's application. */
function ownerOf(actor: Actor): string {
  if (actor.link) throw forbidden('A public link cannot start a resumable upload');
  return sessionOwner(actor.service ? { serviceAccountId: actor.service.accountId } : { userId: actor.userId });
}

/** The owner of a person's sessions, or of an application's, as the rows (and `discardAll`) name them. */
export function sessionOwner(of: { userId: string } | { serviceAccountId: string }): string {
  return 'userId' in of ? `user:${of.userId}` : `service:${of.serviceAccountId}`;
}

function view(row: UploadSession): UploadSessionView {
  return {
    id: row.id,
    protocol: row.protocol,
    length: row.length,
    received: row.received,
    status: row.status,
    nodeId: row.node_id,
    failure: row.failure,
    metadata: row.metadata,
    partSize: row.protocol === 'direct' ? partSizeOf(row.store_state) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

function partSizeOf(state: unknown): number | null {
  const size = (state as { partSize?: unknown }).partSize;
  return typeof size === 'number' ? size : null;
}
