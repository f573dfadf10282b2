/**
 * Which items of a folder view are selected, which one has keyboard focus, and where a Shift
 * range starts. Items are named by id, not position, so a selection survives re-sorting and
 * filtering; each action that needs positions carries the current visible order.
 */
export interface Selection {
  selected: ReadonlySet<string>;
  /** Where a Shift+click or Shift+arrow range starts. */
  anchor: string | null;
  /** The item that holds keyboard focus (the grid's single tab stop). */
  focus: string | null;
}

export const emptySelection: Selection = { selected: new Set(), anchor: null, focus: null };

export type Move = number | 'first' | 'last';

export type SelectionAction =
  /** A click: plain selects only this item, toggle (Ctrl/Cmd) flips it, range (Shift) selects from the anchor. */
  | { type: 'click'; id: string; order: readonly string[]; toggle?: boolean; range?: boolean }
  /** A checkbox or Space: flips one item and makes it the anchor. */
  | { type: 'toggle'; id: string }
  | { type: 'focus'; id: string }
  /** Arrow keys: focus moves by `by` items (or to an end); with extend, the selection follows from the anchor. */
  | { type: 'move'; order: readonly string[]; by: Move; extend?: boolean }
  | { type: 'select-all'; order: readonly string[] }
  | { type: 'select-only'; id: string }
  | { type: 'clear' }
  /** Puts back an earlier selection (the one before a double-click opened an item). */
  | { type: 'restore'; selection: Selection }
  /** The visible items changed: forget what is no longer there. */
  | { type: 'prune'; order: readonly string[] };

function range(order: readonly string[], from: string | null, to: string): string[] {
  const end = order.indexOf(to);
  if (end < 0) return [];
  const start = from === null ? -1 : order.indexOf(from);
  if (start < 0) return [to];
  const [lo, hi] = start <= end ? [start, end] : [end, start];
  return order.slice(lo, hi + 1);
}

function targetIndex(order: readonly string[], focus: string | null, by: Move): number {
  const last = order.length - 1;
  if (by === 'first') return 0;
  if (by === 'last') return last;
  const current = focus === null ? -1 : order.indexOf(focus);
  // Nothing focused yet: the first press lands on the first (or, going back, the last) item.
  if (current < 0) return by > 0 ? 0 : last;
  return Math.max(0, Math.min(last, current + by));
}

export function selectionReducer(state: Selection, action: SelectionAction): Selection {
  switch (action.type) {
    case 'click': {
      if (action.range) {
        const ids = range(action.order, state.anchor, action.id);
        const selected = action.toggle ? new Set([...state.selected, ...ids]) : new Set(ids);
        return { selected, anchor: state.anchor ?? action.id, focus: action.id };
      }
      if (action.toggle) return { ...toggled(state, action.id), focus: action.id };
      return { selected: new Set([action.id]), anchor: action.id, focus: action.id };
    }
    case 'toggle':
      return { ...toggled(state, action.id), focus: action.id };
    case 'focus':
      return state.focus === action.id ? state : { ...state, focus: action.id };
    case 'move': {
      if (action.order.length === 0) return state;
      const id = action.order[targetIndex(action.order, state.focus, action.by)]!;
      if (!action.extend) return state.focus === id ? state : { ...state, focus: id };
      const anchor = state.anchor !== null && action.order.includes(state.anchor) ? state.anchor : (state.focus ?? id);
      return { selected: new Set(range(action.order, anchor, id)), anchor, focus: id };
    }
    case 'select-all':
      return { ...state, selected: new Set(action.order) };
    case 'select-only':
      return { selected: new Set([action.id]), anchor: action.id, focus: action.id };
    case 'clear':
      return state.selected.size === 0 ? state : { ...state, selected: new Set(), anchor: state.focus };
    case 'restore':
      // Focus stays where the pointer left it.
      return { ...action.selection, focus: state.focus };
    case 'prune': {
      const present = new Set(action.order);
      const gone = [...state.selected].some((id) => !present.has(id));
      const anchorGone = state.anchor !== null && !present.has(state.anchor);
      const focusGone = state.focus !== null && !present.has(state.focus);
      if (!gone && !anchorGone && !focusGone) return state;
      return {
        selected: gone ? new Set([...state.selected].filter((id) => present.has(id))) : state.selected,
        anchor: anchorGone ? null : state.anchor,
        focus: focusGone ? null : state.focus,
      };
    }
  }
}

function toggled(state: Selection, id: string): Selection {
  const selected = new Set(state.selected);
  if (selected.has(id)) selected.delete(id);
  else selected.add(id);
  return { selected, anchor: id, focus: state.focus };
}

/** What a key press in the folder view means. */
export type KeyCommand =
  | { type: 'move'; by: Move; extend: boolean }
  | { type: 'toggle' }
  | { type: 'select-all' }
  | { type: 'clear' }
  | { type: 'open' }
  | { type: 'delete' }
  | { type: 'rename' };

export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/**
 * Maps a key to a command. `columns` is how many items a row holds (1 in the list, more in the
 * grid); `page` is how many rows Page Up/Down jump.
 */
export function keyCommand(e: KeyLike, columns = 1, page = 10): KeyCommand | null {
  if (e.altKey) return null;
  const mod = e.ctrlKey || e.metaKey;
  const extend = e.shiftKey;
  switch (e.key) {
    case 'ArrowDown':
      return { type: 'move', by: columns, extend };
    case 'ArrowUp':
      return { type: 'move', by: -columns, extend };
    case 'ArrowRight':
      return columns > 1 ? { type: 'move', by: 1, extend } : null;
    case 'ArrowLeft':
      return columns > 1 ? { type: 'move', by: -1, extend } : null;
    case 'Home':
      return { type: 'move', by: 'first', extend };
    case 'End':
      return { type: 'move', by: 'last', extend };
    case 'PageDown':
      return { type: 'move', by: page * columns, extend };
    case 'PageUp':
      return { type: 'move', by: -page * columns, extend };
    case ' ':
    case 'Spacebar':
      return mod ? null : { type: 'toggle' };
    case 'Enter':
      return { type: 'open' };
    case 'Delete':
      return { type: 'delete' };
    case 'Backspace':
      // Finder's Cmd+Backspace.
      return e.metaKey ? { type: 'delete' } : null;
    case 'F2':
      return { type: 'rename' };
    case 'Escape':
      return { type: 'clear' };
    case 'a':
    case 'A':
      return mod ? { type: 'select-all' } : null;
    default:
      return null;
  }
}
