import { useCallback, useLayoutEffect, useMemo, useRef, type Dispatch, type KeyboardEvent, type MouseEvent, type RefObject } from 'react';
import type { FileNode } from '../../api/types';
import type { ItemActions } from './actions';
import { keyCommand, type Selection, type SelectionAction } from './selection';

/** Positions of the visible items, and which one is the tab stop. */
export function useItemIndex(items: FileNode[], selection: Selection) {
  const order = useMemo(() => items.map((n) => n.id), [items]);
  const indexById = useMemo(() => new Map(order.map((id, i) => [id, i])), [order]);
  const focusIndex = selection.focus === null ? -1 : (indexById.get(selection.focus) ?? -1);
  const tabStopId = focusIndex >= 0 ? selection.focus : (order[0] ?? null);
  return { order, indexById, focusIndex, tabStopId };
}

export type ItemIndex = ReturnType<typeof useItemIndex>;

interface Options {
  index: ItemIndex;
  items: FileNode[];
  selection: Selection;
  dispatch: Dispatch<SelectionAction>;
  actions: ItemActions;
  /** Items per row: 1 in the list, more in the grid. */
  columns: number;
  /** Rows Page Up/Down jump. */
  pageRows: number;
  containerRef: RefObject<HTMLElement | null>;
  /** Brings a row of the virtual list into view (and so into the DOM). */
  scrollToRow: (row: number) => void;
}

/**
 * Keyboard and mouse behaviour shared by the list and the grid: one tab stop (the focused item),
 * arrows move it, Space/Shift/Ctrl select, Enter opens, Delete trashes, F2 renames.
 */
export function useItemKeyboard({ index, items, selection, dispatch, actions, columns, pageRows, containerRef, scrollToRow }: Options) {
  const { order, indexById, focusIndex } = index;
  // Set by a key that moves focus: after the next render, DOM focus follows the state.
  const focusPending = useRef(false);

  useLayoutEffect(() => {
    if (!focusPending.current || focusIndex < 0) return;
    focusPending.current = false;
    scrollToRow(Math.floor(focusIndex / columns));
    const id = order[focusIndex];
    const el = Array.from(containerRef.current?.querySelectorAll<HTMLElement>('[data-item-id]') ?? []).find((e) => e.dataset.itemId === id);
    el?.focus({ preventScroll: true });
  }, [focusIndex, columns, order, containerRef, scrollToRow]);

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLElement>) => {
      const target = e.target as HTMLElement;
      // Keys typed into a checkbox, a menu or a dialog opened from a row are theirs.
      const id = target.dataset.itemId;
      if (!id) return;
      const cmd = keyCommand(e, columns, pageRows);
      if (!cmd) return;
      const node = items[indexById.get(id) ?? -1];
      const selectedNodes = () => (selection.selected.size > 0 ? items.filter((n) => selection.selected.has(n.id)) : node ? [node] : []);
      switch (cmd.type) {
        case 'move':
          focusPending.current = true;
          // Moving from the item that has DOM focus, even if state lagged behind.
          if (selection.focus !== id) dispatch({ type: 'focus', id });
          dispatch({ type: 'move', order, by: cmd.by, extend: cmd.extend });
          break;
        case 'toggle':
          dispatch({ type: 'toggle', id });
          break;
        case 'select-all':
          dispatch({ type: 'select-all', order });
          break;
        case 'clear':
          if (selection.selected.size === 0) return;
          dispatch({ type: 'clear' });
          break;
        case 'open':
          if (node) actions.open(node);
          break;
        case 'delete': {
          const targets = selectedNodes();
          if (targets.length > 0) actions.trash(targets);
          break;
        }
        case 'rename':
          if (node) actions.rename(node);
          break;
      }
      e.preventDefault();
    },
    [actions, columns, dispatch, indexById, items, order, pageRows, selection],
  );

  // The selection before the last single click, and the latest one, read by the mouse handlers
  // without redrawing every row when the selection changes.
  const beforeClick = useRef<Selection | null>(null);
  const latestSelection = useRef(selection);
  useLayoutEffect(() => {
    latestSelection.current = selection;
  });

  /**
   * A click on an item (anywhere but its checkbox and menu): select it the way file managers do.
   * A plain click on its name opens it instead (the link does that) and leaves the selection alone,
   * so closing what it opened finds the view as it was.
   */
  const onItemClick = useCallback(
    (e: MouseEvent, id: string) => {
      const modified = e.ctrlKey || e.metaKey || e.shiftKey || e.altKey;
      if (!modified && e.target instanceof Element && e.target.closest('a.item-link')) {
        dispatch({ type: 'focus', id });
        // The row, not the link, keeps focus: arrows work from there once the preview closes.
        if (e.currentTarget instanceof HTMLElement) e.currentTarget.focus({ preventScroll: true });
        return;
      }
      // The second click of a double-click does not count as a new start.
      if (e.detail <= 1) beforeClick.current = latestSelection.current;
      dispatch({ type: 'click', id, order, toggle: e.ctrlKey || e.metaKey, range: e.shiftKey });
    },
    [dispatch, order],
  );

  /** A double-click opens the item; the clicks it is made of selected it on the way, which it undoes. */
  const onItemOpen = useCallback(
    (id: string) => {
      const node = items[indexById.get(id) ?? -1];
      if (!node) return;
      if (beforeClick.current) dispatch({ type: 'restore', selection: beforeClick.current });
      beforeClick.current = null;
      actions.open(node);
    },
    [actions, dispatch, indexById, items],
  );

  return { onKeyDown, onItemClick, onItemOpen };
}

/** Keeps the focused item rendered while it is scrolled out of view, so focus is never dropped. */
export function keepIndex(indexes: number[], keep: number): number[] {
  if (keep < 0 || indexes.includes(keep)) return indexes;
  return [...indexes, keep].sort((a, b) => a - b);
}
