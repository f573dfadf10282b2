import { request as httpRequest } from 'node:http';
import * as tus from 'tus-js-client';
import type { Api } from './api.js';

export interface TusRun {
  upload: tus.Upload;
  /** Resolves with the id of the file made (Coffer-File-Id), rejects with the client's error. */
  done: Promise<string>;
  /** Offsets tus-js-client reported, first to last. */
  progress: number[];
}

/** Starts a tus-js-client upload of `data` to a test server, signed in as `api`'s user. */
export function tusUpload(api: Api, data: Buffer, options: Partial<tus.UploadOptions> & { metadata: Record<string, string> }): TusRun {
  const progress: number[] = [];
  let upload!: tus.Upload;
  const done = new Promise<string>((resolve, reject) => {
    upload = new tus.Upload(data, {
      endpoint: `${api.base}/api/v1/uploads/tus`,
      headers: { authorization: `Bearer ${api.token}` },
      retryDelays: null,
      ...options,
      onProgress: (sent) => progress.push(sent),
      onSuccess: ({ lastResponse }) => resolve(lastResponse.getHeader('coffer-file-id') ?? ''),
      onError: reject,
    });
    upload.start();
  });
  // A run whose rejection a test expects is awaited there; never an unhandled rejection here.
  done.catch(() => undefined);
  return { upload, done, progress };
}

/** Raw tus requests, for what a client library would never send (wrong checksums, races). */
export function tusFetch(api: Api, path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
  return api.fetch(`/uploads/tus${path}`, { ...init, headers: { 'tus-resumable': '1.0.0', ...(init.headers ?? {}) } });
}

export function tusMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

/** Creates a tus upload with raw requests; returns its id. */
export async function tusCreate(api: Api, length: number, meta: Record<string, string>): Promise<{ status: number; id: string; res: Response }> {
  const res = await tusFetch(api, '', { method: 'POST', headers: { 'upload-length': String(length), 'upload-metadata': tusMetadata(meta) } });
  const location = res.headers.get('location') ?? '';
  return { status: res.status, id: location.split('/').pop() ?? '', res };
}

export function tusPatch(api: Api, id: string, offset: number, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return tusFetch(api, `/${id}`, {
    method: 'PATCH',
    body,
    headers: { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', ...headers },
  });
}

/**
 * Sends a PATCH that declares all of `body` but drops the connection after `cutAt` bytes, as a
 * network failure would. Deterministic where aborting a client library is not: a fast server
 * may have taken the whole body before the library's abort lands.
 */
export async function tusPatchCut(api: Api, id: string, body: Buffer, cutAt: number): Promise<void> {
  const url = new URL(`${api.base}/api/v1/uploads/tus/${id}`);
  const req = httpRequest(url, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${api.token}`,
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
      'content-length': String(body.length),
    },
  });
  req.on('error', () => undefined);
  req.on('response', (res) => res.resume());
  await new Promise<void>((resolve) => req.write(body.subarray(0, cutAt), () => resolve()));
  // Let the server read what was written before the connection goes.
  await new Promise((r) => setTimeout(r, 200));
  req.destroy();
}
