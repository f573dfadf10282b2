import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState, type Dispatch, type MouseEvent, type RefObject } from 'react';
import type { FileNode } from '../../api/types';
import { ItemVisual } from '../../previews/Thumbnail';
import { formatBytes } from '../../ui/format';
import { SharingBadges } from '../../sharing/marks';
import type { ItemActions } from './actions';
import { ItemCheckbox, ItemLink } from './ItemParts';
import { RowMenu } from './RowMenu';
import type { Selection, SelectionAction } from './selection';
import { keepIndex, useItemIndex, useItemKeyboard } from './useItemKeyboard';

const MIN_CARD = 160;
const GAP = 12;
/** Tall enough for a thumbnail over the name and size. */
const ROW_HEIGHT = 208;

interface FileGridProps {
  items: FileNode[];
  selection: Selection;
  dispatch: Dispatch<SelectionAction>;
  actions: ItemActions;
  compact: boolean;
  busy: boolean;
}

function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** The folder as cards, as many to a row as fit (two on phones); rows are virtualised like the list. */
export function FileGrid({ items, selection, dispatch, actions, compact, busy }: FileGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(scrollRef);
  const columns = compact ? 2 : Math.max(2, Math.floor((width - GAP) / (MIN_CARD + GAP)));
  const rows = Math.ceil(items.length / columns);
  const index = useItemIndex(items, selection);
  const focusRow = index.focusIndex >= 0 ? Math.floor(index.focusIndex / columns) : -1;
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 4,
    paddingStart: GAP,
    paddingEnd: GAP,
    rangeExtractor: (range) => keepIndex(defaultRangeExtractor(range), focusRow),
  });
  const scrollToRow = useCallback((row: number) => virtualizer.scrollToIndex(row), [virtualizer]);
  const pageRows = Math.max(1, Math.floor((virtualizer.scrollRect?.height ?? 480) / ROW_HEIGHT) - 1);
  const nav = useItemKeyboard({ index, items, selection, dispatch, actions, columns, pageRows, containerRef: scrollRef, scrollToRow });

  return (
    <div
      ref={scrollRef}
      className="file-scroll file-grid"
      role="grid"
      aria-label="Files"
      aria-multiselectable="true"
      aria-rowcount={rows}
      aria-colcount={columns}
      aria-busy={busy || undefined}
      onKeyDown={nav.onKeyDown}
    >
      <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((v) => {
          const rowItems = items.slice(v.index * columns, (v.index + 1) * columns);
          return (
            <div
              key={v.key}
              role="row"
              aria-rowindex={v.index + 1}
              className="file-grid-row"
              style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT - GAP, gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}
            >
              {rowItems.map((node, c) => (
                <FileCard
                  key={node.id}
                  node={node}
                  column={c}
                  selected={selection.selected.has(node.id)}
                  tabbable={node.id === index.tabStopId}
                  actions={actions}
                  dispatch={dispatch}
                  order={index.order}
                  onItemClick={nav.onItemClick}
                  onItemOpen={nav.onItemOpen}
                />
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

interface FileCardProps {
  node: FileNode;
  column: number;
  selected: boolean;
  tabbable: boolean;
  actions: ItemActions;
  dispatch: Dispatch<SelectionAction>;
  order: readonly string[];
  onItemClick: (e: MouseEvent, id: string) => void;
  onItemOpen: (id: string) => void;
}

const FileCard = memo(function FileCard({ node, column, selected, tabbable, actions, dispatch, order, onItemClick, onItemOpen }: FileCardProps) {
  const cardRef = useRef<HTMLDivElement>(null);
  const onToggle = (e: MouseEvent) => {
    dispatch(e.shiftKey ? { type: 'click', id: node.id, order, toggle: true, range: true } : { type: 'toggle', id: node.id });
    cardRef.current?.focus({ preventScroll: true });
  };
  return (
    <div
      ref={cardRef}
      role="gridcell"
      aria-colindex={column + 1}
      aria-selected={selected}
      data-item-id={node.id}
      tabIndex={tabbable ? 0 : -1}
      className={selected ? 'file-card selected' : 'file-card'}
      onFocus={(e) => {
        if (e.target === e.currentTarget) dispatch({ type: 'focus', id: node.id });
      }}
      onClick={(e) => onItemClick(e, node.id)}
      onDoubleClick={() => onItemOpen(node.id)}
    >
      <div className="file-card-top">
        <ItemCheckbox node={node} checked={selected} onToggle={onToggle} />
        <SharingBadges nodeId={node.id} />
        <RowMenu node={node} actions={actions} tabbable={tabbable} />
      </div>
      <ItemVisual node={node} variant="grid" />
      <ItemLink node={node} />
      <span className="muted file-card-size">{formatBytes(node.size)}</span>
    </div>
  );
});
