import * as Menu from '@radix-ui/react-dropdown-menu';
import { Copy, Download, EllipsisVertical, Eye, FolderInput, FolderOpen, History, Link2, Pencil, Share2, ShieldCheck, Trash2 } from 'lucide-react';
import type { FileNode } from '../../api/types';
import type { ItemActions } from './actions';

interface RowMenuProps {
  node: FileNode;
  actions: ItemActions;
  /** Only the focused item's button is in the tab order; the others are reached by arrow keys. */
  tabbable: boolean;
}

/** The "More actions" menu of one item. */
export function RowMenu({ node, actions, tabbable }: RowMenuProps) {
  const isFile = node.kind === 'file';
  const { share, readOnly, rules, related } = actions;
  return (
    // Not modal: a modal menu that opens a dialog can leave the page unclickable when both close.
    <Menu.Root modal={false}>
      <Menu.Trigger
        className="icon-button row-menu-trigger"
        aria-label={`Actions for ${node.name}`}
        tabIndex={tabbable ? 0 : -1}
        // The row would treat the click as selecting it.
        onClick={(e) => e.stopPropagation()}
        onDoubleClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.stopPropagation()}
      >
        <EllipsisVertical aria-hidden size={18} />
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className="menu" align="end" sideOffset={4} onKeyDown={(e) => e.stopPropagation()}>
          <Menu.Item className="menu-item" onSelect={() => actions.open(node)}>
            {isFile ? <Eye aria-hidden size={16} /> : <FolderOpen aria-hidden size={16} />} Open
          </Menu.Item>
          {isFile ? (
            <Menu.Item className="menu-item" onSelect={() => actions.download([node])}>
              <Download aria-hidden size={16} /> Download
            </Menu.Item>
          ) : null}
          {share ? (
            <Menu.Item className="menu-item" onSelect={() => share(node)}>
              <Share2 aria-hidden size={16} /> Share…
            </Menu.Item>
          ) : null}
          {readOnly ? null : (
            <>
              <Menu.Item className="menu-item" onSelect={() => actions.rename(node)}>
                <Pencil aria-hidden size={16} /> Rename
              </Menu.Item>
              <Menu.Item className="menu-item" onSelect={() => actions.move([node])}>
                <FolderInput aria-hidden size={16} /> Move
              </Menu.Item>
            </>
          )}
          <Menu.Item className="menu-item" onSelect={() => actions.copy([node])}>
            <Copy aria-hidden size={16} /> Copy
          </Menu.Item>
          {isFile && !readOnly ? (
            <Menu.Item className="menu-item" onSelect={() => actions.versions(node)}>
              <History aria-hidden size={16} /> Versions
            </Menu.Item>
          ) : null}
          {isFile && related ? (
            <Menu.Item className="menu-item" onSelect={() => related(node)}>
              <Link2 aria-hidden size={16} /> Related files…
            </Menu.Item>
          ) : null}
          {!isFile && rules ? (
            <Menu.Item className="menu-item" onSelect={() => rules(node)}>
              <ShieldCheck aria-hidden size={16} /> Folder rules…
            </Menu.Item>
          ) : null}
          {readOnly ? null : (
            <>
              <Menu.Separator className="menu-separator" />
              <Menu.Item className="menu-item menu-item-danger" onSelect={() => actions.trash([node])}>
                <Trash2 aria-hidden size={16} /> Delete
              </Menu.Item>
            </>
          )}
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}
