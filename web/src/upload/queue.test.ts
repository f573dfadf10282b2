import { describe, expect, it } from 'vitest';
import { UploadQueue } from './queue';

const picked = (name: string, size: number) => ({ file: new File([new Uint8Array(size)], name), relativePath: name });

describe('UploadQueue', () => {
  it('runs at most `concurrency` uploads and starts the next as one finishes', () => {
    const q = new UploadQueue(2);
    q.add('root', [picked('a', 10), picked('b', 10), picked('c', 10)]);
    const first = q.startable();
    expect(first.map((i) => i.relativePath)).toEqual(['a', 'b']);
    expect(q.startable()).toEqual([]);
    q.complete(first[0]!.id);
    expect(q.startable().map((i) => i.relativePath)).toEqual(['c']);
  });

  it('totals bytes of what is not cancelled or failed, and reports the speed and time left', () => {
    const q = new UploadQueue(3);
    const [a, b, c] = q.add('root', [picked('a', 1000), picked('b', 1000), picked('c', 2000)]);
    q.startable();
    q.progress(a!.id, 0, 0);
    q.progress(a!.id, 500, 1000);
    q.progress(b!.id, 500, 2000);
    q.cancel(c!.id);
    const t = q.totals(2000);
    expect(t.bytes).toBe(2000);
    expect(t.loaded).toBe(1000);
    expect(t.fraction).toBe(0.5);
    // 1000 bytes in 2 s.
    expect(t.speed).toBe(500);
    expect(t.etaSeconds).toBe(2);
    expect(t.cancelled).toBe(1);
    expect(t.finished).toBe(false);
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

  it('cancels, fails, retries and clears finished rows', () => {
    const q = new UploadQueue(1);
    const [a, b, c] = q.add('root', [picked('a', 1), picked('b', 1), picked('c', 1)]);
    q.startable();
    expect(q.cancel(a!.id)).toBe(true);
    expect(q.cancel(b!.id)).toBe(false);
    const [next] = q.startable();
    expect(next!.id).toBe(c!.id);
    q.fail(c!.id, 'Not enough space');
    expect(q.list().find((i) => i.id === c!.id)?.error).toBe('Not enough space');
    expect(q.totals().finished).toBe(true);
    q.retry(c!.id);
    expect(q.list().find((i) => i.id === c!.id)?.status).toBe('queued');
    q.startable();
    q.complete(c!.id);
    q.clearFinished();
    expect(q.list()).toEqual([]);
    expect(q.totals().fraction).toBe(1);
  });

  it('cancelAll reports the running ones so their requests can be aborted', () => {
    const q = new UploadQueue(2);
    const [a, b] = q.add('root', [picked('a', 1), picked('b', 1), picked('c', 1)]);
    q.startable();
    expect(q.cancelAll().sort()).toEqual([a!.id, b!.id].sort());
    expect(q.list().every((i) => i.status === 'cancelled')).toBe(true);
  });

  it('keeps the overwrite wish per file', () => {
    const q = new UploadQueue();
    const [a] = q.add('f1', [picked('a', 1)], { overwrite: true });
    expect(a!.overwrite).toBe(true);
    expect(a!.parentId).toBe('f1');
  });
});
