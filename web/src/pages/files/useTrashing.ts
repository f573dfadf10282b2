import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { FileNode } from '../../api/types';
import { useApi } from '../../app-context';
import { describeFailures, runBatch } from './batch';
import { plural } from './listing';

/** Every listing and total a trash or restore changes. */
export function useRefreshListings() {
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['children'] }),
        queryClient.invalidateQueries({ queryKey: ['account'] }),
        queryClient.invalidateQueries({ queryKey: ['trash'] }),
        queryClient.invalidateQueries({ queryKey: ['resolve'] }),
      ]),
    [queryClient],
  );
}

export interface TrashOutcome {
  /** What the last trashing moved, for Undo. */
  undoable: FileNode[];
  message: string;
}

/**
 * Moves items to the trash (no confirmation: it can be undone here, or restored from the trash)
 * and puts them back on Undo.
 */
export function useTrashing({ onMessage, onError }: { onMessage: (message: string) => void; onError: (message: string) => void }) {
  const api = useApi();
  const refresh = useRefreshListings();
  const [last, setLast] = useState<TrashOutcome | null>(null);
  const [busy, setBusy] = useState(false);

  const trash = useCallback(
    async (nodes: FileNode[]) => {
      if (nodes.length === 0) return [];
      setBusy(true);
      try {
        const result = await runBatch(nodes, (n) => api.trashNode(n.id));
        if (result.done.length > 0) await refresh();
        const moved = result.done.map((d) => d.node);
        if (moved.length > 0) {
          const message = `Moved ${moved.length === 1 ? `“${moved[0]!.name}”` : plural(moved.length, 'item')} to the trash`;
          setLast({ undoable: moved, message });
          onMessage(message);
        }
        if (result.failed.length > 0) onError(describeFailures('delete', result.failed));
        return moved;
      } finally {
        setBusy(false);
      }
    },
    [api, onError, onMessage, refresh],
  );

  const undo = useCallback(async () => {
    if (!last) return;
    setBusy(true);
    try {
      const result = await runBatch(last.undoable, (n) => api.restore(n.id));
      setLast(null);
      await refresh();
      if (result.done.length > 0) onMessage(`Restored ${result.done.length === 1 ? `“${result.done[0]!.node.name}”` : plural(result.done.length, 'item')}`);
      if (result.failed.length > 0) onError(describeFailures('restore', result.failed));
    } finally {
      setBusy(false);
    }
  }, [api, last, onError, onMessage, refresh]);

  return { trash, undo, last, dismiss: () => setLast(null), busy };
}
