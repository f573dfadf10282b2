import { errorMessage } from '../api/errors';
import { UploadQueue, type UploadItem, type UploadTotals } from './queue';
import { throttle } from './throttle';
import { isCancelled, sendFile, uploadUrl, UploadFailure, type XhrFactory } from './transport';
import type { EnqueueOptions, PickedFile, UploadApi } from './types';

export interface UploadState {
  items: readonly UploadItem[];
  totals: UploadTotals;
}

/** The whole upload manager: what the app asks of it, what the panel shows and does. */
export interface UploadManager extends UploadApi {
  cancel: (id: number) => void;
  cancelAll: () => void;
  retry: (id: number) => void;
  retryFailed: () => void;
  clearFinished: () => void;
  clearFailed: () => void;
  /** Forgets every row once nothing is left to do (the panel closes). */
  close: () => void;
  /** Cancels and forgets everything: the person who queued them signed out. */
  reset: () => void;
  subscribe: (listener: () => void) => () => void;
  snapshot: () => UploadState;
}

export interface RefreshHint {
  /** A file got a new version, so its history and node changed too, not just its folder. */
  versions: boolean;
}

export interface ManagerDeps {
  /** A current bearer token. */
  token: () => Promise<string>;
  /** Renews the session after a 401; false when it has ended. */
  renew: () => Promise<boolean>;
  /** Refreshes listings and the quota after files arrived. */
  refresh: (hint: RefreshHint) => void;
  createXhr?: XhrFactory;
  concurrency?: number;
  /** Redraws at most this often while bytes flow; progress events come far more often. */
  renderEveryMs?: number;
  /** Listings refresh at most this often during a large batch (and once at its end). */
  refreshEveryMs?: number;
}

/** The upload queue driven by real requests, observable by React through subscribe/snapshot. */
export function createUploadManager(deps: ManagerDeps): UploadManager {
  const queue = new UploadQueue(deps.concurrency ?? 3);
  const controllers = new Map<number, AbortController>();
  const listeners = new Set<() => void>();
  let state: UploadState = { items: queue.list(), totals: queue.totals() };

  const render = throttle(() => {
    state = { items: queue.list(), totals: queue.totals() };
    for (const l of listeners) l();
  }, deps.renderEveryMs ?? 200);

  let arrived = false;
  let newVersions = false;
  const refresh = throttle(() => {
    if (!arrived) return;
    const hint = { versions: newVersions };
    arrived = false;
    newVersions = false;
    deps.refresh(hint);
  }, deps.refreshEveryMs ?? 1_000);

  const send = async (item: UploadItem, file: File, signal: AbortSignal) =>
    sendFile(
      {
        url: uploadUrl(item.parentId, item.relativePath, file.lastModified, item.overwrite),
        token: await deps.token(),
        file,
        signal,
        onProgress: (loaded) => {
          queue.progress(item.id, loaded);
          render.request();
        },
      },
      deps.createXhr,
    );

  const run = async (item: UploadItem) => {
    const controller = new AbortController();
    controllers.set(item.id, controller);
    try {
      const file = queue.file(item.id);
      if (!file) throw new UploadFailure(0, 'The file is no longer available. Pick it again.');
      try {
        await send(item, file, controller.signal);
      } catch (err) {
        // The access token ran out mid-batch: renew once and send again.
        if (!(err instanceof UploadFailure) || err.status !== 401 || controller.signal.aborted || !(await deps.renew())) throw err;
        await send(item, file, controller.signal);
      }
      queue.complete(item.id);
      arrived = true;
      newVersions ||= item.overwrite;
      refresh.request();
    } catch (err) {
      if (!controller.signal.aborted && !isCancelled(err)) queue.fail(item.id, errorMessage(err));
    } finally {
      controllers.delete(item.id);
      pump();
    }
  };

  /** Starts what the concurrency allows and redraws; at the end of a batch, refreshes at once. */
  const pump = (now = false) => {
    for (const item of queue.startable()) void run(item);
    if (queue.idle()) {
      if (arrived) refresh.flush();
      now = true;
    }
    if (now) render.flush();
    else render.request();
  };

  const abort = (ids: number[]) => {
    for (const id of ids) controllers.get(id)?.abort();
  };

  return {
    enqueue(parentId: string, files: PickedFile[], options?: EnqueueOptions) {
      if (files.length === 0) return;
      queue.add(parentId, files, options);
      pump(true);
    },
    cancel(id) {
      if (queue.cancel(id)) abort([id]);
      pump(true);
    },
    cancelAll() {
      abort(queue.cancelAll());
      pump(true);
    },
    retry(id) {
      queue.retry(id);
      pump(true);
    },
    retryFailed() {
      queue.retryFailed();
      pump(true);
    },
    clearFinished() {
      queue.clearFinished();
      render.flush();
    },
    clearFailed() {
      queue.clearFailed();
      render.flush();
    },
    close() {
      if (!queue.idle()) return;
      queue.reset();
      render.flush();
    },
    reset() {
      abort(queue.reset());
      refresh.cancel();
      arrived = false;
      render.flush();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot: () => state,
  };
}
