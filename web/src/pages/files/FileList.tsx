import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDown, ArrowUp } from 'lucide-react';
import { memo, useCallback, useEffect, useRef, type Dispatch, type MouseEvent } from 'react';
import type { FileNode } from '../../api/types';
import { ItemVisual } from '../../previews/Thumbnail';
import { describeType, formatBytes, formatDate } from '../../ui/format';
import { SharingBadges } from '../../sharing/marks';
import type { ItemActions } from './actions';
import { ItemCheckbox, ItemLink } from './ItemParts';
import type { SortState, ViewSort } from './listing';
import { RowMenu } from './RowMenu';
import type { Selection, SelectionAction } from './selection';
import { keepIndex, useItemIndex, useItemKeyboard } from './useItemKeyboard';

const HEADER_HEIGHT = 42;

interface FileListProps {
  items: FileNode[];
  selection: Selection;
  dispatch: Dispatch<SelectionAction>;
  actions: ItemActions;
  sort: SortState;
  onSort: (sort: ViewSort) => void;
  compact: boolean;
  busy: boolean;
}

/**
 * The folder as a virtualised grid of rows: only the rows in view (and the focused one) are in
 * the DOM, so ten thousand entries scroll as smoothly as ten. A <table> cannot be virtualised,
 * hence ARIA grid roles with row counts and indexes.
 */
export function FileList({ items, selection, dispatch, actions, sort, onSort, compact, busy }: FileListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowHeight = compact ? 60 : 48;
  const index = useItemIndex(items, selection);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    getItemKey: (i) => items[i]?.id ?? i,
    overscan: 10,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    rangeExtractor: (range) => keepIndex(defaultRangeExtractor(range), index.focusIndex),
  });
  useEffect(() => virtualizer.measure(), [rowHeight, virtualizer]);
  const scrollToRow = useCallback((row: number) => virtualizer.scrollToIndex(row), [virtualizer]);
  const pageRows = Math.max(1, Math.floor((virtualizer.scrollRect?.height ?? 480) / rowHeight) - 1);
  const nav = useItemKeyboard({ index, items, selection, dispatch, actions, columns: 1, pageRows, containerRef: scrollRef, scrollToRow });

  const allSelected = items.length > 0 && items.every((n) => selection.selected.has(n.id));
  const someSelected = !allSelected && selection.selected.size > 0;

  return (
    <div
      ref={scrollRef}
      className={compact ? 'file-scroll file-list compact' : 'file-scroll file-list'}
      role="grid"
      aria-label="Files"
      aria-multiselectable="true"
      aria-rowcount={items.length + 1}
      aria-colcount={6}
      aria-busy={busy || undefined}
      onKeyDown={nav.onKeyDown}
    >
      <div role="rowgroup" className="file-list-head">
        <div role="row" aria-rowindex={1} className="file-row file-row-head" style={{ height: HEADER_HEIGHT }}>
          <div role="columnheader" className="cell cell-check">
            <SelectAll
              checked={allSelected}
              mixed={someSelected}
              onChange={() => dispatch(allSelected ? { type: 'clear' } : { type: 'select-all', order: index.order })}
            />
          </div>
          <SortHeader label="Name" column="name" sort={sort} onSort={onSort} className="cell cell-name" />
          <SortHeader label="Size" column="size" sort={sort} onSort={onSort} className="cell cell-size num hide-phone" />
          <SortHeader label="Modified" column="modified" sort={sort} onSort={onSort} className="cell cell-modified hide-phone" />
          <SortHeader label="Type" column="type" sort={sort} onSort={onSort} className="cell cell-type hide-phone" />
          <div role="columnheader" className="cell cell-actions">
            <span className="sr-only">Actions</span>
          </div>
        </div>
      </div>
      <div role="rowgroup" className="file-list-body" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((v) => {
          const node = items[v.index];
          if (!node) return null;
          return (
            <FileRow
              key={node.id}
              node={node}
              index={v.index}
              top={v.start - HEADER_HEIGHT}
              height={rowHeight}
              selected={selection.selected.has(node.id)}
              tabbable={node.id === index.tabStopId}
              actions={actions}
              dispatch={dispatch}
              order={index.order}
              onItemClick={nav.onItemClick}
              onItemOpen={nav.onItemOpen}
            />
          );
        })}
      </div>
    </div>
  );
}

function SelectAll({ checked, mixed, onChange }: { checked: boolean; mixed: boolean; onChange: () => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = mixed;
  }, [mixed]);
  return <input ref={ref} type="checkbox" className="item-check" aria-label="Select all" checked={checked} onChange={onChange} />;
}

interface SortHeaderProps {
  label: string;
  column: ViewSort;
  sort: SortState;
  onSort: (sort: ViewSort) => void;
  className: string;
}

function SortHeader({ label, column, sort, onSort, className }: SortHeaderProps) {
  const active = sort.sort === column;
  const ariaSort: 'ascending' | 'descending' | 'none' = active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none';
  const Arrow = sort.order === 'asc' ? ArrowUp : ArrowDown;
  return (
    <div role="columnheader" aria-sort={ariaSort} className={className}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        {active ? <Arrow aria-hidden size={14} /> : null}
      </button>
    </div>
  );
}

interface FileRowProps {
  node: FileNode;
  index: number;
  top: number;
  height: number;
  selected: boolean;
  tabbable: boolean;
  actions: ItemActions;
  dispatch: Dispatch<SelectionAction>;
  order: readonly string[];
  onItemClick: (e: MouseEvent, id: string) => void;
  onItemOpen: (id: string) => void;
}

const FileRow = memo(function FileRow({ node, index, top, height, selected, tabbable, actions, dispatch, order, onItemClick, onItemOpen }: FileRowProps) {
  const rowRef = useRef<HTMLDivElement>(null);
  const size = formatBytes(node.size);
  const modified = formatDate(node.modified_at);
  const onToggle = (e: MouseEvent) => {
    dispatch(e.shiftKey ? { type: 'click', id: node.id, order, toggle: true, range: true } : { type: 'toggle', id: node.id });
    rowRef.current?.focus({ preventScroll: true });
  };
  return (
    <div
      ref={rowRef}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-item-id={node.id}
      tabIndex={tabbable ? 0 : -1}
      className={selected ? 'file-row selected' : 'file-row'}
      style={{ transform: `translateY(${top}px)`, height }}
      onFocus={(e) => {
        if (e.target === e.currentTarget) dispatch({ type: 'focus', id: node.id });
      }}
      onClick={(e) => onItemClick(e, node.id)}
      onDoubleClick={() => onItemOpen(node.id)}
    >
      <div role="gridcell" className="cell cell-check">
        <ItemCheckbox node={node} checked={selected} onToggle={onToggle} />
      </div>
      <div role="gridcell" className="cell cell-name">
        <ItemVisual node={node} variant="row" />
        <span className="name-stack">
          <ItemLink node={node} />
          <span className="row-meta show-phone">
            {size} · {modified}
          </span>
        </span>
        <SharingBadges nodeId={node.id} />
      </div>
      <div role="gridcell" className="cell cell-size num hide-phone">
        {size}
      </div>
      <div role="gridcell" className="cell cell-modified hide-phone">
        <time dateTime={node.modified_at}>{modified}</time>
      </div>
      <div role="gridcell" className="cell cell-type hide-phone">
        {describeType(node.kind, node.mime, node.name)}
      </div>
      <div role="gridcell" className="cell cell-actions">
        <RowMenu node={node} actions={actions} tabbable={tabbable} />
      </div>
    </div>
  );
});
