import { useMutation } from '@tanstack/react-query';
import type { TrashItem } from '../../api/types';
import { useApi } from '../../app-context';
import { formatBytes } from '../../ui/format';
import { ConfirmDialog } from '../../ui/Modal';
import { ConfirmAction } from '../../ui/ConfirmAction';
import { useToast } from '../../ui/Toasts';
import { InlineError } from '../../ui/InlineError';
import { plural, useRefreshAfterTrashChange } from './useTrash';

export function DeleteForeverDialog({ item, onClose, onDone }: { item: TrashItem | null; onClose: () => void; onDone: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterTrashChange();
  return (
    <ConfirmAction
      target={item}
      onClose={onClose}
      title={item ? `Delete ${item.name} forever?` : 'Delete forever?'}
      description={`${item?.kind === 'folder' ? 'The folder and everything in it will be deleted for good. ' : 'The file and all its versions will be deleted for good. '}This cannot be undone.`}
      confirmLabel="Delete forever"
      pendingLabel="Deleting…"
      run={(target) => api.purge(target.id)}
      onSuccess={async (target) => {
        toast.success(`Deleted ${target.name} forever`);
        await refresh();
        onDone();
      }}
    />
  );
}

interface EmptyTrashDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  count: number;
  /** Bytes the trash holds, when known. */
  bytes: number | undefined;
  onDone: () => void;
}

export function EmptyTrashDialog({ open, onOpenChange, count, bytes, onDone }: EmptyTrashDialogProps) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterTrashChange();
  const empty = useMutation({
    mutationFn: () => api.emptyTrash(),
    onSuccess: async ({ purged }) => {
      onOpenChange(false);
      toast.success(`Emptied the trash: ${plural(purged, 'item')} deleted forever`);
      await refresh();
      onDone();
    },
  });
  const change = (next: boolean) => {
    if (!next && empty.isPending) return;
    if (!next) empty.reset();
    onOpenChange(next);
  };
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={change}
      title="Empty the trash?"
      description={
        <>
          {`All ${plural(count, 'item')} in the trash${bytes !== undefined && bytes > 0 ? ` (${formatBytes(bytes)})` : ''} will be deleted forever. This cannot be undone.`}
          <InlineError error={empty.error} />
        </>
      }
      confirmLabel="Empty trash"
      danger
      busy={empty.isPending}
      onConfirm={() => empty.mutate()}
    />
  );
}
