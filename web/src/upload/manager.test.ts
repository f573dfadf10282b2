import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { FakeXhr } from './fake-xhr';
import { createUploadManager, type ManagerDeps, type RefreshHint } from './manager';

const picked = (name: string, size = 4) => ({ file: new File([new Uint8Array(size)], name), relativePath: name });
/** Lets the awaits between a start and its request (token, renewal) run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(deps: Partial<ManagerDeps> = {}) {
  const refreshes: RefreshHint[] = [];
  const manager = createUploadManager({
    token: async () => 'T1',
    renew: async () => false,
    refresh: (hint) => refreshes.push(hint),
    createXhr: FakeXhr.factory,
    renderEveryMs: 0,
    ...deps,
  });
  const status = () => manager.snapshot().items.map((i) => `${i.relativePath}:${i.status}`);
  return { manager, refreshes, status };
}

beforeEach(() => {
  FakeXhr.all = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createUploadManager', () => {
  it('sends three at a time and starts the next when one finishes', async () => {
    const { manager, status } = setup();
    manager.enqueue('root', ['a', 'b', 'c', 'd', 'e'].map((n) => picked(n)));
    await settle();
    expect(FakeXhr.pending.map((x) => new URL(x.url, 'http://x').searchParams.get('path'))).toEqual(['a', 'b', 'c']);
    expect(FakeXhr.last.headers.authorization).toBe('Bearer T1');
    FakeXhr.all[1]!.answer(201, { id: 'b' });
    await settle();
    expect(FakeXhr.pending).toHaveLength(3);
    expect(status()).toEqual(['a:uploading', 'b:done', 'c:uploading', 'd:uploading', 'e:queued']);
  });

  it('publishes progress and totals to subscribers', async () => {
    const { manager } = setup();
    const seen = vi.fn();
    manager.subscribe(seen);
    manager.enqueue('root', [picked('a', 100)]);
    await settle();
    FakeXhr.last.progress(40);
    expect(manager.snapshot().totals).toMatchObject({ loaded: 40, bytes: 100, fraction: 0.4, active: 1 });
    expect(seen).toHaveBeenCalled();
  });

  it('renews the session once on 401 and sends the file again with the new token', async () => {
    let token = 'old';
    const renew = vi.fn(async () => {
      token = 'new';
      return true;
    });
    const { manager, status } = setup({ token: async () => token, renew });
    manager.enqueue('root', [picked('a')]);
    await settle();
    FakeXhr.last.answer(401, { status: 401 });
    await settle();
    expect(renew).toHaveBeenCalledTimes(1);
    expect(FakeXhr.all).toHaveLength(2);
    expect(FakeXhr.last.headers.authorization).toBe('Bearer new');
    FakeXhr.last.answer(201, { id: 'a' });
    await settle();
    expect(status()).toEqual(['a:done']);
  });

  it('gives up after one renewal, and when the session cannot be renewed', async () => {
    const renew = vi.fn(async () => true);
    const { manager } = setup({ renew });
    manager.enqueue('root', [picked('a')]);
    await settle();
    FakeXhr.last.answer(401, {});
    await settle();
    FakeXhr.last.answer(401, {});
    await settle();
    expect(renew).toHaveBeenCalledTimes(1);
    expect(manager.snapshot().items[0]).toMatchObject({ status: 'failed', error: 'Your session has ended. Sign in again, then retry.' });

    const ended = setup({ renew: async () => false });
    ended.manager.enqueue('root', [picked('b')]);
    await settle();
    FakeXhr.last.answer(401, {});
    await settle();
    expect(ended.status()).toEqual(['b:failed']);
  });

  it('shows why a file failed on its row and goes on with the others', async () => {
    const { manager, status } = setup();
    manager.enqueue('root', [picked('a'), picked('b')]);
    await settle();
    FakeXhr.all[0]!.drop();
    FakeXhr.all[1]!.answer(507, { status: 507, available: 1024, needed: 4096 });
    await settle();
    expect(status()).toEqual(['a:failed', 'b:failed']);
    expect(manager.snapshot().items.map((i) => i.error)).toEqual(['Connection lost. Check your connection and retry.', 'Not enough space: 1 KB left, this file needs 4 KB.']);
    expect(manager.snapshot().totals).toMatchObject({ finished: true, failed: 2, fraction: 1 });
  });

  it('fails a file whose token cannot be had, with the reason', async () => {
    const { manager } = setup({
      token: async () => {
        throw new ApiError(401, { detail: 'Your session has ended. Sign in again.' });
      },
    });
    manager.enqueue('root', [picked('a')]);
    await settle();
    expect(FakeXhr.all).toHaveLength(0);
    expect(manager.snapshot().items[0]).toMatchObject({ status: 'failed', error: 'Your session has ended. Sign in again.' });
  });

  it('cancels one by aborting its request, frees its slot, and never marks it failed', async () => {
    const { manager, status } = setup({ concurrency: 1 });
    manager.enqueue('root', [picked('a'), picked('b'), picked('c')]);
    await settle();
    const [a] = manager.snapshot().items;
    manager.cancel(a!.id);
    expect(FakeXhr.all[0]!.aborted).toBe(true);
    await settle();
    expect(status()).toEqual(['a:cancelled', 'b:uploading', 'c:queued']);
    // A queued one just leaves the line.
    manager.cancel(manager.snapshot().items[2]!.id);
    await settle();
    expect(status()).toEqual(['a:cancelled', 'b:uploading', 'c:cancelled']);
    expect(FakeXhr.all).toHaveLength(2);
  });

  it('cancels all, retries failures, clears rows', async () => {
    const { manager, status } = setup({ concurrency: 2 });
    manager.enqueue('root', [picked('a'), picked('b'), picked('c')]);
    await settle();
    FakeXhr.all[0]!.answer(500, { detail: 'Disk error' });
    await settle();
    manager.cancelAll();
    await settle();
    expect(FakeXhr.all[1]!.aborted && FakeXhr.all[2]!.aborted).toBe(true);
    expect(status()).toEqual(['a:failed', 'b:cancelled', 'c:cancelled']);
    manager.clearFinished();
    expect(status()).toEqual(['a:failed']);
    manager.retry(manager.snapshot().items[0]!.id);
    await settle();
    expect(status()).toEqual(['a:uploading']);
    FakeXhr.last.answer(500, { detail: 'Disk error' });
    await settle();
    manager.retryFailed();
    await settle();
    expect(status()).toEqual(['a:uploading']);
    FakeXhr.last.drop();
    await settle();
    manager.clearFailed();
    expect(status()).toEqual([]);
  });

  it('refreshes listings at most once a second during a batch, and once more at its end', async () => {
    vi.useFakeTimers({ now: 0 });
    const { manager, refreshes } = setup({ concurrency: 1 });
    manager.enqueue('root', ['a', 'b', 'c', 'd'].map((n) => picked(n)));
    const finishNext = async () => {
      await vi.advanceTimersByTimeAsync(0);
      FakeXhr.last.answer(201, { id: 'x' });
      await vi.advanceTimersByTimeAsync(0);
    };
    await finishNext();
    expect(refreshes).toHaveLength(1);
    await finishNext();
    await finishNext();
    expect(refreshes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(refreshes).toHaveLength(2);
    await finishNext();
    // The last file: at once, without waiting out the second.
    expect(refreshes).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(refreshes).toEqual([{ versions: false }, { versions: false }, { versions: false }]);
  });

  it('asks for version histories to refresh after a new version arrived', async () => {
    const { manager, refreshes } = setup();
    manager.enqueue('f1', [picked('a')], { overwrite: true });
    await settle();
    expect(new URL(FakeXhr.last.url, 'http://x').searchParams.get('overwrite')).toBe('true');
    FakeXhr.last.answer(200, { id: 'a' });
    await settle();
    expect(refreshes).toEqual([{ versions: true }]);
  });

  it('does not refresh when nothing arrived', async () => {
    const { manager, refreshes } = setup();
    manager.enqueue('root', [picked('a')]);
    await settle();
    FakeXhr.last.drop();
    await settle();
    expect(refreshes).toEqual([]);
  });

  it('holds files whose names are taken until the person chooses, sending the others at once', async () => {
    const { manager, status, refreshes } = setup();
    const conflicts = new Map([
      ['a.txt', 'file' as const],
      ['b.txt', 'file' as const],
      ['c.txt', 'file' as const],
    ]);
    const ids = manager.enqueue('root', ['a.txt', 'b.txt', 'c.txt', 'new.txt'].map((n) => picked(n)), { conflicts, folderName: 'My files' });
    expect(ids).toHaveLength(4);
    await settle();
    expect(status()).toEqual(['a.txt:conflict', 'b.txt:conflict', 'c.txt:conflict', 'new.txt:uploading']);
    expect(manager.snapshot().question).toMatchObject({ id: ids[0], relativePath: 'a.txt', folderName: 'My files', conflict: { existing: 'file', canReplace: true } });
    FakeXhr.last.answer(201, { id: 'n', name: 'new.txt' });
    await settle();
    // Not finished while questions wait; what arrived is shown already.
    expect(manager.snapshot().totals).toMatchObject({ finished: false, waiting: 3, done: 1 });
    expect(refreshes).toHaveLength(1);

    manager.resolve(ids[0]!, 'replace');
    await settle();
    const replace = new URL(FakeXhr.last.url, 'http://x').searchParams;
    expect(replace.get('path')).toBe('a.txt');
    expect(replace.get('overwrite')).toBe('true');
    FakeXhr.last.answer(200, { id: 'a', name: 'a.txt' });
    manager.resolve(ids[1]!, 'keep');
    await settle();
    expect(new URL(FakeXhr.last.url, 'http://x').searchParams.get('overwrite')).toBeNull();
    FakeXhr.last.answer(201, { id: 'b2', name: 'b (1).txt' });
    manager.resolve(ids[2]!, 'skip');
    await settle();
    expect(status()).toEqual(['a.txt:done', 'b.txt:done', 'c.txt:skipped', 'new.txt:done']);
    const [a, b] = manager.snapshot().items;
    expect(a).toMatchObject({ replaced: true, storedName: 'a.txt' });
    expect(b).toMatchObject({ replaced: false, storedName: 'b (1).txt' });
    expect(manager.snapshot().totals).toMatchObject({ finished: true, done: 3, skipped: 1, waiting: 0 });
    // Skipped files are never sent.
    expect(FakeXhr.all).toHaveLength(3);
    expect(refreshes.some((r) => r.versions)).toBe(true);
  });

  it('applies one answer to every file still waiting, except replacing a folder, which is asked again', async () => {
    const { manager, status } = setup();
    const conflicts = new Map([
      ['a', 'file' as const],
      ['dir', 'folder' as const],
      ['b', 'file' as const],
    ]);
    const ids = manager.enqueue('root', ['a', 'dir', 'b'].map((n) => picked(n)), { conflicts });
    expect(manager.snapshot().items[1]!.conflict).toEqual({ existing: 'folder', canReplace: false });
    manager.resolve(ids[0]!, 'replace', true);
    await settle();
    expect(status()).toEqual(['a:uploading', 'dir:conflict', 'b:uploading']);
    expect(manager.snapshot().question?.relativePath).toBe('dir');
    manager.resolve(ids[1]!, 'skip', true);
    await settle();
    expect(status()).toEqual(['a:uploading', 'dir:skipped', 'b:uploading']);
  });

  it('asks when the server refuses an upload over a taken name (409), and fails when keeping both is refused too', async () => {
    const { manager, status } = setup();
    const [id] = manager.enqueue('root', [picked('a.txt')], { overwrite: true });
    await settle();
    FakeXhr.last.answer(409, { status: 409, detail: '"a.txt" is a folder; a file cannot replace it' });
    await settle();
    expect(status()).toEqual(['a.txt:conflict']);
    // Replacing was what the server just refused: only keeping both or skipping is offered.
    expect(manager.snapshot().question?.conflict).toEqual({ canReplace: false, reason: '"a.txt" is a folder; a file cannot replace it' });
    manager.resolve(id!, 'keep');
    await settle();
    FakeXhr.last.answer(409, { status: 409, detail: '"x" exists and is a file, not a folder' });
    await settle();
    expect(manager.snapshot().items[0]).toMatchObject({ status: 'failed', error: '"x" exists and is a file, not a folder' });

    // A plain upload the server refuses over a name is asked about with every choice.
    const plain = setup();
    plain.manager.enqueue('root', [picked('b.txt')]);
    await settle();
    FakeXhr.last.answer(409, { status: 409, detail: '"b.txt" already exists' });
    await settle();
    expect(plain.manager.snapshot().question?.conflict).toMatchObject({ canReplace: true });
  });

  it('tells a caller when an upload settled, and how', async () => {
    const { manager } = setup();
    const [a, b, c] = manager.enqueue('root', [picked('a'), picked('b'), picked('c')], { conflicts: new Map([['c', 'file' as const]]) });
    const settledA = manager.settled(a!);
    const settledB = manager.settled(b!);
    const settledC = manager.settled(c!);
    await settle();
    FakeXhr.all[0]!.answer(200, { id: 'a', name: 'a' });
    FakeXhr.all[1]!.answer(500, { detail: 'Disk error' });
    manager.resolve(c!, 'skip');
    await expect(settledA).resolves.toMatchObject({ status: 'done' });
    await expect(settledB).resolves.toMatchObject({ status: 'failed', error: 'Disk error' });
    await expect(settledC).resolves.toMatchObject({ status: 'skipped' });
    // A row that went away settles with nothing.
    const [d] = manager.enqueue('root', [picked('d')]);
    const settledD = manager.settled(d!);
    manager.reset();
    await expect(settledD).resolves.toBeUndefined();
    await expect(manager.settled(12345)).resolves.toBeUndefined();
  });

  it('reset aborts everything and forgets every row', async () => {
    const { manager, status } = setup();
    manager.enqueue('root', [picked('a'), picked('b'), picked('c'), picked('d')]);
    await settle();
    manager.reset();
    await settle();
    expect(FakeXhr.all.every((x) => x.aborted)).toBe(true);
    expect(status()).toEqual([]);
    expect(manager.snapshot().totals.finished).toBe(true);
  });
});
