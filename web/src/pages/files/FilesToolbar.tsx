import { ArrowDownWideNarrow, ArrowUpNarrowWide, LayoutGrid, List, Search } from 'lucide-react';
import type { SortState, ViewMode, ViewSort } from './listing';

interface FilesToolbarProps {
  filter: string;
  onFilter: (value: string) => void;
  view: ViewMode;
  onView: (view: ViewMode) => void;
  sort: SortState;
  onSortChange: (sort: SortState) => void;
  /** The list's column headers sort; the grid (and the narrow list) needs a control of its own. */
  showSortControl: boolean;
}

const SORT_LABELS: Record<ViewSort, string> = { name: 'Name', size: 'Size', modified: 'Modified', type: 'Type' };

export function FilesToolbar({ filter, onFilter, view, onView, sort, onSortChange, showSortControl }: FilesToolbarProps) {
  return (
    <div className="toolbar files-toolbar">
      <label className="filter-field">
        <span className="sr-only">Filter by name</span>
        <Search aria-hidden size={16} className="filter-icon" />
        <input type="search" value={filter} placeholder="Filter by name" autoComplete="off" spellCheck={false} onChange={(e) => onFilter(e.target.value)} />
      </label>
      {showSortControl ? (
        <div className="sort-control">
          <label className="sort-select">
            <span className="muted">Sort by</span>
            <select value={sort.sort} onChange={(e) => onSortChange({ sort: e.target.value as ViewSort, order: sort.order })}>
              {(Object.keys(SORT_LABELS) as ViewSort[]).map((key) => (
                <option key={key} value={key}>
                  {SORT_LABELS[key]}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="icon-button"
            aria-label={sort.order === 'asc' ? 'Ascending order, switch to descending' : 'Descending order, switch to ascending'}
            title={sort.order === 'asc' ? 'Ascending' : 'Descending'}
            onClick={() => onSortChange({ sort: sort.sort, order: sort.order === 'asc' ? 'desc' : 'asc' })}
          >
            {sort.order === 'asc' ? <ArrowUpNarrowWide aria-hidden size={18} /> : <ArrowDownWideNarrow aria-hidden size={18} />}
          </button>
        </div>
      ) : null}
      <div className="view-toggle" role="group" aria-label="Layout">
        <button type="button" className="icon-button" aria-label="List view" aria-pressed={view === 'list'} title="List view" onClick={() => onView('list')}>
          <List aria-hidden size={18} />
        </button>
        <button type="button" className="icon-button" aria-label="Grid view" aria-pressed={view === 'grid'} title="Grid view" onClick={() => onView('grid')}>
          <LayoutGrid aria-hidden size={18} />
        </button>
      </div>
    </div>
  );
}
