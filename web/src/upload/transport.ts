import type { FileNode, Problem } from '../api/types';
import { formatBytes } from '../ui/format';

/** Why one upload failed, in words for its row. */
export class UploadFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadFailure';
  }
}

export interface SendOptions {
  url: string;
  token: string;
  file: Blob;
  onProgress: (loaded: number) => void;
  signal: AbortSignal;
}

export type XhrFactory = () => XMLHttpRequest;

/** The words for a refused upload, from the server's problem details. */
export function failureMessage(status: number, problem: Problem | undefined, fileSize: number): string {
  if (status === 0) return 'Connection lost. Check your connection and retry.';
  if (status === 507) {
    const available = Number(problem?.available);
    const needed = Number(problem?.needed ?? fileSize);
    if (Number.isFinite(available)) return `Not enough space: ${formatBytes(available)} left, this file needs ${formatBytes(needed)}.`;
  }
  if (status === 401) return 'Your session has ended. Sign in again, then retry.';
  return problem?.detail ?? problem?.title ?? `The server refused the upload (${status}).`;
}

function parseProblem(text: string): Problem | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Problem) : undefined;
  } catch {
    return text ? { detail: text.slice(0, 300) } : undefined;
  }
}

/**
 * POSTs one file as the raw request body. XMLHttpRequest, because fetch reports no upload
 * progress; and sending the File itself streams it from disk, so a 2 GB file is never in memory.
 */
export function sendFile({ url, token, file, onProgress, signal }: SendOptions, createXhr: XhrFactory = () => new XMLHttpRequest()): Promise<FileNode> {
  return new Promise((resolve, reject) => {
    const xhr = createXhr();
    const abort = () => xhr.abort();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e: ProgressEvent) => onProgress(e.loaded);
    xhr.onload = () => {
      signal.removeEventListener('abort', abort);
      if (xhr.status >= 200 && xhr.status < 300) {
        const node = parseProblem(xhr.responseText) as FileNode | undefined;
        if (node) resolve(node);
        else reject(new UploadFailure(xhr.status, 'The server sent an answer Coffer did not understand.'));
      } else {
        reject(new UploadFailure(xhr.status, failureMessage(xhr.status, parseProblem(xhr.responseText), file.size)));
      }
    };
    xhr.onerror = () => {
      signal.removeEventListener('abort', abort);
      reject(new UploadFailure(0, failureMessage(0, undefined, file.size)));
    };
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    if (signal.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    signal.addEventListener('abort', abort, { once: true });
    xhr.send(file);
  });
}

/** The API address that stores `relativePath` under `parentId`; folders on the way are created. */
export function uploadUrl(parentId: string, relativePath: string, lastModified: number | undefined, overwrite: boolean): string {
  const q = new URLSearchParams({ parent_id: parentId, path: relativePath });
  if (lastModified && Number.isFinite(lastModified)) q.set('modified_at', new Date(lastModified).toISOString());
  if (overwrite) q.set('overwrite', 'true');
  return `/api/v1/files?${q}`;
}
