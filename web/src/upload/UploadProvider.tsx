import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { UploadApi } from './types';

const UploadContext = createContext<UploadApi | null>(null);

/** Placeholder until the upload manager lands. */
export function UploadProvider({ children }: { children: ReactNode }) {
  const api = useMemo<UploadApi>(() => ({ enqueue: () => undefined }), []);
  return <UploadContext.Provider value={api}>{children}</UploadContext.Provider>;
}

export function useUploads(): UploadApi {
  const ctx = useContext(UploadContext);
  if (!ctx) throw new Error('useUploads outside UploadProvider');
  return ctx;
}
