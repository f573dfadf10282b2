import { beforeEach, describe, expect, it } from 'vitest';
import { FakeXhr } from './fake-xhr';
import { failureMessage, isCancelled, parseProblem, sendFile, uploadUrl, UploadFailure } from './transport';

const send = (file: Blob = new File(['x'], 'x'), signal = new AbortController().signal, onProgress: (n: number) => void = () => undefined) =>
  sendFile({ url: '/api/v1/files?path=x', token: 'T', file, onProgress, signal }, FakeXhr.factory);

const failureOf = async (p: Promise<unknown>) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UploadFailure);
  return err as UploadFailure;
};

beforeEach(() => {
  FakeXhr.all = [];
});

describe('sendFile', () => {
  it('POSTs the File object itself (streamed, never read into memory) with the bearer token and reports progress', async () => {
    const file = new File(['hello'], 'a.txt', { type: 'text/plain' });
    const seen: number[] = [];
    const done = send(file, undefined, (n) => seen.push(n));
    const x = FakeXhr.last;
    expect(x.method).toBe('POST');
    expect(x.url).toBe('/api/v1/files?path=x');
    expect(x.headers.authorization).toBe('Bearer T');
    expect(x.headers['content-type']).toBe('text/plain');
    expect(x.body).toBe(file);
    x.progress(3);
    x.progress(5);
    x.answer(201, { id: 'n1', name: 'a.txt' });
    await expect(done).resolves.toMatchObject({ status: 201, node: { id: 'n1', name: 'a.txt' } });
    expect(seen).toEqual([3, 5]);
  });

  it('labels a file of unknown type as octet-stream', () => {
    void send(new File(['x'], 'x')).catch(() => undefined);
    expect(FakeXhr.last.headers['content-type']).toBe('application/octet-stream');
  });

  it('still resolves on a 2xx whose body it cannot read: the file is stored, a retry would store it twice', async () => {
    const done = send();
    FakeXhr.last.answer(201, 'not json');
    await expect(done).resolves.toEqual({ status: 201, node: undefined });
  });

  it('turns a quota refusal (507) into how much is left and how much the file needs', async () => {
    const done = send(new File([new Uint8Array(2 * 1024 * 1024)], 'big.bin'));
    FakeXhr.last.answer(507, { status: 507, detail: 'Not enough space: 1048576 of 1048576 bytes left, this upload needs 2097152', used: 0, limit: 1048576, available: 1048576, needed: 2097152 });
    const err = await failureOf(done);
    expect(err.status).toBe(507);
    expect(err.message).toBe('Not enough space: 1 MB left, this file needs 2 MB.');
  });

  it('shows the server reason for 413 and 400, and says when the connection dropped', async () => {
    const big = send();
    FakeXhr.last.answer(413, { status: 413, detail: 'Files may be at most 1 GB' });
    expect(await failureOf(big)).toMatchObject({ status: 413, message: 'Files may be at most 1 GB' });
    const bad = send();
    FakeXhr.last.answer(400, { status: 400, detail: 'The name "a/b" is not allowed' });
    expect((await failureOf(bad)).message).toBe('The name "a/b" is not allowed');
    const lost = send();
    FakeXhr.last.drop();
    expect(await failureOf(lost)).toMatchObject({ status: 0, message: expect.stringMatching(/^Connection lost/) as unknown });
  });

  it('reports 401 with its status so the caller can renew the session and retry', async () => {
    const done = send();
    FakeXhr.last.answer(401, { status: 401, title: 'Unauthorized' });
    expect(await failureOf(done)).toMatchObject({ status: 401, message: 'Your session has ended. Sign in again, then retry.' });
  });

  it('ignores a proxy HTML error page', async () => {
    const done = send(new File([new Uint8Array(10)], 'x'));
    FakeXhr.last.answer(413, '<html><body>413 Request Entity Too Large</body></html>');
    expect((await failureOf(done)).message).toBe('This file (10 B) is larger than the server accepts.');
  });

  it('aborts the request when cancelled, rejecting with an AbortError that is not a failure', async () => {
    const controller = new AbortController();
    const done = send(undefined, controller.signal);
    controller.abort();
    const err = await done.catch((e: unknown) => e);
    expect(isCancelled(err)).toBe(true);
    expect(FakeXhr.last.aborted).toBe(true);
  });

  it('does not even open a request when already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await send(undefined, controller.signal).catch((e: unknown) => e);
    expect(isCancelled(err)).toBe(true);
    expect(FakeXhr.all).toHaveLength(0);
  });
});

describe('upload URLs and messages', () => {
  it('keeps the relative path and the file date, and asks for a new version only when told', () => {
    const url = new URL(uploadUrl('root', 'album/2024/a b.jpg', Date.UTC(2024, 0, 2), false), 'http://x');
    expect(url.pathname).toBe('/api/v1/files');
    expect(url.searchParams.get('parent_id')).toBe('root');
    expect(url.searchParams.get('path')).toBe('album/2024/a b.jpg');
    expect(url.searchParams.get('modified_at')).toBe('2024-01-02T00:00:00.000Z');
    expect(url.searchParams.has('overwrite')).toBe(false);
    expect(new URL(uploadUrl('f', 'a', 0, true), 'http://x').searchParams.get('overwrite')).toBe('true');
    expect(new URL(uploadUrl('f', 'a', 0, true), 'http://x').searchParams.has('modified_at')).toBe(false);
  });

  it('falls back to the detail when a 507 carries no numbers, and to the status when there is nothing', () => {
    expect(failureMessage(507, { detail: 'Full' }, 10)).toBe('Full');
    expect(failureMessage(507, { available: '0' }, 2048)).toBe('Not enough space: 0 B left, this file needs 2 KB.');
    expect(failureMessage(502, undefined, 1)).toMatch(/could not store the file \(502\)/);
    expect(failureMessage(409, undefined, 1)).toBe('The server refused the upload (409).');
  });

  it('reads problem JSON and short plain text', () => {
    expect(parseProblem('{"detail":"x"}')).toEqual({ detail: 'x' });
    expect(parseProblem('Bad gateway')).toEqual({ detail: 'Bad gateway' });
    expect(parseProblem('')).toBeUndefined();
  });
});
