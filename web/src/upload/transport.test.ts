import { describe, expect, it } from 'vitest';
import { failureMessage, sendFile, uploadUrl, UploadFailure } from './transport';

/** Just enough of XMLHttpRequest to drive sendFile: the test plays the server. */
class FakeXhr {
  static last: FakeXhr;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = '';
  aborted = false;
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

const xhr = () => new FakeXhr() as unknown as XMLHttpRequest;

describe('sendFile', () => {
  it('sends the File itself with the bearer token and reports progress', async () => {
    const file = new File(['hello'], 'a.txt', { type: 'text/plain' });
    const seen: number[] = [];
    const done = sendFile({ url: '/api/v1/files?path=a.txt', token: 'T', file, onProgress: (n) => seen.push(n), signal: new AbortController().signal }, xhr);
    const x = FakeXhr.last;
    expect(x.method).toBe('POST');
    expect(x.headers.authorization).toBe('Bearer T');
    expect(x.body).toBe(file);
    x.upload.onprogress?.({ loaded: 3 } as ProgressEvent);
    x.answer(201, { id: 'n1', name: 'a.txt' });
    await expect(done).resolves.toMatchObject({ id: 'n1' });
    expect(seen).toEqual([3]);
  });

  it('turns a quota refusal into how much is left and how much the file needs', async () => {
    const file = new File([new Uint8Array(2 * 1024 * 1024)], 'big.bin');
    const done = sendFile({ url: '/x', token: 'T', file, onProgress: () => undefined, signal: new AbortController().signal }, xhr);
    FakeXhr.last.answer(507, { status: 507, detail: 'Not enough space: 1048576 of 1048576 bytes left', available: 1048576, needed: 2097152 });
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadFailure);
    expect((err as UploadFailure).message).toBe('Not enough space: 1 MB left, this file needs 2 MB.');
  });

  it('passes the server detail through for other refusals, and says when the connection dropped', async () => {
    const file = new File(['x'], 'x');
    const one = sendFile({ url: '/x', token: 'T', file, onProgress: () => undefined, signal: new AbortController().signal }, xhr);
    FakeXhr.last.answer(400, { status: 400, detail: 'The name "a/b" is not allowed' });
    await expect(one).rejects.toThrow('The name "a/b" is not allowed');
    const two = sendFile({ url: '/x', token: 'T', file, onProgress: () => undefined, signal: new AbortController().signal }, xhr);
    FakeXhr.last.onerror?.();
    await expect(two).rejects.toThrow(/Connection lost/);
  });

  it('aborts the request when cancelled', async () => {
    const controller = new AbortController();
    const done = sendFile({ url: '/x', token: 'T', file: new File(['x'], 'x'), onProgress: () => undefined, signal: controller.signal }, xhr);
    controller.abort();
    await expect(done).rejects.toThrow('Upload cancelled');
    expect(FakeXhr.last.aborted).toBe(true);
  });
});

describe('upload URLs and messages', () => {
  it('keeps the relative path and asks for a new version only when told', () => {
    const url = new URL(uploadUrl('root', 'album/2024/a b.jpg', Date.UTC(2024, 0, 2), false), 'http://x');
    expect(url.searchParams.get('path')).toBe('album/2024/a b.jpg');
    expect(url.searchParams.get('modified_at')).toBe('2024-01-02T00:00:00.000Z');
    expect(url.searchParams.has('overwrite')).toBe(false);
    expect(new URL(uploadUrl('f', 'a', undefined, true), 'http://x').searchParams.get('overwrite')).toBe('true');
  });

  it('falls back to the detail when a 507 carries no numbers', () => {
    expect(failureMessage(507, { detail: 'Full' }, 10)).toBe('Full');
  });
});
