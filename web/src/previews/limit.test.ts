import { describe, expect, it } from 'vitest';
import { createLimiter } from './limit';

function deferred() {
  let resolve!: (v: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createLimiter', () => {
  it('runs at most n tasks at once and starts the next as one ends', async () => {
    const limit = createLimiter(2);
    const tasks = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const results = tasks.map((t, i) =>
      limit.run(() => {
        started.push(i);
        return t.promise;
      }),
    );
    expect(started).toEqual([0, 1]);
    expect(limit.load).toEqual({ running: 2, waiting: 1 });
    tasks[0]!.resolve('a');
    await results[0];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    tasks[1]!.resolve('b');
    tasks[2]!.resolve('c');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });

  it('drops a waiting task whose signal aborts, without running it', async () => {
    const limit = createLimiter(1);
    const first = deferred();
    let secondRan = false;
    const running = limit.run(() => first.promise);
    const abort = new AbortController();
    const waiting = limit.run(async () => {
      secondRan = true;
      return 'never';
    }, abort.signal);
    abort.abort(new Error('scrolled away'));
    await expect(waiting).rejects.toThrow('scrolled away');
    expect(limit.load).toEqual({ running: 1, waiting: 0 });
    first.resolve('done');
    expect(await running).toBe('done');
    expect(secondRan).toBe(false);
  });
});
