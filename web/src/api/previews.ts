import type { ApiClient } from './client';

export type PreviewSize = 'small' | 'large';

/** What GET /files/{id}/preview answered: the picture, or "being made, ask again in a while". */
export type PreviewAnswer = { state: 'ready'; blob: Blob } | { state: 'pending'; retryAfterMs: number };

/** Waits between asks for a preview being made, whatever Retry-After says. */
const MIN_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
const DEFAULT_RETRY_MS = 2_000;

/** Retry-After in seconds or as an HTTP date, kept within sensible bounds. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return DEFAULT_RETRY_MS;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return DEFAULT_RETRY_MS;
  return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms));
}

/**
 * A file's preview picture through the authorised client (an <img> cannot send the bearer token).
 * With `version` the server marks it cacheable for good, so the browser's cache answers repeats.
 * 404 (`no-preview`, `preview-failed`) and other failures are thrown as ApiError.
 */
export async function fetchPreview(api: ApiClient, id: string, q: { size: PreviewSize; version?: string | null }, signal?: AbortSignal): Promise<PreviewAnswer> {
  return previewAnswerOf(await api.raw('GET', `/files/${encodeURIComponent(id)}/preview`, { query: { size: q.size, version: q.version }, signal }));
}

/** A successful answer of a preview route (the signed-in one, or a public link's): the picture, or 202. */
export async function previewAnswerOf(response: Response): Promise<PreviewAnswer> {
  if (response.status === 202) {
    // The body only repeats "pending"; nothing to read.
    await response.body?.cancel().catch(() => undefined);
    return { state: 'pending', retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
  }
  return { state: 'ready', blob: await response.blob() };
}
