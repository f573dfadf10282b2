import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Person } from '../api/share-types';
import { errorMessage } from '../api/errors';
import { useApi } from '../app-context';
import { personName } from './format';

/** How long typing must pause before the search runs, so each keystroke is not a request. */
export const SEARCH_DELAY_MS = 250;

function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

interface PeoplePickerProps {
  label: string;
  /** The text in the box. */
  value: string;
  onValueChange: (text: string) => void;
  onPick: (person: Person) => void;
  /** Extra description (an error) for the input. */
  describedBy?: string;
  invalid?: boolean;
}

/**
 * Finds a person by name or username: an ARIA combobox whose suggestions form a listbox. Arrow
 * keys move through them, Enter picks one, Escape closes the list (and only a second Escape the
 * dialog around it).
 */
export function PeoplePicker({ label, value, onValueChange, onPick, describedBy, invalid }: PeoplePickerProps) {
  const api = useApi();
  const inputId = useId();
  const listId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const term = useDebounced(value.trim(), SEARCH_DELAY_MS);
  const search = useQuery({
    queryKey: ['people', term],
    queryFn: ({ signal }) => api.people(term, signal),
    enabled: open && term.length > 0,
    staleTime: 30_000,
    // The last answer stays while the next one loads, so the list does not flicker while typing.
    placeholderData: keepPreviousData,
  });
  const people = term.length > 0 ? (search.data?.items ?? []) : [];
  const waiting = term !== value.trim() || search.isFetching;
  const showList = open && value.trim().length > 0;
  const activeId = showList && active >= 0 && active < people.length ? `${listId}-${active}` : undefined;

  // The dialog closes on Escape in the capture phase, before this input hears it; while the list
  // is open, claim the key first so Escape closes only the list.
  useEffect(() => {
    if (!showList) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape' || e.target !== inputRef.current) return;
      e.preventDefault();
      setOpen(false);
      setActive(-1);
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [showList]);

  const pick = (person: Person) => {
    onPick(person);
    setOpen(false);
    setActive(-1);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) setOpen(true);
      if (people.length === 0) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i < 0 ? (step > 0 ? 0 : people.length - 1) : (i + step + people.length) % people.length));
    } else if (e.key === 'Enter' && showList && activeId) {
      // Picks the highlighted person instead of submitting the form.
      e.preventDefault();
      const person = people[active];
      if (person) pick(person);
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  const status = !showList
    ? ''
    : waiting
      ? 'Searching…'
      : search.isError
        ? errorMessage(search.error)
        : people.length === 0
          ? 'No one found'
          : `${people.length} ${people.length === 1 ? 'person' : 'people'} found`;

  return (
    <div className="people-picker">
      <label className="field-label" htmlFor={inputId}>
        {label}
      </label>
      <input
        ref={inputRef}
        id={inputId}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={showList}
        aria-controls={listId}
        aria-activedescendant={activeId}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        autoComplete="off"
        spellCheck={false}
        placeholder="Name or username"
        value={value}
        onChange={(e) => {
          onValueChange(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label={`Suggestions for ${label.toLowerCase()}`} className="people-list" hidden={!showList || people.length === 0}>
        {people.map((person, i) => (
          <li
            key={person.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'people-option active' : 'people-option'}
            // Keeps focus in the input, so the list does not close before the click lands.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(person)}
          >
            <span className="people-name">{personName(person)}</span>
            <span className="muted people-username">@{person.username}</span>
          </li>
        ))}
      </ul>
      {showList && people.length === 0 ? (
        <p className="muted people-empty" aria-hidden>
          {status}
        </p>
      ) : null}
      <p className="sr-only" role="status">
        {status}
      </p>
    </div>
  );
}
