import { describe, expect, it } from 'vitest';
import { SPEED_WINDOW_MS, UploadQueue } from './queue';

const picked = (name: string, size: number) => ({ file: new File([new Uint8Array(size)], name), relativePath: name });
const statuses = (q: UploadQueue) => q.list().map((i) => `${i.relativePath}:${i.status}`);

describe('UploadQueue', () => {
  it('runs at most `concurrency` uploads and starts the next as one finishes', () => {
    const q = new UploadQueue(2);
    q.add('root', [picked('a', 10), picked('b', 10), picked('c', 10), picked('d', 10)]);
    const first = q.startable();
    expect(first.map((i) => i.relativePath)).toEqual(['a', 'b']);
    expect(q.startable()).toEqual([]);
    q.complete(first[0]!.id);
    expect(q.startable().map((i) => i.relativePath)).toEqual(['c']);
    q.fail(first[1]!.id, 'x');
    expect(q.startable().map((i) => i.relativePath)).toEqual(['d']);
    expect(q.list().filter((i) => i.status === 'uploading')).toHaveLength(2);
    expect(q.idle()).toBe(false);
  });

  it('gives a retried item its place again even after the rows in front of it finished', () => {
    const q = new UploadQueue(1);
    const [a, b] = q.add('root', [picked('a', 1), picked('b', 1)]);
    q.startable();
    q.fail(a!.id, 'x');
    q.startable();
    q.complete(b!.id);
    expect(q.idle()).toBe(true);
    expect(q.retry(a!.id)).toBe(true);
    expect(q.startable().map((i) => i.id)).toEqual([a!.id]);
  });

  it('totals the bytes of what is neither cancelled nor failed, with the speed and the time left', () => {
    const q = new UploadQueue(3);
    const [a, b, c] = q.add('root', [picked('a', 1000), picked('b', 1000), picked('c', 2000), picked('d', 500)]);
    q.startable();
    q.progress(a!.id, 0, 0);
    q.progress(a!.id, 500, 1000);
    q.progress(b!.id, 500, 2000);
    q.cancel(c!.id);
    const t = q.totals(2000);
    expect(t.files).toBe(4);
    expect(t.bytes).toBe(2500);
    expect(t.loaded).toBe(1000);
    expect(t.fraction).toBe(0.4);
    // 1000 bytes in 2 s, 1500 to go.
    expect(t.speed).toBe(500);
    expect(t.etaSeconds).toBe(3);
    expect(t).toMatchObject({ active: 2, queued: 1, cancelled: 1, done: 0, failed: 0, finished: false });
  });

  it('forgets samples older than the window, so the speed follows a slowdown', () => {
    const q = new UploadQueue(1);
    const [a] = q.add('root', [picked('a', 100_000)]);
    q.startable();
    q.progress(a!.id, 0, 0);
    q.progress(a!.id, 50_000, 1000);
    q.progress(a!.id, 50_500, 1000 + SPEED_WINDOW_MS);
    q.progress(a!.id, 51_000, 2000 + SPEED_WINDOW_MS);
    // Only the last two samples are recent: 500 bytes in the 1 s between them.
    expect(q.totals(2000 + SPEED_WINDOW_MS).speed).toBe(500);
    // No progress for a while: no speed and no guess at the time left.
    const stalled = q.totals(20_000);
    expect(stalled.speed).toBe(0);
    expect(stalled.etaSeconds).toBeUndefined();
  });

  it('counts the bytes of a small file that finished before any progress event', () => {
    const q = new UploadQueue(2);
    const [a, b] = q.add('root', [picked('a', 1000), picked('b', 3000)]);
    q.startable();
    q.progress(b!.id, 0, 0);
    q.complete(a!.id, 1000);
    expect(q.totals(1000).speed).toBe(1000);
  });

  it('does not let a cancelled file drag the speed below zero', () => {
    const q = new UploadQueue(2);
    const [a, b] = q.add('root', [picked('a', 1000), picked('b', 1000)]);
    q.startable();
    q.progress(a!.id, 0, 0);
    q.progress(a!.id, 900, 1000);
    q.cancel(a!.id);
    q.progress(b!.id, 100, 2000);
    expect(q.totals(2000).speed).toBe(500);
  });

  it('ignores progress beyond the size and for files no longer running', () => {
    const q = new UploadQueue(1);
    const [a, b] = q.add('root', [picked('a', 10), picked('b', 10)]);
    q.startable();
    q.progress(a!.id, 50);
    expect(q.get(a!.id)?.loaded).toBe(10);
    q.progress(b!.id, 5);
    expect(q.get(b!.id)?.loaded).toBe(0);
  });

  it('reaches 100 % when everything finished, failures and cancellations aside', () => {
    const q = new UploadQueue(3);
    const [a, b, c] = q.add('root', [picked('a', 10), picked('b', 10), picked('c', 10)]);
    q.startable();
    q.complete(a!.id);
    q.fail(b!.id, 'Not enough space');
    q.cancel(c!.id);
    expect(q.totals()).toMatchObject({ fraction: 1, finished: true, done: 1, failed: 1, cancelled: 1, speed: 0 });
  });

  it('moves through cancel, fail, retry and clear', () => {
    const q = new UploadQueue(1);
    const [a, b, c] = q.add('root', [picked('a', 1), picked('b', 1), picked('c', 1)]);
    q.startable();
    expect(q.cancel(a!.id)).toBe(true);
    // A queued one simply leaves the queue: there is no request to abort.
    expect(q.cancel(b!.id)).toBe(false);
    expect(q.cancel(b!.id)).toBe(false);
    const [next] = q.startable();
    expect(next!.id).toBe(c!.id);
    q.fail(c!.id, 'Not enough space');
    expect(q.get(c!.id)).toMatchObject({ status: 'failed', error: 'Not enough space', loaded: 0 });
    // A cancelled file's handle is dropped; a failed one keeps it to send again.
    expect(q.file(a!.id)).toBeUndefined();
    expect(q.file(c!.id)).toBeDefined();
    expect(q.retry(a!.id)).toBe(false);
    expect(q.retry(c!.id)).toBe(true);
    expect(q.get(c!.id)).toMatchObject({ status: 'queued', error: undefined });
    q.startable();
    q.complete(c!.id);
    expect(q.file(c!.id)).toBeUndefined();
    q.clearFinished();
    expect(q.list()).toEqual([]);
    expect(q.totals()).toMatchObject({ files: 0, fraction: 1, finished: true });
  });

  it('clearFinished keeps failures and work still to do; clearFailed drops failures', () => {
    const q = new UploadQueue(2);
    const [a, b] = q.add('root', [picked('a', 1), picked('b', 1), picked('c', 1)]);
    q.startable();
    q.complete(a!.id);
    q.fail(b!.id, 'x');
    q.clearFinished();
    expect(statuses(q)).toEqual(['b:failed', 'c:queued']);
    q.clearFailed();
    expect(statuses(q)).toEqual(['c:queued']);
    expect(q.startable().map((i) => i.relativePath)).toEqual(['c']);
  });

  it('retries every failure at once', () => {
    const q = new UploadQueue(3);
    const [a, b, c] = q.add('root', [picked('a', 1), picked('b', 1), picked('c', 1)]);
    q.startable();
    q.fail(a!.id, 'x');
    q.fail(b!.id, 'y');
    q.complete(c!.id);
    expect(q.retryFailed()).toBe(2);
    expect(statuses(q)).toEqual(['a:queued', 'b:queued', 'c:done']);
  });

  it('cancelAll reports the running ones so their requests can be aborted; reset forgets everything', () => {
    const q = new UploadQueue(2);
    const [a, b] = q.add('root', [picked('a', 1), picked('b', 1), picked('c', 1)]);
    q.startable();
    expect(q.cancelAll().sort()).toEqual([a!.id, b!.id].sort());
    expect(q.list().every((i) => i.status === 'cancelled')).toBe(true);
    q.add('root', [picked('d', 1)]);
    q.startable();
    expect(q.reset()).toHaveLength(1);
    expect(q.list()).toEqual([]);
  });

  it('replaces only the changed item, so unchanged rows keep their identity', () => {
    const q = new UploadQueue(1);
    q.add('root', [picked('a', 10), picked('b', 10)]);
    q.startable();
    const before = q.list();
    q.progress(before[0]!.id, 5);
    const after = q.list();
    expect(after).not.toBe(before);
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    expect(q.list()).toBe(after);
  });

  it('keeps the target folder and the overwrite wish per file', () => {
    const q = new UploadQueue();
    const [a] = q.add('f1', [picked('a', 1)], { overwrite: true });
    const [b] = q.add('f2', [picked('b', 1)]);
    expect(a).toMatchObject({ parentId: 'f1', overwrite: true });
    expect(b).toMatchObject({ parentId: 'f2', overwrite: false });
  });
});
