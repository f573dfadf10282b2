import type { ReactElement } from 'react';
import { Route, Routes } from 'react-router';
import { vi } from 'vitest';
import type { Endpoints } from '../../api/endpoints';
import type { FileNode, FolderListing } from '../../api/types';
import type { AppServices } from '../../app-context';
import { renderWithServices } from '../../test-utils';

let seq = 0;
export function node(name: string, over: Partial<FileNode> = {}): FileNode {
  seq++;
  const kind = over.kind ?? 'file';
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    name,
    kind,
    parent_id: 'parent',
    size: 100,
    mime: kind === 'folder' ? null : 'text/plain',
    etag: `e${seq}`,
    version_id: null,
    created_at: '2024-05-01T10:00:00.000Z',
    modified_at: '2024-05-01T10:00:00.000Z',
    updated_at: '2024-05-01T10:00:00.000Z',
    ...over,
  };
}

export const rootFolder = node('admin', { id: 'root-id', kind: 'folder', parent_id: null, path: '/', size: 4096 });

export function listing(folder: FileNode, items: FileNode[], total = items.length): FolderListing {
  return { folder, items, total, limit: 10_000, offset: 0 };
}

/**
 * jsdom lays nothing out: give scroll containers a size so the virtualiser renders rows, and
 * Radix a ResizeObserver. Returns a function that puts things back.
 */
export function fakeLayout(width = 1000, height = 600): () => void {
  const proto = HTMLElement.prototype;
  const saved = {
    clientWidth: Object.getOwnPropertyDescriptor(proto, 'clientWidth'),
    clientHeight: Object.getOwnPropertyDescriptor(proto, 'clientHeight'),
  };
  Object.defineProperty(proto, 'clientWidth', { configurable: true, get: () => width });
  Object.defineProperty(proto, 'clientHeight', { configurable: true, get: () => height });
  const hadRO = 'ResizeObserver' in globalThis;
  if (!hadRO) {
    globalThis.ResizeObserver = class {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
  }
  return () => {
    for (const [key, desc] of Object.entries(saved)) {
      if (desc) Object.defineProperty(proto, key, desc);
      else delete (proto as unknown as Record<string, unknown>)[key];
    }
    if (!hadRO) delete (globalThis as { ResizeObserver?: unknown }).ResizeObserver;
  };
}

/** Renders the routes of the files screen over fake endpoints (and a fake raw client for /resolve). */
export function renderRoutes(ui: ReactElement, fake: Partial<Endpoints>, { path = '/files', get = vi.fn() }: { path?: string; get?: ReturnType<typeof vi.fn> } = {}) {
  return renderWithServices(
    <Routes>
      <Route path="/files" element={ui} />
      <Route path="/files/:folderId" element={ui} />
    </Routes>,
    fake,
    { path, services: { api: { get } as unknown as AppServices['api'] }, withLocation: true },
  );
}
