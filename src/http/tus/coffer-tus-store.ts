import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import { DataStore, Upload } from '@tus/server';
import type { CallContext } from '../../core/context.js';
import type { AppendChecksum, UploadSessionsService, UploadSessionView } from '../../services/upload-sessions.service.js';

/** What the tus door knows of the request a store call serves (the tus server passes the store only ids). */
export interface TusRequestContext {
  ctx: CallContext;
  method: string;
  checksum?: AppendChecksum | undefined;
}

export const tusRequests = new AsyncLocalStorage<TusRequestContext>();

function current(): TusRequestContext {
  const got = tusRequests.getStore();
  if (!got) throw new Error('A tus store call outside a request');
  return got;
}

/**
 * @tus/server's storage, onto Coffer's upload sessions: the sessions hold the state and the blob
 * store the bytes, so any server of a cluster answers any request of an upload. The caller is
 * the signed-in request's (carried in `tusRequests`), and every call is checked by the service.
 */
export class CofferTusStore extends DataStore {
  constructor(
    private readonly uploads: UploadSessionsService,
    private readonly expiryMs: number,
  ) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration', 'checksum'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const { ctx } = current();
    const meta = upload.metadata ?? {};
    const text = (key: string): string | undefined => {
      const v = meta[key];
      return v === null || v === undefined || v === '' ? undefined : v;
    };
    const modified = text('modified_at') ?? text('lastModified');
    const session = await this.uploads.create(ctx, {
      id: upload.id,
      protocol: 'tus',
      length: upload.size ?? -1,
      parentId: text('parent_id'),
      relativePath: text('path') ?? text('filename') ?? text('name'),
      nodeId: text('node_id'),
      overwrite: text('overwrite') === 'true' || text('overwrite') === '1',
      mime: text('filetype') ?? text('type'),
      modifiedAt: modified === undefined ? undefined : parseTime(modified),
      metadata: meta,
    });
    upload.creation_date = this.creationOf(session);
    return upload;
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const { ctx, checksum } = current();
    const session = await this.uploads.append(ctx, id, offset, stream, { checksum });
    return session.received;
  }

  override async getUpload(id: string): Promise<Upload> {
    const { ctx, method } = current();
    let session = await this.uploads.get(ctx, id);
    // All bytes in, no file: its completion failed after the last append (a restart, a database
    // hiccup). A client that resumes asks HEAD first; completing now keeps it from taking a full
    // offset for success, and answers a refusal (quota, policy) where it can read it.
    if (method === 'HEAD' && session.status === 'receiving' && session.received === session.length) {
      await this.uploads.complete(ctx, id);
      session = await this.uploads.get(ctx, id);
    }
    return new Upload({
      id: session.id,
      size: session.length,
      offset: session.status === 'completed' ? session.length : session.received,
      metadata: session.metadata,
      creation_date: this.creationOf(session),
    });
  }

  override async remove(id: string): Promise<void> {
    await this.uploads.abort(current().ctx, id);
  }

  override async deleteExpired(): Promise<number> {
    return this.uploads.purgeExpired();
  }

  override getExpiration(): number {
    return this.expiryMs;
  }

  /**
   * tus computes Upload-Expires as creation time + expiration; a session's expiry moves on with
   * each append, so the "creation" given is the expiry less the expiration period.
   */
  private creationOf(session: UploadSessionView): string {
    return new Date(session.expiresAt.getTime() - this.expiryMs).toISOString();
  }
}

function parseTime(raw: string): Date | undefined {
  const d = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) > 1e11 ? Number(raw) : Number(raw) * 1000) : new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
