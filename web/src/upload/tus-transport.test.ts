import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { UploadOptions } from 'tus-js-client';

/** A stand-in for tus-js-client's Upload: records what it was given and lets the test finish it. */
const uploads: FakeUpload[] = [];
class FakeUpload {
  previous: { creationTime: string; uploadUrl: string }[] = [];
  resumedFrom: unknown;
  started = false;
  aborted: boolean | undefined;
  constructor(
    readonly file: File,
    readonly options: UploadOptions,
  ) {
    uploads.push(this);
  }
  findPreviousUploads() {
    // Read a tick later, so a test can set `previous` right after starting.
    return Promise.resolve().then(() => this.previous);
  }
  resumeFromPreviousUpload(p: unknown) {
    this.resumedFrom = p;
  }
  start() {
    this.started = true;
  }
  abort(terminate?: boolean) {
    this.aborted = terminate;
    return Promise.resolve();
  }
}
vi.mock('tus-js-client', () => ({ Upload: FakeUpload }));

const { sendFileTus } = await import('./tus-transport');
const { UploadFailure } = await import('./transport');

const response = (status: number, headers: Record<string, string>, body = '') => ({
  getStatus: () => status,
  getHeader: (name: string) => headers[name.toLowerCase()],
  getBody: () => body,
  getUnderlyingObject: () => undefined,
});

describe('sendFileTus', () => {
  beforeEach(() => {
    uploads.length = 0;
  });

  const start = (overrides: Partial<Parameters<typeof sendFileTus>[0]> = {}) => {
    const controller = new AbortController();
    const progress: number[] = [];
    const promise = sendFileTus({
      token: async () => 'token-1',
      file: new File([new Uint8Array(10)], 'film.mkv', { type: 'video/x-matroska', lastModified: 1_700_000_000_000 }),
      parentId: 'folder-1',
      relativePath: 'holiday/film.mkv',
      overwrite: false,
      onProgress: (n) => progress.push(n),
      signal: controller.signal,
      ...overrides,
    });
    return { promise, controller, progress };
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('names the target in the metadata, signs every request, and reports the stored file', async () => {
    const { promise, progress } = start();
    await settle();
    const u = uploads[0]!;
    expect(u.started).toBe(true);
    expect(u.options.endpoint).toBe('/api/v1/uploads/tus');
    expect(u.options.metadata).toMatchObject({ filename: 'film.mkv', path: 'holiday/film.mkv', parent_id: 'folder-1', filetype: 'video/x-matroska', modified_at: '2023-11-14T22:13:20.000Z' });
    expect(u.options.metadata!.overwrite).toBeUndefined();
    const headers: Record<string, string> = {};
    await u.options.onBeforeRequest!({ setHeader: (k: string, v: string) => (headers[k] = v) } as never);
    expect(headers.Authorization).toBe('Bearer token-1');
    u.options.onProgress!(5, 10);
    u.options.onSuccess!({ lastResponse: response(204, { 'coffer-file-id': 'node-9', 'coffer-file-name': 'film%20(1).mkv', 'coffer-file-status': '201' }) } as never);
    const stored = await promise;
    expect(progress).toEqual([5]);
    expect(stored.status).toBe(201);
    expect(stored.node).toMatchObject({ id: 'node-9', name: 'film (1).mkv' });
  });

  it('resumes the newest earlier upload of the same file into the same place', async () => {
    const { promise } = start();
    const u = uploads[0]!;
    expect(await u.options.fingerprint!(u.file, u.options)).toBe('coffer-tus|folder-1|holiday/film.mkv|10|1700000000000|add');
    await settle();
    expect(u.resumedFrom).toBeUndefined();
    u.options.onSuccess!({ lastResponse: response(204, { 'coffer-file-id': 'n' }) } as never);
    await promise;

    uploads.length = 0;
    const second = start({ overwrite: true });
    const v = uploads[0]!;
    v.previous = [
      { creationTime: '2026-12-01T10:00:00Z', uploadUrl: '/old' },
      { creationTime: '2026-12-02T10:00:00Z', uploadUrl: '/newer' },
    ];
    await settle();
    expect(v.resumedFrom).toMatchObject({ uploadUrl: '/newer' });
    expect(await v.options.fingerprint!(v.file, v.options)).toMatch(/\|replace$/);
    v.options.onSuccess!({ lastResponse: response(204, { 'coffer-file-id': 'n', 'coffer-file-status': '200' }) } as never);
    expect((await second.promise).status).toBe(200);
  });

  it('keeps retrying through a dropped network and server errors, not through refusals', async () => {
    void start().promise.catch(() => undefined);
    await settle();
    const retry = uploads[0]!.options.onShouldRetry!;
    const err = (status: number | undefined) => Object.assign(new Error('x'), { originalResponse: status === undefined ? null : response(status, {}) });
    expect(retry(err(undefined) as never, 0, {})).toBe(true);
    expect(retry(err(503) as never, 0, {})).toBe(true);
    expect(retry(err(423) as never, 0, {})).toBe(true);
    expect(retry(err(413) as never, 0, {})).toBe(false);
    expect(retry(err(403) as never, 0, {})).toBe(false);
  });

  it('fails with the server\'s words, and cancels by terminating the upload', async () => {
    const { promise } = start();
    await settle();
    uploads[0]!.options.onError!(Object.assign(new Error('tus: unexpected response'), { originalResponse: response(413, {}, 'Not enough space: 5 of 10 bytes left, this upload needs 10\n') }) as never);
    await expect(promise).rejects.toBeInstanceOf(UploadFailure);
    await expect(promise).rejects.toMatchObject({ status: 413, message: 'Not enough space: 5 of 10 bytes left, this upload needs 10' });

    uploads.length = 0;
    const cancelled = start();
    await settle();
    cancelled.controller.abort();
    await expect(cancelled.promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(uploads[0]!.aborted).toBe(true);
  });
});
