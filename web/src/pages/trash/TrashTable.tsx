import { useMutation } from '@tanstack/react-query';
import { RotateCcw, Trash2 } from 'lucide-react';
import { Fragment } from 'react';
import { errorMessage } from '../../api/errors';
import type { TrashItem } from '../../api/types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { FileIcon } from '../../ui/FileIcon';
import { formatBytes, formatDate } from '../../ui/format';
import { useToast } from '../../ui/Toasts';
import { folderOf } from './paths';
import { useRefreshAfterTrashChange } from './useTrash';

interface TrashTableProps {
  items: TrashItem[];
  onDeleteForever: (item: TrashItem) => void;
  /** After an item left the list, so keyboard focus is not lost with its row. */
  onItemGone: () => void;
}

export function TrashTable({ items, onDeleteForever, onItemGone }: TrashTableProps) {
  return (
    <DataTable
      className="trash-table"
      caption="Items in the trash, most recently deleted first"
      columns={['Name', { label: 'Original location', className: 'hide-phone' }, { label: 'Deleted', className: 'hide-phone' }, { label: 'Size', className: 'num hide-phone' }]}
      actionsLabel="Actions"
    >
      {items.map((item) => (
        <TrashRow key={item.id} item={item} onDeleteForever={onDeleteForever} onItemGone={onItemGone} />
      ))}
    </DataTable>
  );
}

function TrashRow({ item, onDeleteForever, onItemGone }: { item: TrashItem; onDeleteForever: (item: TrashItem) => void; onItemGone: () => void }) {
  const api = useApi();
  const toast = useToast();
  const refresh = useRefreshAfterTrashChange();
  const folder = folderOf(item.original_path);
  const restore = useMutation({
    mutationFn: () => api.restore(item.id),
    onSuccess: async (node) => {
      toast.success(`Restored ${item.name} to ${node.path ?? folder}`);
      await refresh();
      onItemGone();
    },
    onError: (err) => toast.error(`Could not restore ${item.name}: ${errorMessage(err)}`),
  });

  return (
    <tr aria-busy={restore.isPending || undefined}>
      <td>
        <div className="trash-name-cell">
          <FileIcon kind={item.kind} mime={null} name={item.name} />
          <div className="trash-name-text">
            <span className="trash-name">
              {item.name}
              <span className="sr-only">{item.kind === 'folder' ? ' (folder)' : ''}</span>
            </span>
            {/* Phones hide the location and date columns; both stay visible under the name. */}
            <span className="trash-location-inline muted">
              in <BreakablePath path={folder} /> · <time dateTime={item.deleted_at}>{formatDate(item.deleted_at)}</time>
            </span>
          </div>
        </div>
      </td>
      <td className="hide-phone trash-location" title={item.original_path ?? undefined}>
        <BreakablePath path={folder} />
      </td>
      <td className="hide-phone nowrap">
        <time dateTime={item.deleted_at}>{formatDate(item.deleted_at)}</time>
      </td>
      <td className="num hide-phone nowrap">{formatBytes(item.size)}</td>
      <td>
        <div className="button-row trash-actions">
          <button type="button" className="button button-small" aria-label={`Restore ${item.name}`} disabled={restore.isPending} onClick={() => restore.mutate()}>
            <RotateCcw aria-hidden size={16} />
            {restore.isPending ? 'Restoring…' : 'Restore'}
          </button>
          <button type="button" className="button button-small button-ghost trash-delete" aria-label={`Delete ${item.name} forever`} title="Delete forever" disabled={restore.isPending} onClick={() => onDeleteForever(item)}>
            <Trash2 aria-hidden size={16} />
            <span className="hide-phone">Delete</span>
          </button>
        </div>
      </td>
    </tr>
  );
}

/** A folder path that wraps after its slashes rather than in the middle of a name. */
function BreakablePath({ path }: { path: string }) {
  const parts = path.split('/');
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 ? '/' : ''}
          {part}
          {i > 0 && i < parts.length - 1 ? <wbr /> : null}
        </Fragment>
      ))}
    </>
  );
}
