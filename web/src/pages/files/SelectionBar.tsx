import { Archive, Copy, Download, FolderInput, History, Pencil, Share2, Trash2, X } from 'lucide-react';
import type { ReactNode } from 'react';
import type { FileNode } from '../../api/types';
import type { ItemActions } from './actions';

interface SelectionBarProps {
  selected: FileNode[];
  actions: ItemActions;
  onClear: () => void;
}

function BarButton({ label, icon, onClick, disabled, danger, hint }: { label: string; icon: ReactNode; onClick: () => void; disabled?: boolean; danger?: boolean; hint?: string }) {
  return (
    <button
      type="button"
      className={danger ? 'button button-small bar-button bar-danger' : 'button button-small bar-button'}
      aria-label={label}
      title={hint ?? label}
      disabled={disabled}
      onClick={onClick}
    >
      {icon}
      <span className="bar-label">{label}</span>
    </button>
  );
}

/** What can be done with the selected items; single-item actions appear when one item is selected. */
export function SelectionBar({ selected, actions, onClear }: SelectionBarProps) {
  const files = selected.filter((n) => n.kind === 'file');
  const single = selected.length === 1 ? selected[0] : undefined;
  const readOnly = actions.readOnly === true;
  return (
    <div className="selection-bar" role="group" aria-label="Selected items">
      <span className="selection-count">{selected.length.toLocaleString()} selected</span>
      <div className="selection-actions">
        <BarButton
          label="Download"
          icon={<Download aria-hidden size={16} />}
          disabled={files.length === 0}
          hint={files.length === 0 ? 'Folders cannot be downloaded' : undefined}
          onClick={() => actions.download(files)}
        />
        {single && actions.share ? <BarButton label="Share" icon={<Share2 aria-hidden size={16} />} onClick={() => actions.share?.(single)} /> : null}
        {single && !readOnly ? <BarButton label="Rename" icon={<Pencil aria-hidden size={16} />} onClick={() => actions.rename(single)} /> : null}
        {readOnly ? null : <BarButton label="Move" icon={<FolderInput aria-hidden size={16} />} onClick={() => actions.move(selected)} />}
        <BarButton label="Copy" icon={<Copy aria-hidden size={16} />} onClick={() => actions.copy(selected)} />
        {single?.kind === 'file' && !readOnly ? <BarButton label="Versions" icon={<History aria-hidden size={16} />} onClick={() => actions.versions(single)} /> : null}
        {actions.exportZip ? <BarButton label="Export ZIP" icon={<Archive aria-hidden size={16} />} onClick={() => actions.exportZip?.(selected)} /> : null}
        {readOnly ? null : <BarButton label="Delete" danger icon={<Trash2 aria-hidden size={16} />} onClick={() => actions.trash(selected)} />}
      </div>
      <button type="button" className="icon-button" aria-label="Clear selection" title="Clear selection" onClick={onClear}>
        <X aria-hidden size={18} />
      </button>
    </div>
  );
}
