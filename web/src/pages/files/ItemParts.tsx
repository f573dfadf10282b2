import type { MouseEvent } from 'react';
import { Link } from 'react-router';
import type { FileNode } from '../../api/types';
import { folderHref } from './Breadcrumbs';

/** Where an item's name leads: into a folder, or to the preview of a file (kept in the address). */
export function itemTarget(node: FileNode) {
  return node.kind === 'folder' ? folderHref(node.id) : { search: `?preview=${encodeURIComponent(node.id)}` };
}

/**
 * The item's name as a link, named exactly like the item. A plain click opens it; with Ctrl, Cmd
 * or Shift the click only selects, which the row handles.
 */
export function ItemLink({ node }: { node: FileNode }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) e.preventDefault();
  };
  return (
    <Link to={itemTarget(node)} className="item-link" tabIndex={-1} draggable={false} onClick={onClick}>
      {node.name}
    </Link>
  );
}

interface CheckProps {
  node: FileNode;
  checked: boolean;
  onToggle: (e: MouseEvent<HTMLInputElement>) => void;
}

/** The selection checkbox of one item; Space on the focused item does the same from the keyboard. */
export function ItemCheckbox({ node, checked, onToggle }: CheckProps) {
  return (
    <input
      type="checkbox"
      className="item-check"
      aria-label={`Select ${node.name}`}
      checked={checked}
      tabIndex={-1}
      onChange={() => undefined}
      onClick={(e) => {
        e.stopPropagation();
        onToggle(e);
      }}
      onDoubleClick={(e) => e.stopPropagation()}
    />
  );
}
