import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useServices } from '../app-context';
import { createUploadManager, type UploadManager, type UploadState } from './manager';

export { createUploadManager, type UploadManager, type UploadState } from './manager';

const UploadContext = createContext<UploadManager | null>(null);

/**
 * Owns this tab's uploads for as long as the app runs, so they carry on while people move
 * between screens. `manager` lets tests drive it with a fake transport.
 */
export function UploadProvider({ children, manager }: { children: ReactNode; manager?: UploadManager }) {
  const { api, session } = useServices();
  const queryClient = useQueryClient();
  const [current] = useState<UploadManager>(
    () =>
      manager ??
      createUploadManager({
        token: () => api.token(),
        renew: () => session.renew(),
        refresh: ({ versions }) => {
          const keys = versions ? [['children'], ['account'], ['versions'], ['node']] : [['children'], ['account']];
          for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey });
        },
      }),
  );

  // Someone else may sign in next in this tab: nothing of the last person's queue may go on or be retried.
  // (Screen tests render over fake services without a session.)
  useEffect(
    () =>
      session?.onChange((signedIn) => {
        if (!signedIn) current.reset();
      }),
    [session, current],
  );

  const busy = useSyncExternalStore(current.subscribe, () => !current.snapshot().totals.finished);
  useEffect(() => {
    if (!busy) return;
    // Leaving the page would cut running uploads off: the browser asks first.
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
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

/** The queue and its totals, redrawn a few times a second at most while bytes flow. */
export function useUploadState(): UploadState {
  const manager = useUploads();
  return useSyncExternalStore(manager.subscribe, manager.snapshot);
}
