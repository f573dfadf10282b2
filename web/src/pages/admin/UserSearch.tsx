import { Search } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';

const DEBOUNCE_MS = 300;

/** The search box: asks the server once typing pauses, or at once on Enter. */
export function UserSearch({ value, onSearch }: { value: string; onSearch: (search: string) => void }) {
  const [draft, setDraft] = useState(value);
  // The last search this box sent (or was given), to tell our own updates from outside ones.
  const [known, setKnown] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  if (value !== known) {
    // The search changed from outside (a link, the back button): show it instead of the draft.
    setKnown(value);
    setDraft(value);
  }

  useEffect(() => {
    const pending = timer;
    return () => clearTimeout(pending.current);
  }, []);

  const commit = (text: string) => {
    clearTimeout(timer.current);
    const search = text.trim();
    if (search === known) return;
    setKnown(search);
    onSearch(search);
  };

  return (
    <form
      role="search"
      className="admin-search"
      onSubmit={(e) => {
        e.preventDefault();
        commit(draft);
      }}
    >
      <Search aria-hidden size={16} className="admin-search-icon" />
      <input
        type="search"
        aria-label="Search users"
        placeholder="Search by name or email"
        value={draft}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(text), DEBOUNCE_MS);
        }}
      />
    </form>
  );
}
