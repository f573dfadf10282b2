import type { FileNode } from '../../api/types';

/** What can be done to items of the folder view; the row menus and the selection bar share it. */
export interface ItemActions {
  open: (node: FileNode) => void;
  download: (nodes: FileNode[]) => void;
  rename: (node: FileNode) => void;
  move: (nodes: FileNode[]) => void;
  copy: (nodes: FileNode[]) => void;
  versions: (node: FileNode) => void;
  trash: (nodes: FileNode[]) => void;
  /** A folder's rules (allowed files, size, write-once); absent where the caller only views. */
  rules?: (node: FileNode) => void;
  /** Present where the caller may share: their own items, or a folder shared with them as manager. */
  share?: (node: FileNode) => void;
  /** What a file was made from and what was made from it; present where the space links derived files. */
  related?: (node: FileNode) => void;
  /** Saves a ZIP of the items in the exports folder of their unit (a space made from a template). */
  exportZip?: (nodes: FileNode[]) => void;
  /** A folder shared with the caller as viewer: the actions that change things are left out. */
  readOnly?: boolean;
}
