import { sql } from 'kysely';
import type { Node } from '../db/schema.js';
import type { AuditEntry } from './audit.repository.js';
import { nodeFromJson, type NodeJson } from './node-json.js';
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
  /** When a live file has the name: make this its new version (outcome replaced) rather than refuse it (taken). */
  replace: boolean;
  /** The upload's audit event; its action, node, path and bytes are the function's to fill in. */
  audit: Pick<AuditEntry, 'actorId' | 'actorName' | 'ip' | 'userAgent' | 'detail'>;
}

/** What became of one file: see migrations 0008 and 0011 for the outcomes. */
export interface AddedFile {
  outcome: 'ok' | 'replaced' | 'folder-gone' | 'taken' | 'quota';
  /** Where it landed (ok, replaced), or would have. */
  path: string | null;
  /** The file's row after it got its new version (replaced only). */
  node: Node | null;
}

/** Commits new files and new versions of existing ones in one statement (coffer_add_files, migrations 0008 and 0011). */
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
      replace: f.replace,
      actor_id: f.audit.actorId,
      actor_name: f.audit.actorName,
      ip: f.audit.ip,
      user_agent: f.audit.userAgent,
      detail: f.audit.detail ? JSON.stringify(f.audit.detail) : null,
    }));
    const { rows } = await sql<{ ord: number; outcome: AddedFile['outcome']; path: string | null; node: NodeJson | null }>`
      select ord, outcome, path, node from coffer_add_files(${spaceId}::uuid, ${JSON.stringify(payload)}::jsonb, ${now}::timestamptz)`.execute(db);
    const out: AddedFile[] = files.map(() => ({ outcome: 'folder-gone', path: null, node: null }));
    for (const r of rows) out[r.ord] = { outcome: r.outcome, path: r.path, node: r.node ? nodeFromJson(r.node) : null };
    return out;
  }
}
