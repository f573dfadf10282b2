import { sql } from 'kysely';
import type { AuditEntry } from './audit.repository.js';
import type { Db } from './node.repository.js';

/** A new file whose bytes are stored: everything its rows need, ids included. */
export interface NewFileRow {
  folderId: string;
  name: string;
  nodeId: string;
  versionId: string;
  blobId: string;
  storeKey: string;
  size: number;
  sha256: string;
  sha1: string | null;
  mime: string;
  etag: string;
  modifiedAt: Date;
  /** The upload's audit event; its action, node, path and bytes are the function's to fill in. */
  audit: Pick<AuditEntry, 'actorId' | 'actorName' | 'ip' | 'userAgent' | 'detail'>;
}

/** What became of one file: see migration 0008 for the outcomes. */
export interface AddedFile {
  outcome: 'ok' | 'folder-gone' | 'taken' | 'quota';
  /** Where it landed (ok), or would have. */
  path: string | null;
}

/** Commits new files in one statement (the coffer_add_files function of migration 0008). */
export class NewFilesRepository {
  async add(db: Db, spaceId: string, files: NewFileRow[], now: Date): Promise<AddedFile[]> {
    const payload = files.map((f, ord) => ({
      ord,
      folder_id: f.folderId,
      name: f.name,
      node_id: f.nodeId,
      version_id: f.versionId,
      blob_id: f.blobId,
      store_key: f.storeKey,
      size: f.size,
      sha256: f.sha256,
      sha1: f.sha1,
      mime: f.mime,
      etag: f.etag,
      modified_at: f.modifiedAt.toISOString(),
      actor_id: f.audit.actorId,
      actor_name: f.audit.actorName,
      ip: f.audit.ip,
      user_agent: f.audit.userAgent,
      detail: f.audit.detail ? JSON.stringify(f.audit.detail) : null,
    }));
    const { rows } = await sql<{ ord: number; outcome: AddedFile['outcome']; path: string | null }>`
      select ord, outcome, path from coffer_add_files(${spaceId}::uuid, ${JSON.stringify(payload)}::jsonb, ${now}::timestamptz)`.execute(db);
    const out: AddedFile[] = files.map(() => ({ outcome: 'folder-gone', path: null }));
    for (const r of rows) out[r.ord] = { outcome: r.outcome, path: r.path };
    return out;
  }
}
