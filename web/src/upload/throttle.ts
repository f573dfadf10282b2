export interface Throttled {
  /** Runs now if the last run was long enough ago, else once when the wait is over. */
  request: () => void;
  /** Runs now, dropping any pending run. */
  flush: () => void;
  /** Drops any pending run. */
  cancel: () => void;
}

/** Runs `fn` at most once per `ms`, never dropping the last request. */
export function throttle(fn: () => void, ms: number): Throttled {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const flush = () => {
    cancel();
    last = Date.now();
    fn();
  };
  return {
    request() {
      if (timer !== undefined) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    cancel,
  };
}
