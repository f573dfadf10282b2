import { errorMessage } from '../api/errors';
import { UploadQueue, type UploadItem, type UploadStatus, type UploadTotals } from './queue';
import { throttle } from './throttle';
import { isCancelled, sendFile, uploadUrl, UploadFailure, type XhrFactory } from './transport';
import type { ConflictChoice, EnqueueOptions, PickedFile, UploadApi } from './types';
import { sendFileTus, TUS_THRESHOLD } from './tus-transport';

export interface UploadState {
  items: readonly UploadItem[];
  totals: UploadTotals;
  /** The first upload whose name is taken, waiting for the person to choose. */
  question: UploadItem | undefined;
}

/** States an upload stays in until someone acts: where a caller waiting for it stops waiting. */
const SETTLED: ReadonlySet<UploadStatus> = new Set(['done', 'failed', 'cancelled', 'skipped']);

/** The whole upload manager: what the app asks of it, what the panel shows and does. */
export interface UploadManager extends UploadApi {
  cancel: (id: number) => void;
  cancelAll: () => void;
  retry: (id: number) => void;
  retryFailed: () => void;
  /** Answers the question about a taken name for one upload, or with `all` for every one waiting. */
  resolve: (id: number, choice: ConflictChoice, all?: boolean) => void;
  /** Resolves once the upload is done, failed, cancelled or skipped; undefined if its row went away. */
  settled: (id: number) => Promise<UploadItem | undefined>;
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
  /** Files from this size on are sent resumably (tus); default TUS_THRESHOLD. */
  tusThreshold?: number;
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
  const current = (): UploadState => ({ items: queue.list(), totals: queue.totals(), question: queue.firstConflict() });
  let state = current();

  const render = throttle(() => {
    state = current();
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

  const onProgress = (item: UploadItem) => (loaded: number) => {
    queue.progress(item.id, loaded);
    render.request();
  };
  const send = async (item: UploadItem, file: File, signal: AbortSignal) =>
    file.size >= (deps.tusThreshold ?? TUS_THRESHOLD)
      ? sendFileTus({ token: deps.token, file, parentId: item.parentId, relativePath: item.relativePath, overwrite: item.overwrite, signal, onProgress: onProgress(item) })
      : sendFile(
      {
        url: uploadUrl(item.parentId, item.relativePath, file.lastModified, item.overwrite),
        token: await deps.token(),
        file,
        signal,
        onProgress: onProgress(item),
      },
      deps.createXhr,
    );

  const run = async (item: UploadItem) => {
    const controller = new AbortController();
    controllers.set(item.id, controller);
    try {
      const file = queue.file(item.id);
      if (!file) throw new UploadFailure(0, 'The file is no longer available. Pick it again.');
      let stored;
      try {
        stored = await send(item, file, controller.signal);
      } catch (err) {
        // The access token ran out mid-batch: renew once and send again.
        if (!(err instanceof UploadFailure) || err.status !== 401 || controller.signal.aborted || !(await deps.renew())) throw err;
        stored = await send(item, file, controller.signal);
      }
      // 200 is a new version of the file that was there; 201 a new file, maybe under a free name.
      const replaced = item.overwrite && stored.status === 200;
      queue.complete(item.id, Date.now(), { storedName: stored.node?.name, replaced });
      arrived = true;
      newVersions ||= replaced;
      refresh.request();
    } catch (err) {
      if (controller.signal.aborted || isCancelled(err)) return;
      // The name is taken in a way the request could not settle: ask, unless keeping both was the answer already.
      if (err instanceof UploadFailure && err.status === 409 && item.decision !== 'keep') {
        queue.ask(item.id, { canReplace: !item.overwrite, reason: err.message });
      } else queue.fail(item.id, errorMessage(err));
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
      if (files.length === 0) return [];
      const added = queue.add(parentId, files, options);
      pump(true);
      return added.map((i) => i.id);
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
    resolve(id, choice, all = false) {
      // Replacing cannot apply to a folder that is in the way: those stay to be asked about.
      for (const each of all ? queue.conflicts() : [id]) queue.resolve(each, choice);
      pump(true);
    },
    settled(id) {
      return new Promise((resolve) => {
        const check = () => {
          const item = queue.get(id);
          if (item && !SETTLED.has(item.status)) return false;
          listeners.delete(check);
          resolve(item);
          return true;
        };
        if (!check()) listeners.add(check);
      });
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
      if (!queue.totals().finished) return;
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
