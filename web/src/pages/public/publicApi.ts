import { createContext, useContext } from 'react';
import { ApiError, NetworkError, problemOf } from '../../api/errors';
import type { LinkInfo, PublicListing, PublicUploadResult } from '../../api/links-types';
import { previewAnswerOf, type PreviewAnswer, type PreviewSize } from '../../api/previews';
import { API_BASE } from '../../api/session';
import { parseProblem, postFile, type XhrFactory } from '../../upload/transport';
import { formatBytes } from '../../ui/format';

const enc = encodeURIComponent;

/** Where a link's bytes are: plain addresses, so the browser downloads and streams them itself. */
export function linkUrls(token: string) {
  const base = `/s/${enc(token)}`;
  return {
    /** The linked file, or the linked folder as a ZIP (counts one download). */
    download: `${base}/download`,
    /** One file inside the link: inline for previews, or as an attachment that counts a download. */
    content: (id: string, download = false) => `${base}/files/${enc(id)}/content${download ? '?download=1' : ''}`,
    folderZip: (id: string) => `${base}/folders/${enc(id)}/zip`,
    upload: (name: string) => `${API_BASE}/s/${enc(token)}/files?${new URLSearchParams({ path: name })}`,
  };
}

/** Seconds to wait before trying again, from a 429 answer; undefined when the server did not say. */
export function retryAfterOf(err: unknown): number | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const value = err.problem.retry_after ?? err.problem.retryAfter;
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? Math.ceil(n) : undefined;
}

/**
 * Calls of a link's visitors. No bearer token and no session renewal: the link's token and, once
 * a password was given, the httpOnly cookie the server set for this link are the only credentials.
 */
export function createPublicApi(fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  /** A successful response, or the server's problem as an ApiError. */
  const send = async (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(`${API_BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new NetworkError(err);
    }
    if (!response.ok) {
      const problem = await problemOf(response);
      const retryAfter = response.headers.get('retry-after');
      throw new ApiError(response.status, retryAfter !== null ? { ...problem, retry_after: retryAfter } : problem);
    }
    return response;
  };
  const call = async <T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> => {
    const response = await send(method, path, body, signal);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  };
  return {
    /** What the link is; counts one view once it is unlocked. */
    info: (token: string, signal?: AbortSignal) => call<LinkInfo>('GET', `/s/${enc(token)}`, undefined, signal),
    unlock: (token: string, password: string) => call<void>('POST', `/s/${enc(token)}/unlock`, { password }),
    children: (token: string, q: { folderId?: string; limit: number; offset: number }, signal?: AbortSignal) => {
      const params = new URLSearchParams({ limit: String(q.limit), offset: String(q.offset) });
      if (q.folderId) params.set('folder_id', q.folderId);
      return call<PublicListing>('GET', `/s/${enc(token)}/children?${params}`, undefined, signal);
    },
    /** A preview picture of a file inside the link, or word that it is being made (202); 404 when there is none. */
    preview: async (token: string, id: string, size: PreviewSize, signal?: AbortSignal): Promise<PreviewAnswer> =>
      previewAnswerOf(await send('GET', `/s/${enc(token)}/files/${enc(id)}/preview?size=${size}`, undefined, signal)),
  };
}

export type PublicApi = ReturnType<typeof createPublicApi>;

const PublicApiContext = createContext<PublicApi | null>(null);
export const PublicApiProvider = PublicApiContext.Provider;
let fallback: PublicApi | undefined;

export function usePublicApi(): PublicApi {
  const api = useContext(PublicApiContext);
  if (api) return api;
  fallback ??= createPublicApi();
  return fallback;
}

/** Why an upload through a link failed, in words for its row. */
export class PublicUploadFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PublicUploadFailure';
  }
}

export function publicUploadMessage(status: number, text: string, size: number): string {
  const problem = parseProblem(text);
  if (status === 0) return 'Connection lost. Check your connection and try again.';
  if (status === 401) return 'This link asks for its password again. Reload the page and enter it.';
  if (status === 413) return `This file (${formatBytes(size)}) is larger than the server accepts.`;
  if (status === 507) return 'There is no room left for this file. Tell the person who sent you the link.';
  const reason = problem?.detail ?? problem?.title;
  if (reason) return reason;
  if (status === 410) return 'This link no longer accepts files.';
  if (status >= 500) return `The server could not store the file (${status}). Try again in a moment.`;
  return `The server refused the file (${status}).`;
}

export interface PublicSendOptions {
  url: string;
  file: Blob;
  onProgress: (loaded: number) => void;
  signal: AbortSignal;
}

/** Uploads one file through a link (see postFile); resolves with the name the server stored it under. */
export async function sendPublicFile({ url, file, onProgress, signal }: PublicSendOptions, createXhr?: XhrFactory): Promise<PublicUploadResult> {
  const { status, text } = await postFile({ url, file, onProgress, signal }, createXhr);
  if (status < 200 || status >= 300) throw new PublicUploadFailure(status, publicUploadMessage(status, text, file.size));
  const body = parseProblem(text);
  const name = typeof body?.name === 'string' ? body.name : undefined;
  const size = typeof body?.size === 'number' ? body.size : file.size;
  return { name: name ?? '', size };
}
