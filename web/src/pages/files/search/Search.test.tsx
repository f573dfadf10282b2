import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FolderListing, SearchHit, SearchPage, SearchParams } from '../../../api/types';
import { FilesPage } from '../FilesPage';
import { fakeLayout, listing, node, renderRoutes, rootFolder } from '../test-helpers';
import { hitHref, readSearch, snippetParts, toParams, writeSearch } from './searchState';

vi.mock('../../../upload/UploadProvider', () => ({ useUploads: () => ({ enqueue: vi.fn() }) }));

function hit(name: string, over: Partial<SearchHit> = {}): SearchHit {
  const n = node(name, over);
  return { ...n, path: `/Work/${name}`, space: { id: 's', name: 'alice', kind: 'personal' }, via: 'own', parent_id: 'work-id', ...over };
}

let restoreLayout: () => void;
beforeEach(() => {
  restoreLayout = fakeLayout();
  window.sessionStorage.clear();
});
afterEach(() => {
  restoreLayout();
  vi.restoreAllMocks();
});

function renderSearch(pages: SearchPage[], path = '/files') {
  const search = vi.fn(async (_params: SearchParams, cursor?: string | null): Promise<SearchPage> => pages[cursor ? Number(cursor) : 0] ?? { items: [], next_cursor: null });
  const children = vi.fn(async (): Promise<FolderListing> => listing(rootFolder, [node('notes.txt')]));
  return { search, children, ...renderRoutes(<FilesPage />, { search, children }, { path }) };
}

const location = () => screen.getByTestId('location').textContent;

describe('the search box of the files screen', () => {
  it('searches by name on Enter and opens a result in its folder, previewed and selected', async () => {
    const user = userEvent.setup();
    const report = hit('Report draft.txt', { size: 2048 });
    const deep = hit('Deep', { kind: 'folder', path: '/Work/Deep', mime: null });
    const { search } = renderSearch([{ items: [report, deep], next_cursor: null }]);
    await screen.findByRole('link', { name: 'notes.txt' });
    const box = within(screen.getByRole('search', { name: 'Search files' })).getByRole('searchbox', { name: 'Search files and folders' });
    await user.type(box, 'report{Enter}');
    expect(location()).toBe('/files?q=report');
    const results = await screen.findByRole('region', { name: 'Results for “report”' });
    await within(results).findByRole('link', { name: 'Report draft.txt' });
    expect(search).toHaveBeenCalledWith({ q: 'report', limit: 50 }, null, expect.anything());
    expect(within(results).getByRole('status')).toHaveTextContent('2 results');
    // The folder's listing gives way to the results.
    expect(screen.queryByRole('grid', { name: 'Files' })).toBeNull();
    const link = within(results).getByRole('link', { name: 'Report draft.txt' });
    expect(link).toHaveAccessibleDescription(/^TXT text, in Work · 2 KB · modified /);
    expect(link).toHaveAttribute('href', `/files/work-id?preview=${report.id}&select=${report.id}`);
    expect(within(results).getByRole('link', { name: 'Deep' })).toHaveAttribute('href', `/files/${deep.id}`);
    // Escape in the box (kept, with the words, as the search's own) goes back to the folder.
    const again = within(screen.getByRole('search', { name: 'Search files' })).getByRole('searchbox');
    expect(again).toHaveValue('report');
    await user.type(again, '{Escape}');
    expect(location()).toBe('/files');
    expect(await screen.findByRole('grid', { name: 'Files' })).toBeInTheDocument();
  });

  it('sends the filters, marks matches in the text, and loads more on request', async () => {
    const user = userEvent.setup();
    const doc = hit('minutes.docx', { snippet: 'The harbour fee rises', highlights: [[4, 11]], rank: 0.5 });
    const { search } = renderSearch([
      { items: [doc], next_cursor: '1' },
      { items: [hit('later.docx')], next_cursor: null },
    ]);
    await screen.findByRole('link', { name: 'notes.txt' });
    const form = screen.getByRole('search', { name: 'Search files' });
    const filters = within(form).getByRole('button', { name: 'Filters' });
    expect(filters).toHaveAttribute('aria-expanded', 'false');
    await user.click(filters);
    expect(filters).toHaveAttribute('aria-expanded', 'true');
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Type' }), 'Documents');
    await user.type(within(form).getByRole('spinbutton', { name: 'At least, in MB' }), '1');
    await user.type(within(form).getByLabelText('Modified on or before'), '2026-12-06');
    await user.click(within(form).getByRole('checkbox', { name: 'Only in “My files”' }));
    await user.click(within(form).getByRole('checkbox', { name: 'Search the text inside documents' }));
    await user.type(within(form).getByRole('searchbox'), 'harbour');
    await user.click(within(form).getByRole('button', { name: 'Search' }));
    expect(location()).toBe('/files?q=harbour&in=content&type=document&min=1&until=2026-12-06&here=1');
    const results = await screen.findByRole('region', { name: /Results for “harbour”/ });
    await within(results).findByRole('link', { name: 'minutes.docx' });
    expect(search).toHaveBeenCalledWith(
      { q: 'harbour', limit: 50, in: 'content', type: 'document', min_size: 1024 * 1024, modified_before: '2026-12-07', folder_id: 'root-id' },
      null,
      expect.anything(),
    );
    const marked = results.querySelector('mark');
    expect(marked).toHaveTextContent('harbour');
    expect(within(screen.getByRole('search')).getByRole('button', { name: 'Filters (5)' })).toBeInTheDocument();
    await user.click(within(results).getByRole('button', { name: 'Show more results' }));
    await within(results).findByRole('link', { name: 'later.docx' });
    expect(search).toHaveBeenLastCalledWith(expect.objectContaining({ q: 'harbour' }), '1', expect.anything());
    expect(within(results).queryByRole('button', { name: 'Show more results' })).toBeNull();
  });

  it('filters by the day files were uploaded', async () => {
    const user = userEvent.setup();
    const { search } = renderSearch([{ items: [hit('scan.pdf')], next_cursor: null }]);
    await screen.findByRole('link', { name: 'notes.txt' });
    const form = screen.getByRole('search', { name: 'Search files' });
    await user.click(within(form).getByRole('button', { name: 'Filters' }));
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Dates are when files were' }), 'Uploaded');
    await user.type(within(form).getByLabelText('Uploaded on or after'), '2026-12-01');
    await user.type(within(form).getByRole('searchbox'), 'scan');
    await user.click(within(form).getByRole('button', { name: 'Search' }));
    expect(location()).toBe('/files?q=scan&from=2026-12-01&by=uploaded');
    await screen.findByRole('link', { name: 'scan.pdf' });
    expect(search).toHaveBeenCalledWith({ q: 'scan', limit: 50, uploaded_after: '2026-12-01' }, null, expect.anything());
  });

  it('says what is missing instead of searching', async () => {
    const user = userEvent.setup();
    const { search } = renderSearch([]);
    await screen.findByRole('link', { name: 'notes.txt' });
    const form = screen.getByRole('search', { name: 'Search files' });
    await user.click(within(form).getByRole('button', { name: 'Search' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('Type part of a name, or choose a filter.');
    expect(within(form).getByRole('searchbox')).toHaveAttribute('aria-invalid', 'true');
    await user.click(within(form).getByRole('button', { name: 'Filters' }));
    await user.click(within(form).getByRole('checkbox', { name: 'Search the text inside documents' }));
    await user.type(within(form).getByRole('searchbox'), '!!');
    await user.click(within(form).getByRole('button', { name: 'Search' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('Type a word to look for');
    expect(search).not.toHaveBeenCalled();
    expect(location()).toBe('/files');
  });

  it('shows a search from the address, and nothing found as such', async () => {
    renderSearch([{ items: [], next_cursor: null }], '/files?q=zzz&type=image');
    const results = await screen.findByRole('region', { name: 'Results for “zzz”' });
    await waitFor(() => expect(within(results).getByRole('status')).toHaveTextContent('Nothing found'));
    expect(within(screen.getByRole('search')).getByRole('searchbox')).toHaveValue('zzz');
    expect(within(screen.getByRole('search')).getByRole('button', { name: 'Filters (1)' })).toHaveAttribute('aria-expanded', 'true');
  });
});

describe('search state', () => {
  it('round-trips through the address and becomes the API’s parameters', () => {
    const s = readSearch(new URLSearchParams('q=a b&in=content&type=image&min=0.5&max=2&from=2026-01-01&until=2026-01-31&here=1'))!;
    expect(readSearch(new URLSearchParams(writeSearch(s)))).toEqual(s);
    expect(toParams(s, 'f')).toEqual({ q: 'a b', limit: 50, in: 'content', type: 'image', min_size: 524288, max_size: 2097152, modified_after: '2026-01-01', modified_before: '2026-02-01', folder_id: 'f' });
    const uploaded = readSearch(new URLSearchParams('q=x&by=uploaded&from=2026-03-01&until=2026-03-31'))!;
    expect(uploaded.dateBy).toBe('uploaded');
    expect(writeSearch(uploaded)).toBe('?q=x&from=2026-03-01&until=2026-03-31&by=uploaded');
    expect(toParams(uploaded, undefined)).toEqual({ q: 'x', limit: 50, uploaded_after: '2026-03-01', uploaded_before: '2026-04-01' });
    expect(readSearch(new URLSearchParams('q=x&by=bogus'))?.dateBy).toBe('modified');
    expect(readSearch(new URLSearchParams('preview=x'))).toBeNull();
    expect(readSearch(new URLSearchParams('q=x&type=bogus&from=yesterday'))).toMatchObject({ type: '', from: '' });
  });

  it('opens a file shared on its own in “Shared with me”, and cuts snippets at the matches', () => {
    expect(hitHref(hit('alone.txt', { via: 'share', path: '/Shared with me/alone.txt' }))).toBe('/shared');
    expect(snippetParts('one two three', [[4, 7]])).toEqual([
      { text: 'one ', match: false },
      { text: 'two', match: true },
      { text: ' three', match: false },
    ]);
    expect(snippetParts('abc', [[2, 9]])).toEqual([{ text: 'abc', match: false }]);
  });
});
