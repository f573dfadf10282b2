/**
 * Runs at most `concurrency` tasks at once; the others wait in line. A waiting task whose signal
 * aborts leaves the line without running: a row scrolled past never sends its request.
 */
export function createLimiter(concurrency: number) {
  let running = 0;
  const waiting: { start: () => void; signal?: AbortSignal | undefined }[] = [];

  const next = () => {
    while (running < concurrency && waiting.length > 0) {
      const entry = waiting.shift()!;
      if (!entry.signal?.aborted) entry.start();
    }
  };

  return {
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          const at = waiting.indexOf(entry);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal!.reason);
        };
        const entry = {
          signal,
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            running++;
            task()
              .then(resolve, reject)
              .finally(() => {
                running--;
                next();
              });
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(entry);
        next();
      });
    },
    /** Tasks running and waiting, for tests. */
    get load() {
      return { running, waiting: waiting.length };
    },
  };
}

export type Limiter = ReturnType<typeof createLimiter>;
