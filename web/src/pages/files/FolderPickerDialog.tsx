import { useMutation, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, ArrowUp, ChevronRight, Folder } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { FileNode } from '../../api/types';
import { useApi } from '../../app-context';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { isHiddenName } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { describeFailures, runBatch } from './batch';
import { ROOT_NAME, useCrumbs, type Crumb } from './crumbs';
import { childPath, plural, useFolderListing } from './listing';

export type PickerMode = 'move' | 'copy';

interface PickerProps {
  mode: PickerMode;
  nodes: FileNode[];
  /** The folder the items are in now, with its path. */
  source: FileNode;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Called with the items that arrived, after the listings were refreshed. */
  onDone?: (moved: FileNode[]) => void;
}

const NAME_SORT = { sort: 'name', order: 'asc' } as const;

export function FolderPickerDialog(props: PickerProps) {
  const { mode, nodes, open, onOpenChange } = props;
  const verb = mode === 'move' ? 'Move' : 'Copy';
  const what = nodes.length === 1 ? `“${nodes[0]!.name}”` : plural(nodes.length, 'item');
  return (
    <Modal open={open} onOpenChange={onOpenChange} wide title={`${verb} ${what}`} description={`Choose a folder, then select “${verb} here”.`}>
      {open ? <Picker {...props} /> : null}
    </Modal>
  );
}

/** Why the items cannot go into `target`, or null if they can. */
export function pickerRefusal(mode: PickerMode, nodes: readonly FileNode[], source: FileNode, target: FileNode): string | null {
  const folderPaths = nodes.filter((n) => n.kind === 'folder').map((n) => childPath(source.path, n.name));
  const inside = folderPaths.some((p) => p !== undefined && target.path !== undefined && (target.path === p || target.path.startsWith(`${p}/`)));
  if (inside || nodes.some((n) => n.id === target.id)) return `A folder cannot be ${mode === 'move' ? 'moved' : 'copied'} into itself.`;
  if (mode === 'move' && target.id === source.id) return nodes.length === 1 ? 'It is already in this folder.' : 'They are already in this folder.';
  return null;
}

function Picker({ mode, nodes, source, onOpenChange, onDone }: PickerProps) {
  const api = useApi();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [browseId, setBrowseId] = useState(source.id);
  // After a partial failure, only the items still to do are tried again.
  const [pending, setPending] = useState(nodes);
  const listing = useFolderListing(browseId, NAME_SORT);
  const target = listing.data?.folder;
  const crumbs = useCrumbs(target);
  const listRef = useRef<HTMLDivElement>(null);
  const moving = new Set(nodes.map((n) => n.id));
  const verb = mode === 'move' ? 'Move' : 'Copy';

  const go = (id: string) => {
    submit.reset();
    setBrowseId(id);
  };
  // The button that was clicked is gone with the old listing; keep focus in the list.
  const browsed = useRef(false);
  useEffect(() => {
    if (browsed.current && listing.isSuccess) listRef.current?.focus();
    browsed.current = true;
  }, [browseId, listing.isSuccess]);

  const submit = useMutation({
    mutationFn: async (to: FileNode) => {
      const result = await runBatch(pending, (n) => (mode === 'move' ? api.move(n.id, to.id) : api.copy(n.id, to.id)));
      if (result.done.length > 0) {
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: ['children'] }),
          queryClient.invalidateQueries({ queryKey: ['account'] }),
          queryClient.invalidateQueries({ queryKey: ['resolve'] }),
        ]);
      }
      if (result.failed.length > 0) {
        setPending(result.failed.map((f) => f.node));
        throw new Error(describeFailures(mode, result.failed));
      }
      return result;
    },
    onSuccess: (result, to) => {
      const done = result.done.length === 1 ? `“${result.done[0]!.node.name}”` : plural(result.done.length, 'item');
      toast.success(`${mode === 'move' ? 'Moved' : 'Copied'} ${done} to “${to.parent_id === null ? ROOT_NAME : to.name}”`);
      onDone?.(result.done.map((d) => d.value));
      onOpenChange(false);
    },
  });

  const refusal = target ? pickerRefusal(mode, pending, source, target) : null;
  const folders = (listing.data?.items ?? []).filter((n) => n.kind === 'folder' && !isHiddenName(n.name));

  return (
    <div className="picker">
      <div className="picker-bar">
        <button
          type="button"
          className="icon-button"
          aria-label="Go up"
          disabled={!target || target.parent_id === null}
          onClick={() => target?.parent_id && go(target.parent_id)}
        >
          <ArrowUp aria-hidden size={18} />
        </button>
        <PickerCrumbs crumbs={crumbs} onGo={go} />
      </div>

      {listing.isPending ? <Spinner label="Loading folders" /> : null}
      {listing.isError ? (
        <ErrorNotice
          error={listing.error}
          action={
            <button type="button" className="button button-small" onClick={() => go(source.id)}>
              Back to the start
            </button>
          }
        />
      ) : null}
      {listing.isSuccess ? (
        <div ref={listRef} className="picker-listing" tabIndex={-1}>
        {folders.length === 0 ? (
          <p className="picker-empty muted">No folders here.</p>
        ) : (
          <ul className="picker-list" aria-label={`Folders in ${target?.parent_id === null ? ROOT_NAME : (target?.name ?? '')}`}>
            {folders.map((folder) => {
              const self = moving.has(folder.id);
              return (
                <li key={folder.id}>
                  <button type="button" className="picker-item" disabled={self} onClick={() => go(folder.id)}>
                    <Folder aria-hidden size={18} className="file-icon-folder" />
                    <span className="picker-name">{folder.name}</span>
                    <ChevronRight aria-hidden size={16} className="muted" />
                  </button>
                  {self ? <span className="muted picker-note">Being {mode === 'move' ? 'moved' : 'copied'}</span> : null}
                </li>
              );
            })}
          </ul>
        )}
        </div>
      ) : null}

      {refusal ? (
        <p className="notice notice-warning" role="status">
          {refusal}
        </p>
      ) : null}
      {submit.isError ? (
        <p className="notice notice-error" role="alert">
          <AlertTriangle aria-hidden size={18} />
          <span>{submit.error.message}</span>
        </p>
      ) : null}
      <p className="sr-only" aria-live="polite">
        {submit.isPending ? `${mode === 'move' ? 'Moving' : 'Copying'}…` : ''}
      </p>

      <div className="modal-footer">
        <button type="button" className="button" onClick={() => onOpenChange(false)}>
          Cancel
        </button>
        <button type="button" className="button button-primary" disabled={!target || refusal !== null || submit.isPending} onClick={() => target && submit.mutate(target)}>
          {verb} here
        </button>
      </div>
    </div>
  );
}

function PickerCrumbs({ crumbs, onGo }: { crumbs: Crumb[]; onGo: (id: string) => void }) {
  return (
    <nav aria-label="Folder path" className="breadcrumbs picker-crumbs">
      <ol>
        {crumbs.map((crumb, i) => {
          const current = i === crumbs.length - 1;
          const id = i === 0 ? 'root' : crumb.id;
          return (
            <li key={crumb.path}>
              {i > 0 ? <ChevronRight aria-hidden size={14} className="breadcrumb-sep" /> : null}
              {current ? (
                <span aria-current="location" className="breadcrumb-current">
                  {crumb.name}
                </span>
              ) : (
                <button type="button" className="link-button" disabled={!id} onClick={() => id && onGo(id)}>
                  {crumb.name}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
