import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from './client';
import { ApiError } from './errors';
import { fetchPreview, retryAfterMs } from './previews';
import type { Session } from './session';

const session = { accessToken: 'token', renew: async () => false, clear: () => undefined } as unknown as Session;

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, within one and thirty seconds', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0')).toBe(1000);
    expect(retryAfterMs('3600')).toBe(30_000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs(null)).toBe(2000);
    expect(retryAfterMs('soon')).toBe(2000);
  });
});

describe('fetchPreview', () => {
  it('asks with the size and version, and tells a picture from "being made"', async () => {
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(new Response(JSON.stringify({ status: 'pending', detail: 'soon' }), { status: 202, headers: { 'retry-after': '3' } }))
      .mockResolvedValueOnce(new Response(new Uint8Array([1, 2, 3]), { status: 200, headers: { 'content-type': 'image/webp' } }));
    const api = new ApiClient(session, fetchImpl);
    expect(await fetchPreview(api, 'f1', { size: 'small', version: 'v1' })).toEqual({ state: 'pending', retryAfterMs: 3000 });
    const ready = await fetchPreview(api, 'f1', { size: 'small', version: 'v1' });
    expect(ready.state).toBe('ready');
    expect(ready.state === 'ready' && ready.blob.size).toBe(3);
    expect(fetchImpl.mock.calls[0]![0]).toBe('/api/v1/files/f1/preview?size=small&version=v1');
    expect(fetchImpl.mock.calls[0]![1]?.headers).toMatchObject({ authorization: 'Bearer token' });
  });

  it('throws the server’s reason for a 404', async () => {
    const problem = { type: 'https://coffer.dev/problems/preview-failed', status: 404, detail: 'No preview could be made: the file is damaged' };
    const api = new ApiClient(session, async () => new Response(JSON.stringify(problem), { status: 404, headers: { 'content-type': 'application/problem+json' } }));
    const err = await fetchPreview(api, 'f1', { size: 'large' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).message).toBe(problem.detail);
  });
});
