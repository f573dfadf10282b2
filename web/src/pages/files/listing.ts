import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { Endpoints } from '../../api/endpoints';
import type { FileNode, FolderListing, SortKey, SortOrder } from '../../api/types';
import { useApi } from '../../app-context';
import { describeType, isHiddenName } from '../../ui/format';

/** The server's largest page. */
export const PAGE_LIMIT = 10_000;

/** Sorting the view offers: the server's keys, plus type, which is sorted here. */
export type ViewSort = SortKey | 'type';
export interface SortState {
  sort: ViewSort;
  order: SortOrder;
}

export const serverSort = (s: SortState): { sort: SortKey; order: SortOrder } => (s.sort === 'type' ? { sort: 'name', order: 'asc' } : { sort: s.sort, order: s.order });

/** A folder found by its path in a space (the same path names different folders in different spaces). */
export const resolveKey = (path: string, spaceId?: string) => ['resolve', spaceId ?? '', path] as const;

/** A whole folder, page after page, so the virtualised view can scroll through all of it. */
export async function fetchWholeFolder(api: Endpoints, folderId: string, sort: SortKey, order: SortOrder, signal?: AbortSignal): Promise<FolderListing> {
  const first = await api.children(folderId, { sort, order, limit: PAGE_LIMIT }, signal);
  const items = [...first.items];
  let last = first;
  while (items.length < last.total && last.items.length > 0) {
    last = await api.children(folderId, { sort, order, limit: PAGE_LIMIT, offset: items.length }, signal);
    items.push(...last.items);
  }
  // An entry added between pages shifts the offsets; never list it twice.
  const seen = new Set<string>();
  const unique = items.filter((n) => !seen.has(n.id) && seen.add(n.id));
  return { ...first, items: unique, total: Math.max(last.total, unique.length) };
}

/** Remembers where a folder's path leads, so breadcrumbs need no extra request for folders already visited. */
function rememberPath(queryClient: QueryClient, folder: FileNode) {
  if (folder.path) queryClient.setQueryData(resolveKey(folder.path, folder.space_id), folder);
}

export function useFolderListing(folderId: string, sortState: SortState, enabled = true) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { sort, order } = serverSort(sortState);
  return useQuery({
    queryKey: ['children', folderId, sort, order],
    queryFn: async ({ signal }) => {
      const listing = await fetchWholeFolder(api, folderId, sort, order, signal);
      rememberPath(queryClient, listing.folder);
      return listing;
    },
    enabled,
    staleTime: 15_000,
    // While a new sort loads, the old order of the same folder stays on screen instead of a spinner.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1] === folderId ? previous : undefined),
  });
}

const typeCollator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * What the view shows: hidden litter removed, the name filter applied, and the type sort done
 * here (the server sorts the rest, folders first).
 */
export function arrangeItems(items: readonly FileNode[], filter: string, sortState: SortState): FileNode[] {
  const needle = filter.trim().toLocaleLowerCase();
  const shown = items.filter((n) => !isHiddenName(n.name) && (!needle || n.name.toLocaleLowerCase().includes(needle)));
  if (sortState.sort !== 'type') return shown;
  const dir = sortState.order === 'asc' ? 1 : -1;
  const typed = shown.map((node) => ({ node, type: describeType(node.kind, node.mime, node.name) }));
  typed.sort((a, b) => {
    if (a.node.kind !== b.node.kind) return a.node.kind === 'folder' ? -1 : 1;
    return dir * typeCollator.compare(a.type, b.type) || typeCollator.compare(a.node.name, b.node.name);
  });
  return typed.map((t) => t.node);
}

function readSession<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  try {
    const raw = window.sessionStorage.getItem(key);
    if (raw === null) return fallback;
    const parsed: unknown = JSON.parse(raw);
    return valid(parsed) ? parsed : fallback;
  } catch {
    return fallback;
  }
}

/** A preference kept for this tab's session: it survives moving between folders and reloads. */
export function useSessionPreference<T>(key: string, fallback: T, valid: (v: unknown) => v is T): [T, (next: T) => void] {
  const [value, setValue] = useState<T>(() => readSession(key, fallback, valid));
  const set = useCallback(
    (next: T) => {
      setValue(next);
      try {
        window.sessionStorage.setItem(key, JSON.stringify(next));
      } catch {
        // Storage full or disabled: the preference lasts until the page closes.
      }
    },
    [key],
  );
  return [value, set];
}

export type ViewMode = 'list' | 'grid';
export const isViewMode = (v: unknown): v is ViewMode => v === 'list' || v === 'grid';
export const isSortState = (v: unknown): v is SortState => {
  if (!v || typeof v !== 'object') return false;
  const s = v as Partial<SortState>;
  return (s.sort === 'name' || s.sort === 'size' || s.sort === 'modified' || s.sort === 'type') && (s.order === 'asc' || s.order === 'desc');
};

/** Where a listed child sits, built from its folder's path (listings do not repeat it per item). */
export function childPath(folderPath: string | undefined, name: string): string | undefined {
  if (folderPath === undefined) return undefined;
  return folderPath === '/' ? `/${name}` : `${folderPath}/${name}`;
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}
