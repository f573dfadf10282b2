import { describe, expect, it } from 'vitest';
import { emptySelection, keyCommand, selectionReducer, type Selection, type SelectionAction } from './selection';

const order = ['a', 'b', 'c', 'd', 'e'];
const run = (actions: SelectionAction[], from: Selection = emptySelection) => actions.reduce(selectionReducer, from);
const ids = (s: Selection) => [...s.selected].sort();
const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('selectionReducer with the mouse', () => {
  it('a plain click selects only the clicked item and anchors there', () => {
    const s = run([
      { type: 'click', id: 'b', order },
      { type: 'click', id: 'd', order },
    ]);
    expect(ids(s)).toEqual(['d']);
    expect(s.anchor).toBe('d');
    expect(s.focus).toBe('d');
  });

  it('Ctrl/Cmd+click toggles one item and keeps the others', () => {
    const s = run([
      { type: 'click', id: 'a', order },
      { type: 'click', id: 'c', order, toggle: true },
      { type: 'click', id: 'a', order, toggle: true },
    ]);
    expect(ids(s)).toEqual(['c']);
    expect(s.anchor).toBe('a');
  });

  it('Shift+click selects the range from the anchor, in either direction, replacing the rest', () => {
    const down = run([
      { type: 'click', id: 'b', order },
      { type: 'click', id: 'd', order, range: true },
    ]);
    expect(ids(down)).toEqual(['b', 'c', 'd']);
    // The anchor stays put, so a second Shift+click re-spans from it.
    const up = run([{ type: 'click', id: 'a', order, range: true }], down);
    expect(ids(up)).toEqual(['a', 'b']);
    expect(up.anchor).toBe('b');
  });

  it('Ctrl+Shift+click adds a range to the selection', () => {
    const s = run([
      { type: 'click', id: 'a', order },
      { type: 'click', id: 'd', order, toggle: true },
      { type: 'click', id: 'e', order, toggle: true, range: true },
    ]);
    expect(ids(s)).toEqual(['a', 'd', 'e']);
  });

  it('Shift+click without an anchor selects just that item', () => {
    const s = run([{ type: 'click', id: 'c', order, range: true }]);
    expect(ids(s)).toEqual(['c']);
  });

  it('checkbox toggles add and remove', () => {
    const s = run([{ type: 'toggle', id: 'a' }, { type: 'toggle', id: 'c' }, { type: 'toggle', id: 'a' }]);
    expect(ids(s)).toEqual(['c']);
  });
});

describe('selectionReducer with the keyboard', () => {
  it('arrows move focus without selecting, clamped at the ends', () => {
    let s = run([{ type: 'move', order, by: 1 }]);
    expect(s.focus).toBe('a');
    s = run([{ type: 'move', order, by: 1 }, { type: 'move', order, by: 1 }], s);
    expect(s.focus).toBe('c');
    expect(s.selected.size).toBe(0);
    s = run([{ type: 'move', order, by: 10 }], s);
    expect(s.focus).toBe('e');
    s = run([{ type: 'move', order, by: 'first' }], s);
    expect(s.focus).toBe('a');
  });

  it('the first Up press with nothing focused lands on the last item', () => {
    expect(run([{ type: 'move', order, by: -1 }]).focus).toBe('e');
  });

  it('Shift+arrows extend from the anchor and shrink back', () => {
    let s = run([
      { type: 'click', id: 'b', order },
      { type: 'move', order, by: 1, extend: true },
      { type: 'move', order, by: 1, extend: true },
    ]);
    expect(ids(s)).toEqual(['b', 'c', 'd']);
    s = run([{ type: 'move', order, by: -1, extend: true }], s);
    expect(ids(s)).toEqual(['b', 'c']);
    s = run([{ type: 'move', order, by: 'first', extend: true }], s);
    expect(ids(s)).toEqual(['a', 'b']);
  });

  it('Space on a focused item (toggle) then Shift+arrow extends from it', () => {
    const s = run([{ type: 'move', order, by: 'last' }, { type: 'toggle', id: 'e' }, { type: 'move', order, by: -2, extend: true }]);
    expect(ids(s)).toEqual(['c', 'd', 'e']);
  });

  it('select all, clear, and prune after items disappear', () => {
    let s = run([{ type: 'click', id: 'c', order }, { type: 'select-all', order }]);
    expect(ids(s)).toEqual(order);
    s = run([{ type: 'prune', order: ['a', 'b', 'd'] }], s);
    expect(ids(s)).toEqual(['a', 'b', 'd']);
    expect(s.focus).toBeNull();
    expect(s.anchor).toBeNull();
    s = run([{ type: 'clear' }], s);
    expect(s.selected.size).toBe(0);
  });

  it('returns the same state when nothing changes, so React can skip a render', () => {
    const s = run([{ type: 'click', id: 'a', order }]);
    expect(selectionReducer(s, { type: 'prune', order })).toBe(s);
    expect(selectionReducer(s, { type: 'focus', id: 'a' })).toBe(s);
    expect(selectionReducer(emptySelection, { type: 'clear' })).toBe(emptySelection);
  });
});

describe('keyCommand', () => {
  it('maps arrows by the number of columns', () => {
    expect(keyCommand(key('ArrowDown'))).toEqual({ type: 'move', by: 1, extend: false });
    expect(keyCommand(key('ArrowUp', { shiftKey: true }), 4)).toEqual({ type: 'move', by: -4, extend: true });
    expect(keyCommand(key('ArrowRight'), 4)).toEqual({ type: 'move', by: 1, extend: false });
    // In a one-column list, Left and Right are left to the browser.
    expect(keyCommand(key('ArrowRight'), 1)).toBeNull();
    expect(keyCommand(key('PageDown'), 3, 5)).toEqual({ type: 'move', by: 15, extend: false });
  });

  it('maps the action keys', () => {
    expect(keyCommand(key(' '))).toEqual({ type: 'toggle' });
    expect(keyCommand(key('Enter'))).toEqual({ type: 'open' });
    expect(keyCommand(key('Delete'))).toEqual({ type: 'delete' });
    expect(keyCommand(key('Backspace', { metaKey: true }))).toEqual({ type: 'delete' });
    expect(keyCommand(key('Backspace'))).toBeNull();
    expect(keyCommand(key('F2'))).toEqual({ type: 'rename' });
    expect(keyCommand(key('Escape'))).toEqual({ type: 'clear' });
    expect(keyCommand(key('a', { ctrlKey: true }))).toEqual({ type: 'select-all' });
    expect(keyCommand(key('a', { metaKey: true }))).toEqual({ type: 'select-all' });
    expect(keyCommand(key('a'))).toBeNull();
    expect(keyCommand(key('ArrowDown', { altKey: true }))).toBeNull();
  });
});
