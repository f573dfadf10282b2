import { API_BASE } from '../api/session';
import type { FileNode, Problem } from '../api/types';
import { formatBytes } from '../ui/format';

/** Why one upload failed: the HTTP status (0 when no answer came) and words for its row. */
export class UploadFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadFailure';
  }
}

/** The request was aborted because someone cancelled the upload; not a failure to show. */
export function isCancelled(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export interface SendOptions {
  url: string;
  token: string;
  file: Blob;
  /** Bytes of the body sent so far. */
  onProgress: (loaded: number) => void;
  signal: AbortSignal;
}

export type XhrFactory = () => XMLHttpRequest;

/** A stored upload: 201 when a file was created, 200 when an existing one got a new version. */
export interface StoredFile {
  status: number;
  /** The stored node; undefined when its description was unreadable. */
  node: FileNode | undefined;
}

const CONNECTION_LOST = 'Connection lost. Check your connection and retry.';

/** The words for a refused upload, from the server's problem details. */
export function failureMessage(status: number, problem: Problem | undefined, fileSize: number): string {
  if (status === 0) return CONNECTION_LOST;
  if (status === 507) {
    const available = numberOf(problem?.available);
    const needed = numberOf(problem?.needed) ?? fileSize;
    if (available !== undefined) return `Not enough space: ${formatBytes(available)} left, this file needs ${formatBytes(needed)}.`;
  }
  if (status === 401) return 'Your session has ended. Sign in again, then retry.';
  const reason = problem?.detail ?? problem?.title;
  if (reason) return reason;
  if (status === 413) return `This file (${formatBytes(fileSize)}) is larger than the server accepts.`;
  if (status >= 500) return `The server could not store the file (${status}). Retry in a moment.`;
  return `The server refused the upload (${status}).`;
}

function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The problem details in an answer; a proxy's HTML error page says nothing worth showing. */
export function parseProblem(text: string): Problem | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Problem) : undefined;
  } catch {
    const plain = text.trim();
    return plain && !plain.startsWith('<') ? { detail: plain.slice(0, 300) } : undefined;
  }
}

/** What came back for a POSTed file: the HTTP status, 0 when no answer came, and the body. */
export interface PostAnswer {
  status: number;
  text: string;
}

export interface PostFileOptions {
  url: string;
  /** Sent before the content type. */
  headers?: Record<string, string>;
  file: Blob;
  /** Bytes of the body sent so far. */
  onProgress: (loaded: number) => void;
  signal: AbortSignal;
}

/**
 * POSTs one file as the raw request body. XMLHttpRequest, because fetch reports no upload
 * progress; and sending the File itself streams it from disk, so a 2 GB file is never in memory.
 * Resolves with any answer, or status 0 when the connection failed; rejects with an AbortError
 * when `signal` cancels it.
 */
export function postFile({ url, headers = {}, file, onProgress, signal }: PostFileOptions, createXhr: XhrFactory = () => new XMLHttpRequest()): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    const xhr = createXhr();
    const abort = () => xhr.abort();
    const settle = () => signal.removeEventListener('abort', abort);
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e: ProgressEvent) => onProgress(e.loaded);
    xhr.onload = () => {
      settle();
      resolve({ status: xhr.status, text: xhr.responseText });
    };
    xhr.onerror = () => {
      settle();
      resolve({ status: 0, text: '' });
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      settle();
      reject(new DOMException('Upload cancelled', 'AbortError'));
    };
    signal.addEventListener('abort', abort, { once: true });
    xhr.send(file);
  });
}

/**
 * Uploads one file with the session's token (see postFile). Resolves with the answer's status and
 * the stored node; rejects with UploadFailure, or with an AbortError when `signal` cancels it.
 */
export async function sendFile({ url, token, file, onProgress, signal }: SendOptions, createXhr?: XhrFactory): Promise<StoredFile> {
  const { status, text } = await postFile({ url, headers: { authorization: `Bearer ${token}` }, file, onProgress, signal }, createXhr);
  if (status === 0) throw new UploadFailure(0, CONNECTION_LOST);
  if (status < 200 || status >= 300) throw new UploadFailure(status, failureMessage(status, parseProblem(text), file.size));
  // Stored whatever the body says: failing here would invite a retry that stores it twice.
  const node = parseProblem(text);
  return { status, node: node && typeof node.id === 'string' ? (node as unknown as FileNode) : undefined };
}

/** The API address that stores `relativePath` under `parentId`; missing folders on the way are created. */
export function uploadUrl(parentId: string, relativePath: string, lastModified: number | undefined, overwrite: boolean): string {
  const q = new URLSearchParams({ parent_id: parentId, path: relativePath });
  // Keeps the file's own date instead of the upload time; 0 means the browser does not know it.
  if (lastModified && Number.isFinite(lastModified)) q.set('modified_at', new Date(lastModified).toISOString());
  if (overwrite) q.set('overwrite', 'true');
  return `${API_BASE}/files?${q}`;
}
