import { ListFilter, Search, X } from 'lucide-react';
import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { activeFilters, EMPTY_SEARCH, searchProblem, TYPE_OPTIONS, type SearchState } from './searchState';

interface SearchFormProps {
  /** The search on screen, or null while a folder is shown. */
  current: SearchState | null;
  /** The folder on screen, for "only in this folder". */
  folderName: string;
  onSearch: (search: SearchState) => void;
  onClear: () => void;
}

/**
 * The search box of the files screen: words, and behind "Filters" the kind of file, sizes,
 * days modified or uploaded, this folder only and the files' text. Submitting (Enter) runs the search;
 * Escape in the box, or the clear button, goes back to the folder.
 */
export function SearchForm({ current, folderName, onSearch, onClear }: SearchFormProps) {
  const id = useId();
  const [draft, setDraft] = useState<SearchState>(current ?? EMPTY_SEARCH);
  const [open, setOpen] = useState(current !== null && activeFilters(current) > 0);
  const [problem, setProblem] = useState<string | null>(null);
  const set = <K extends keyof SearchState>(key: K, value: SearchState[K]) => {
    setProblem(null);
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const filters = activeFilters(draft);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const why = searchProblem(draft);
    setProblem(why);
    if (!why) onSearch(draft);
  };
  const clear = () => {
    setDraft(EMPTY_SEARCH);
    setProblem(null);
    onClear();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape' && current) {
      e.preventDefault();
      clear();
    }
  };

  return (
    <form role="search" aria-label="Search files" className="search-form" onSubmit={submit} noValidate>
      <div className="search-row">
        <label className="filter-field search-field">
          <span className="sr-only">Search files and folders</span>
          <Search aria-hidden size={16} className="filter-icon" />
          <input
            type="search"
            name="q"
            value={draft.q}
            placeholder={draft.content ? 'Search inside files' : 'Search all files'}
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            aria-describedby={problem ? `${id}-problem` : undefined}
            aria-invalid={problem ? true : undefined}
            onChange={(e) => set('q', e.target.value)}
            onKeyDown={onKeyDown}
          />
        </label>
        <button type="submit" className="button button-primary">
          Search
        </button>
        <button type="button" className="button" aria-expanded={open} aria-controls={`${id}-filters`} onClick={() => setOpen((o) => !o)}>
          <ListFilter aria-hidden size={18} />
          Filters{filters > 0 ? <span className="search-filter-count"> ({filters})</span> : null}
        </button>
        {current ? (
          <button type="button" className="icon-button" aria-label="Close the search" title="Close the search" onClick={clear}>
            <X aria-hidden size={18} />
          </button>
        ) : null}
      </div>
      {problem ? (
        <p id={`${id}-problem`} className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <fieldset id={`${id}-filters`} className="search-filters" hidden={!open}>
        <legend className="sr-only">Filters</legend>
        <label className="search-filter">
          <span>Type</span>
          <select value={draft.type} onChange={(e) => set('type', e.target.value)}>
            {TYPE_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <div className="search-filter search-pair" role="group" aria-labelledby={`${id}-size`}>
          <span id={`${id}-size`}>Size (MB)</span>
          <label>
            <span className="sr-only">At least, in MB</span>
            <input type="number" inputMode="decimal" min={0} step="any" placeholder="from" value={draft.minMb} onChange={(e) => set('minMb', e.target.value)} />
          </label>
          <label>
            <span className="sr-only">At most, in MB</span>
            <input type="number" inputMode="decimal" min={0} step="any" placeholder="to" value={draft.maxMb} onChange={(e) => set('maxMb', e.target.value)} />
          </label>
        </div>
        <div className="search-filter search-pair" role="group" aria-label={draft.dateBy === 'uploaded' ? 'Uploaded' : 'Modified'}>
          <label>
            <span className="sr-only">Dates are when files were</span>
            <select value={draft.dateBy} onChange={(e) => set('dateBy', e.target.value === 'uploaded' ? 'uploaded' : 'modified')}>
              <option value="modified">Modified</option>
              <option value="uploaded">Uploaded</option>
            </select>
          </label>
          <label>
            <span className="sr-only">{draft.dateBy === 'uploaded' ? 'Uploaded' : 'Modified'} on or after</span>
            <input type="date" value={draft.from} onChange={(e) => set('from', e.target.value)} />
          </label>
          <label>
            <span className="sr-only">{draft.dateBy === 'uploaded' ? 'Uploaded' : 'Modified'} on or before</span>
            <input type="date" value={draft.until} onChange={(e) => set('until', e.target.value)} />
          </label>
        </div>
        <label className="search-check">
          <input type="checkbox" checked={draft.here} onChange={(e) => set('here', e.target.checked)} />
          Only in “{folderName}”
        </label>
        <label className="search-check">
          <input type="checkbox" checked={draft.content} onChange={(e) => set('content', e.target.checked)} />
          Search the text inside documents
        </label>
      </fieldset>
    </form>
  );
}
