import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import type { Page, TrashItem } from '../../api/types';
import { useApi } from '../../app-context';

export const TRASH_PAGE_SIZE = 100;
/** Under the ['trash'] prefix, so any screen that invalidates ['trash'] refreshes this list. */
export const TRASH_QUERY = ['trash', 'list'] as const;

/** The server also says how long the trash keeps items; the shared type does not declare it. */
function retentionDaysOf(page: Page<TrashItem>): number | undefined {
  const value = (page as Page<TrashItem> & { retention_days?: unknown }).retention_days;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** The trash, a page of 100 at a time, most recently deleted first (the server's order). */
export function useTrashList() {
  const api = useApi();
  const query = useInfiniteQuery({
    queryKey: TRASH_QUERY,
    queryFn: ({ pageParam }) => api.trash({ limit: TRASH_PAGE_SIZE, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.items.length, 0);
      return last.items.length > 0 && loaded < last.total ? loaded : undefined;
    },
  });
  const items = useMemo(() => {
    // Offsets shift when items leave the trash between pages; never show one item twice.
    const seen = new Set<string>();
    const unique: TrashItem[] = [];
    for (const item of (query.data?.pages ?? []).flatMap((p) => p.items)) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      unique.push(item);
    }
    return unique;
  }, [query.data]);
  const last = query.data?.pages.at(-1);
  return { query, items, total: last ? Math.max(last.total, items.length) : 0, retentionDays: last ? retentionDaysOf(last) : undefined };
}

/** Everything a trash change touches: the trash, folder listings (restores) and the quota. */
export function useRefreshAfterTrashChange(): () => Promise<unknown> {
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['trash'] }),
        queryClient.invalidateQueries({ queryKey: ['children'] }),
        queryClient.invalidateQueries({ queryKey: ['account'] }),
      ]),
    [queryClient],
  );
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}
