import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { useServices } from '../app-context';
import { UploadQueue, type UploadItem, type UploadTotals } from './queue';
import { sendFile, uploadUrl, UploadFailure, type XhrFactory } from './transport';
import type { EnqueueOptions, PickedFile, UploadApi } from './types';

export interface UploadState {
  items: readonly UploadItem[];
  totals: UploadTotals;
}

export interface UploadManager extends UploadApi {
  cancel: (id: number) => void;
  cancelAll: () => void;
  retry: (id: number) => void;
  clearFinished: () => void;
  /** Closes the panel: forgets every row, failures included, once nothing is running. */
  clearAll: () => void;
  subscribe: (listener: () => void) => () => void;
  snapshot: () => UploadState;
}

/** How often the panel redraws while bytes flow: progress events come far more often. */
const RENDER_EVERY_MS = 200;
/** Listings refresh at most this often during a large batch. */
const REFRESH_EVERY_MS = 1_000;

interface ManagerDeps {
  token: () => Promise<string>;
  renew: () => Promise<boolean>;
  refresh: () => void;
  createXhr?: XhrFactory;
}

/** The upload queue driven by real requests, observable by React. */
export function createUploadManager(deps: ManagerDeps, concurrency = 3): UploadManager {
  const queue = new UploadQueue(concurrency);
  const controllers = new Map<number, AbortController>();
  const listeners = new Set<() => void>();
  let state: UploadState = { items: queue.list(), totals: queue.totals() };
  let renderTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  const publish = () => {
    renderTimer = undefined;
    state = { items: queue.list(), totals: queue.totals() };
    for (const l of listeners) l();
  };
  const changed = (now = false) => {
    if (now) {
      if (renderTimer) clearTimeout(renderTimer);
      publish();
    } else {
      renderTimer ??= setTimeout(publish, RENDER_EVERY_MS);
    }
  };
  const refreshSoon = () => {
    refreshTimer ??= setTimeout(() => {
      refreshTimer = undefined;
      deps.refresh();
    }, REFRESH_EVERY_MS);
  };

  const run = async (item: UploadItem) => {
    const file = queue.file(item.id);
    if (!file) return;
    const controller = new AbortController();
    controllers.set(item.id, controller);
    const attempt = async () =>
      sendFile(
        {
          url: uploadUrl(item.parentId, item.relativePath, file.lastModified, item.overwrite),
          token: await deps.token(),
          file,
          signal: controller.signal,
          onProgress: (loaded) => {
            queue.progress(item.id, loaded);
            changed();
          },
        },
        deps.createXhr,
      );
    try {
      try {
        await attempt();
      } catch (err) {
        // The access token ran out mid-batch: renew once and send again.
        if (err instanceof UploadFailure && err.status === 401 && (await deps.renew())) await attempt();
        else throw err;
      }
      queue.complete(item.id);
      refreshSoon();
    } catch (err) {
      if (!controller.signal.aborted) queue.fail(item.id, err instanceof Error ? err.message : String(err));
    } finally {
      controllers.delete(item.id);
      changed(true);
      pump();
    }
  };

  const pump = () => {
    const started = queue.startable();
    for (const item of started) void run(item);
    if (started.length) changed(true);
    else if (queue.totals().finished) deps.refresh();
  };

  return {
    enqueue(parentId: string, files: PickedFile[], options?: EnqueueOptions) {
      if (files.length === 0) return;
      queue.add(parentId, files, options);
      changed(true);
      pump();
    },
    cancel(id) {
      if (queue.cancel(id)) controllers.get(id)?.abort();
      changed(true);
      pump();
    },
    cancelAll() {
      for (const id of queue.cancelAll()) controllers.get(id)?.abort();
      changed(true);
    },
    retry(id) {
      queue.retry(id);
      changed(true);
      pump();
    },
    clearFinished() {
      queue.clearFinished();
      changed(true);
    },
    clearAll() {
      if (queue.clearAll()) changed(true);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot: () => state,
  };
}

const UploadContext = createContext<UploadManager | null>(null);

export function UploadProvider({ children, manager }: { children: ReactNode; manager?: UploadManager }) {
  const { api, session } = useServices();
  const queryClient = useQueryClient();
  const own = useRef<UploadManager | null>(null);
  own.current ??=
    manager ??
    createUploadManager({
      token: () => api.token(),
      renew: () => session.renew(),
      refresh: () => {
        // A new version changes a file's history and node as well as its folder's listing.
        for (const queryKey of [['children'], ['account'], ['versions'], ['node']]) void queryClient.invalidateQueries({ queryKey });
      },
    });
  const current = own.current;

  // Leaving the page would cut running uploads off: ask first.
  const state = useSyncExternalStore(current.subscribe, current.snapshot);
  const busy = !state.totals.finished;
  useEffect(() => {
    if (!busy) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [busy]);

  return <UploadContext.Provider value={current}>{children}</UploadContext.Provider>;
}

export function useUploads(): UploadManager {
  const ctx = useContext(UploadContext);
  if (!ctx) throw new Error('useUploads outside UploadProvider');
  return ctx;
}

export function useUploadState(): UploadState {
  const manager = useUploads();
  return useSyncExternalStore(manager.subscribe, manager.snapshot);
}
