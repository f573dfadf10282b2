import { sql } from 'kysely';
import type { Node } from '../db/schema.js';
import type { AuditEntry } from './audit.repository.js';
import { nodeFromJson, type NodeJson } from './node-json.js';
import type { Db } from './node.repository.js';
import type { JobRequest } from '../jobs/queue.js';

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
  /** The file's row as the statement left it (ok: the new row; replaced: after it got its new version). */
  node: Node | null;
}

/** Commits new files and new versions of existing ones in one statement (coffer_add_files, migrations 0008 and 0011). */
export class NewFilesRepository {
  /**
   * `jobs` (by the file's position) are enqueued in the same statement for the files that were
   * stored (ok, replaced), so a job exists exactly when its file does.
   */
  async add(db: Db, spaceId: string, files: NewFileRow[], now: Date, jobs: { ord: number; job: JobRequest }[] = []): Promise<AddedFile[]> {
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
    type Row = { ord: number; outcome: AddedFile['outcome']; path: string | null; node: NodeJson | null };
    const added = sql`coffer_add_files(${spaceId}::uuid, ${JSON.stringify(payload)}::jsonb, ${now}::timestamptz)`;
    const { rows } =
      jobs.length === 0
        ? await sql<Row>`select ord, outcome, path, node from ${added}`.execute(db)
        : await sql<Row>`
          with added as (select ord, outcome, path, node from ${added}),
          queued as (
            insert into jobs (kind, key, payload, priority, max_attempts)
            select j.kind, j.key, j.payload, j.priority, j.max_attempts
            from jsonb_to_recordset(${JSON.stringify(jobs.map(({ ord, job }) => ({ ord, kind: job.kind, key: job.key ?? null, payload: job.payload ?? {}, priority: job.priority ?? 0, max_attempts: job.maxAttempts ?? 5 })))}::jsonb)
              as j(ord int, kind text, key text, payload jsonb, priority int, max_attempts int)
            join added a on a.ord = j.ord and a.outcome in ('ok', 'replaced')
            on conflict (kind, key) where key is not null and state in ('queued', 'running') do nothing
            returning 1
          )
          select ord, outcome, path, node from added`.execute(db);
    const out: AddedFile[] = files.map(() => ({ outcome: 'folder-gone', path: null, node: null }));
    for (const r of rows) out[r.ord] = { outcome: r.outcome, path: r.path, node: r.node ? nodeFromJson(r.node) : null };
    return out;
  }
}
