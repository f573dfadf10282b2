import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import { sessionOwner, type UploadSessionView } from '../../services/upload-sessions.service.js';
import type { DavResource, LockStore } from '../../webdav/backend.js';
import { DavError } from '../../webdav/errors.js';
import type { AssembleOptions, ChunkedUploadBackend, UploadChunk, UploadFolder } from '../../webdav/nextcloud-chunking.js';
import { davErrorOf, type CoreDavBackend } from './core-dav-backend.js';

/** Where a session keeps its chunk list (protocol metadata): "name:size,name:size…". */
const CHUNKS = 'chunks';

/**
 * Nextcloud chunked uploads over the core's upload sessions: an upload folder is one session of
 * protocol 'nextcloud', named after the caller and the client's transfer id (so any server finds
 * it without a lookup table), its chunks appended in order. Length and destination are taken when
 * the client gives them (MKCOL, else the final MOVE); the session service checks access, policies
 * and quota at creation and again at completion, and commits the file atomically.
 */
export class CoreChunkedUploads implements ChunkedUploadBackend {
  constructor(
    private readonly core: Core,
    private readonly ctx: CallContext,
    private readonly files: CoreDavBackend,
  ) {}

  get locks(): LockStore {
    return this.files.locks;
  }

  get principal(): string {
    return this.files.principal;
  }

  get instanceId(): string {
    return this.files.instanceId;
  }

  async folder(transferId: string): Promise<UploadFolder | null> {
    const session = await this.session(transferId);
    if (!session || session.status !== 'receiving' || session.expiresAt <= new Date()) return null;
    return { chunks: chunksOf(session), received: session.received, createdAt: session.createdAt, modifiedAt: session.updatedAt };
  }

  async create(transferId: string, o: { length?: number | undefined; destination?: string[] | undefined }): Promise<boolean> {
    const id = this.sessionId(transferId);
    const existing = await this.session(transferId);
    if (existing) {
      if (existing.status === 'receiving' && existing.expiresAt > new Date()) return false;
      // A finished or expired upload of the same name (the Android app names uploads by content): start afresh.
      await core(() => this.core.uploads.forgetFinished(this.ctx, id));
    }
    const target = o.destination ? await this.files.uploadTarget(o.destination) : null;
    await core(() =>
      this.core.uploads.create(this.ctx, {
        id,
        protocol: 'nextcloud',
        length: o.length ?? null,
        ...(target ? { parentId: target.parentId, relativePath: target.name, overwrite: true } : { targetLater: true }),
        metadata: { [CHUNKS]: '' },
      }),
    );
    return true;
  }

  async append(transferId: string, offset: number, body: Readable, chunk: { name: string; continuesLast: boolean }): Promise<void> {
    await core(() =>
      this.core.uploads.append(this.ctx, this.sessionId(transferId), offset, body, {
        metadata: (current, bytes) => {
          const chunks = decodeChunks(current[CHUNKS] ?? '');
          const last = chunks.at(-1);
          if (chunk.continuesLast && last && last.name === chunk.name) last.size += bytes;
          else chunks.push({ name: chunk.name, size: bytes });
          return { ...current, [CHUNKS]: encodeChunks(chunks) };
        },
      }),
    );
  }

  async assemble(transferId: string, destination: string[], o: AssembleOptions): Promise<{ resource: DavResource; created: boolean }> {
    const id = this.sessionId(transferId);
    const session = await this.session(transferId);
    if (!session || session.status !== 'receiving') throw new DavError(404, 'There is no such upload (it may have finished, expired or been cancelled)');
    const existing = await this.files.stat(destination);
    if (existing?.collection) throw new DavError(409, 'A folder exists at the destination; a file cannot replace it');
    if (existing && !o.overwrite) throw new DavError(412, 'The destination exists and Overwrite is F');
    if (o.ifMatch !== undefined && existing?.etag !== o.ifMatch) {
      throw new DavError(412, existing ? 'The file was changed since you last saw it (its ETag differs); sync it again' : 'The file to replace no longer exists');
    }
    const target = await this.files.uploadTarget(destination);
    const placed = await core(() =>
      this.core.uploads.complete(this.ctx, id, {
        target: { parentId: target.parentId, relativePath: target.name, overwrite: true },
        length: o.totalLength,
        modifiedAt: o.modifiedAt,
        ifMatch: o.ifMatch,
        checksum: o.checksum,
      }),
    );
    const resource = await this.files.stat([...destination.slice(0, -1), placed.node.name]);
    if (!resource) throw new DavError(500, 'The assembled file could not be found right after it was stored');
    return { resource, created: placed.created };
  }

  async abort(transferId: string): Promise<void> {
    await core(() => this.core.uploads.abort(this.ctx, this.sessionId(transferId)));
  }

  private async session(transferId: string): Promise<UploadSessionView | null> {
    try {
      const s = await this.core.uploads.get(this.ctx, this.sessionId(transferId));
      return s.protocol === 'nextcloud' ? s : null;
    } catch (err) {
      if (err instanceof CofferError && err.status === 404) return null;
      if (err instanceof CofferError) throw davErrorOf(err);
      throw err;
    }
  }

  /** A UUID (version-5 layout) of the caller and the client's transfer id: stable across servers, private to the caller. */
  private sessionId(transferId: string): string {
    const a = this.ctx.actor;
    const owner = a.service ? sessionOwner({ serviceAccountId: a.service.accountId }) : sessionOwner({ userId: a.userId });
    const h = createHash('sha1').update(`coffer:nextcloud-upload\0${owner}\0${transferId}`).digest();
    h[6] = (h[6]! & 0x0f) | 0x50;
    h[8] = (h[8]! & 0x3f) | 0x80;
    const hex = h.subarray(0, 16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

function chunksOf(session: UploadSessionView): UploadChunk[] {
  return decodeChunks(session.metadata[CHUNKS] ?? '');
}

function decodeChunks(text: string): UploadChunk[] {
  if (text === '') return [];
  return text.split(',').map((entry) => {
    const [name, size] = entry.split(':');
    return { name: name!, size: Number(size) };
  });
}

function encodeChunks(chunks: UploadChunk[]): string {
  return chunks.map((c) => `${c.name}:${c.size}`).join(',');
}

/** Runs a core call and turns its errors into protocol errors with the same status and message. */
async function core<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CofferError) throw davErrorOf(err);
    throw err;
  }
}
