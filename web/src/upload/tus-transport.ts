import { Upload, type DetailedError, type UploadOptions } from 'tus-js-client';
import { API_BASE } from '../api/session';
import type { FileNode } from '../api/types';
import { failureMessage, parseProblem, UploadFailure, type StoredFile } from './transport';

/** Files from this size on go through tus: resumable after a dropped connection or a reload. */
export const TUS_THRESHOLD = 32 * 1024 * 1024;
/**
 * One PATCH per 32 MiB: a request a proxy will pass, four whole parts on S3, and little to send
 * again even where a cut-off body is lost (the server keeps what arrived anyway).
 */
const CHUNK_BYTES = 32 * 1024 * 1024;
/** Waits between attempts after a network failure: about four minutes in all, then the row fails (Retry resumes). */
const RETRY_DELAYS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000, 60_000, 60_000];

export interface TusSendOptions {
  /** A current bearer token (asked again before every request: a long upload outlives one). */
  token: () => Promise<string>;
  file: File;
  parentId: string;
  relativePath: string;
  overwrite: boolean;
  onProgress: (loaded: number) => void;
  signal: AbortSignal;
}

/**
 * Uploads one file with tus (tus-js-client), resuming an earlier attempt at the same file into the
 * same place: its address is kept in localStorage under a fingerprint of the file and the target,
 * so a page reload or a new attempt after a network drop carries on from the server's offset.
 * Cancelling terminates the upload on the server (its staged bytes are freed).
 */
export function sendFileTus({ token, file, parentId, relativePath, overwrite, onProgress, signal }: TusSendOptions): Promise<StoredFile> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    const metadata: Record<string, string> = { filename: file.name, path: relativePath, parent_id: parentId, filetype: file.type || 'application/octet-stream' };
    if (overwrite) metadata.overwrite = 'true';
    if (file.lastModified && Number.isFinite(file.lastModified)) metadata.modified_at = new Date(file.lastModified).toISOString();
    const options: UploadOptions = {
      endpoint: `${API_BASE}/uploads/tus`,
      metadata,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      // The same file into the same place resumes; the same file elsewhere is another upload.
      fingerprint: async () => ['coffer-tus', parentId, relativePath, file.size, file.lastModified, overwrite ? 'replace' : 'add'].join('|'),
      onBeforeRequest: async (req) => {
        req.setHeader('Authorization', `Bearer ${await token()}`);
      },
      // tus-js-client gives up at once while the browser says it is offline; a dropped network is
      // exactly when to keep trying (the delays above), as for server errors and a busy upload.
      onShouldRetry: (err) => {
        const status = (err as DetailedError).originalResponse?.getStatus() ?? 0;
        return status === 0 || status >= 500 || status === 409 || status === 423;
      },
      onProgress: (sent) => onProgress(sent),
      onSuccess: ({ lastResponse }) => {
        signal.removeEventListener('abort', cancel);
        const id = lastResponse.getHeader('Coffer-File-Id');
        const name = lastResponse.getHeader('Coffer-File-Name');
        const status = Number(lastResponse.getHeader('Coffer-File-Status') ?? 201);
        const node = id ? ({ id, name: name ? decodeURIComponent(name) : file.name } as unknown as FileNode) : undefined;
        resolve({ status: status === 200 ? 200 : 201, node });
      },
      onError: (err) => {
        signal.removeEventListener('abort', cancel);
        if (signal.aborted) return;
        const res = (err as DetailedError).originalResponse;
        const status = res ? res.getStatus() : 0;
        reject(new UploadFailure(status, failureMessage(status, parseProblem(res?.getBody() ?? ''), file.size)));
      },
    };
    const upload = new Upload(file, options);
    const cancel = () => {
      void upload.abort(true).catch(() => undefined);
      reject(new DOMException('Upload cancelled', 'AbortError'));
    };
    signal.addEventListener('abort', cancel, { once: true });
    void upload.findPreviousUploads().then(
      (previous) => {
        if (signal.aborted) return;
        const last = previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
        if (last) upload.resumeFromPreviousUpload(last);
        upload.start();
      },
      () => upload.start(),
    );
  });
}
