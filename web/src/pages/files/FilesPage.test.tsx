import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { FolderListing } from '../../api/types';
import { FilesPage } from './FilesPage';
import { fakeLayout, listing, node, renderRoutes, rootFolder } from './test-helpers';

const enqueue = vi.fn();
vi.mock('../../upload/UploadProvider', () => ({ useUploads: () => ({ enqueue }) }));

const photos = node('photos', { kind: 'folder', size: 5 * 1024 * 1024 });
const notes = node('notes.txt', { size: 2048 });
const report = node('report.pdf', { mime: 'application/pdf', size: 10 });
const litter = [node('.DS_Store'), node('._notes.txt')];
const items = [photos, notes, report, ...litter];

let restoreLayout: () => void;
beforeEach(() => {
  restoreLayout = fakeLayout();
  window.sessionStorage.clear();
  enqueue.mockReset();
});
afterEach(() => {
  restoreLayout();
  vi.restoreAllMocks();
});

const rowNames = () =>
  within(screen.getByRole('grid', { name: 'Files' }))
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getByRole('link').textContent);

const selectionCount = () => within(screen.getByRole('group', { name: 'Selected items' })).getByText(/selected$/).textContent;

function renderPage(over: Record<string, unknown> = {}, path = '/files') {
  const children = vi.fn(async (): Promise<FolderListing> => listing(rootFolder, items));
  const fake = { children, ...over };
  return { children, ...renderRoutes(<FilesPage />, fake, { path }) };
}

describe('FilesPage', () => {
  it('lists the folder, folders first, with sizes, and hides macOS litter', async () => {
    const { children } = renderPage();
    await screen.findByRole('link', { name: 'notes.txt' });
    expect(children).toHaveBeenCalledWith('root', { sort: 'name', order: 'asc', limit: 10_000 }, expect.anything());
    expect(rowNames()).toEqual(['photos', 'notes.txt', 'report.pdf']);
    const grid = screen.getByRole('grid', { name: 'Files' });
    expect(grid).toHaveAttribute('aria-rowcount', '4');
    expect(grid).not.toHaveTextContent('.DS_Store');
    expect(grid).not.toHaveTextContent('._notes.txt');
    const folderRow = screen.getByRole('link', { name: 'photos' }).closest('[role="row"]') as HTMLElement;
    expect(folderRow).toHaveTextContent('5 MB');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('My files');
    expect(screen.getByRole('navigation', { name: 'Breadcrumb' })).toHaveTextContent('My files');
  });

  it('sorts on the server by clicking a column header, toggling the order', async () => {
    const user = userEvent.setup();
    const { children } = renderPage();
    await screen.findByRole('link', { name: 'notes.txt' });
    const sizeHeader = screen.getByRole('columnheader', { name: 'Size' });
    expect(sizeHeader).toHaveAttribute('aria-sort', 'none');
    expect(screen.getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'ascending');

    await user.click(within(sizeHeader).getByRole('button'));
    await waitFor(() => expect(children).toHaveBeenLastCalledWith('root', { sort: 'size', order: 'asc', limit: 10_000 }, expect.anything()));
    expect(screen.getByRole('columnheader', { name: /Size/ })).toHaveAttribute('aria-sort', 'ascending');

    await user.click(within(screen.getByRole('columnheader', { name: /Size/ })).getByRole('button'));
    await waitFor(() => expect(children).toHaveBeenLastCalledWith('root', { sort: 'size', order: 'desc', limit: 10_000 }, expect.anything()));
    expect(screen.getByRole('columnheader', { name: /Size/ })).toHaveAttribute('aria-sort', 'descending');
    expect(JSON.parse(window.sessionStorage.getItem('coffer.files.sort')!)).toEqual({ sort: 'size', order: 'desc' });
  });

  it('sorts by type here, keeping folders first', async () => {
    const user = userEvent.setup();
    const { children } = renderPage();
    await screen.findByRole('link', { name: 'notes.txt' });
    await user.click(within(screen.getByRole('columnheader', { name: 'Type' })).getByRole('button'));
    // "PDF document" < "TXT text"; the server is asked for names, not types.
    await waitFor(() => expect(rowNames()).toEqual(['photos', 'report.pdf', 'notes.txt']));
    expect(children).toHaveBeenLastCalledWith('root', { sort: 'name', order: 'asc', limit: 10_000 }, expect.anything());
  });

  it('reads further pages when a folder holds more than one page', async () => {
    const a = node('a.txt');
    const b = node('b.txt');
    const c = node('c.txt');
    const children = vi.fn(async (_id: string, q: { offset?: number } = {}) => (q.offset ? { ...listing(rootFolder, [c], 3), offset: 2 } : listing(rootFolder, [a, b], 3)));
    renderRoutes(<FilesPage />, { children });
    await screen.findByRole('link', { name: 'c.txt' });
    expect(children).toHaveBeenCalledTimes(2);
    expect(children).toHaveBeenLastCalledWith('root', { sort: 'name', order: 'asc', limit: 10_000, offset: 2 }, expect.anything());
  });

  it('filters by name, case-insensitively', async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole('link', { name: 'notes.txt' });
    await user.type(screen.getByLabelText('Filter by name'), 'NOTE');
    expect(rowNames()).toEqual(['notes.txt']);
    await user.clear(screen.getByLabelText('Filter by name'));
    await user.type(screen.getByLabelText('Filter by name'), 'zzz');
    expect(screen.getByText(/Nothing here matches/)).toBeInTheDocument();
  });

  it('selects with clicks and keys, and moves the selection to the trash with Undo', async () => {
    const user = userEvent.setup();
    const trashNode = vi.fn().mockResolvedValue(undefined);
    const restore = vi.fn().mockResolvedValue(undefined);
    renderPage({ trashNode, restore });
    const notesRow = (await screen.findByRole('link', { name: 'notes.txt' })).closest('[role="row"]') as HTMLElement;
    const reportRow = screen.getByRole('link', { name: 'report.pdf' }).closest('[role="row"]') as HTMLElement;

    await user.click(within(notesRow).getByRole('gridcell', { name: '2 KB' }));
    expect(selectionCount()).toBe('1 selected');
    expect(notesRow).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{Shift>}{ArrowDown}{/Shift}');
    expect(reportRow).toHaveAttribute('aria-selected', 'true');
    expect(reportRow).toHaveFocus();
    expect(selectionCount()).toBe('2 selected');

    await user.keyboard('{Delete}');
    await waitFor(() => expect(trashNode).toHaveBeenCalledTimes(2));
    expect(trashNode.mock.calls.map((c) => c[0]).sort()).toEqual([notes.id, report.id].sort());
    expect(await screen.findByText('Moved 2 items to the trash.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(restore).toHaveBeenCalledTimes(2));
  });

  it('Ctrl+click toggles, Escape clears, Ctrl+A selects everything shown', async () => {
    const user = userEvent.setup();
    renderPage();
    const notesRow = (await screen.findByRole('link', { name: 'notes.txt' })).closest('[role="row"]') as HTMLElement;
    const photosRow = screen.getByRole('link', { name: 'photos' }).closest('[role="row"]') as HTMLElement;
    await user.click(within(notesRow).getByRole('gridcell', { name: /TXT/ }));
    await user.keyboard('{Control>}');
    await user.click(within(photosRow).getByRole('gridcell', { name: 'Folder' }));
    await user.keyboard('{/Control}');
    expect(selectionCount()).toBe('2 selected');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Selected items' })).not.toBeInTheDocument();
    await user.keyboard('{Control>}a{/Control}');
    expect(selectionCount()).toBe('3 selected');
  });

  it('renames from the row menu, showing the server reason in the dialog', async () => {
    const user = userEvent.setup();
    const rename = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(409, { detail: 'An item named "report.pdf" already exists here' }))
      .mockResolvedValueOnce({ ...notes, name: 'todo.txt' });
    renderPage({ rename });
    await user.click(await screen.findByRole('button', { name: 'Actions for notes.txt' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Rename' }));
    const dialog = await screen.findByRole('dialog');
    const input = within(dialog).getByLabelText('Name') as HTMLInputElement;
    expect(input).toHaveValue('notes.txt');
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, 5]);

    await user.clear(input);
    await user.type(input, 'report.pdf');
    await user.click(within(dialog).getByRole('button', { name: 'Rename' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('An item named "report.pdf" already exists here');
    expect(input).toHaveAttribute('aria-invalid', 'true');

    await user.clear(input);
    await user.type(input, 'todo.txt{Enter}');
    await waitFor(() => expect(rename).toHaveBeenLastCalledWith(notes.id, 'todo.txt'));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('creates a folder', async () => {
    const user = userEvent.setup();
    const createFolder = vi.fn().mockResolvedValue(node('new', { kind: 'folder' }));
    renderPage({ createFolder });
    await screen.findByRole('link', { name: 'notes.txt' });
    await user.click(screen.getByRole('button', { name: 'New folder' }));
    await user.type(within(await screen.findByRole('dialog')).getByLabelText('Folder name'), 'Invoices');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(createFolder).toHaveBeenCalledWith('root-id', 'Invoices'));
  });

  it('downloads through a short-lived link, never fetching the bytes itself', async () => {
    const user = userEvent.setup();
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const contentLink = vi.fn().mockResolvedValue({ url: '/api/v1/files/x/content?ticket=t', expires_at: '' });
    renderPage({ contentLink });
    await user.click(await screen.findByRole('button', { name: 'Actions for notes.txt' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Download' }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(contentLink).toHaveBeenCalledWith(notes.id, { inline: false });
    expect(clicked[0]!.getAttribute('href')).toBe('/api/v1/files/x/content?ticket=t');
    expect(clicked[0]!.download).toBe('notes.txt');
  });

  it('opens a folder by its link and a file in the preview', async () => {
    const user = userEvent.setup();
    const contentLink = vi.fn().mockResolvedValue({ url: '/api/v1/files/r/content?ticket=t&inline=1', expires_at: '' });
    renderPage({ contentLink });
    await user.click(await screen.findByRole('link', { name: 'report.pdf' }));
    const dialog = await screen.findByRole('dialog', { name: 'report.pdf' });
    expect(await within(dialog).findByTitle('Preview of report.pdf')).toHaveAttribute('src', '/api/v1/files/r/content?ticket=t&inline=1');
    expect(contentLink).toHaveBeenCalledWith(report.id, { inline: true });
    expect(screen.getByTestId('location')).toHaveTextContent(`?preview=${report.id}`);
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    await user.click(screen.getByRole('link', { name: 'photos' }));
    expect(screen.getByTestId('location')).toHaveTextContent(`/files/${photos.id}`);
  });

  it('says when a folder does not exist', async () => {
    renderPage({ children: vi.fn().mockRejectedValue(new ApiError(404, { detail: 'No file or folder with id x' })) }, '/files/x');
    expect(await screen.findByText('This folder does not exist or was deleted')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to My files' })).toHaveAttribute('href', '/files');
  });

  it('shows an empty folder with a hint', async () => {
    renderPage({ children: vi.fn().mockResolvedValue(listing(rootFolder, litter)) });
    expect(await screen.findByRole('heading', { name: 'This folder is empty' })).toBeInTheDocument();
  });

  it('queues picked files for upload into this folder', async () => {
    const user = userEvent.setup();
    const { container } = renderPage();
    await screen.findByRole('link', { name: 'notes.txt' });
    const [filesInput, folderInput] = container.querySelectorAll<HTMLInputElement>('input[type="file"]');
    expect(folderInput).toHaveAttribute('webkitdirectory');
    const file = new File(['x'], 'a.txt');
    await user.upload(filesInput!, file);
    await waitFor(() => expect(enqueue).toHaveBeenCalledWith('root-id', [{ file, relativePath: 'a.txt' }], { conflicts: new Map(), folderName: 'My files' }));
  });

  it('marks names already taken here, and in a folder uploaded again, so the upload asks about them', async () => {
    const user = userEvent.setup();
    const inPhotos = [node('cat.jpg'), node('2024', { kind: 'folder' })];
    const children = vi.fn(async (id: string): Promise<FolderListing> => (id === photos.id ? listing(photos, inPhotos) : listing(rootFolder, items)));
    const { container } = renderPage({ children });
    await screen.findByRole('link', { name: 'notes.txt' });
    const [filesInput, folderInput] = container.querySelectorAll<HTMLInputElement>('input[type="file"]');

    // Against the listing on screen: no request.
    const calls = children.mock.calls.length;
    await user.upload(filesInput!, [new File(['x'], 'notes.txt'), new File(['y'], 'fresh.txt')]);
    await waitFor(() => expect(enqueue).toHaveBeenCalledTimes(1));
    expect(enqueue.mock.calls[0]![2]).toEqual({ conflicts: new Map([['notes.txt', 'file']]), folderName: 'My files' });
    expect(children).toHaveBeenCalledTimes(calls);

    // A folder picked again: its files are compared with that folder's children.
    const inFolder = (name: string, path: string) => Object.defineProperty(new File(['z'], name), 'webkitRelativePath', { value: path });
    await user.upload(folderInput!, [inFolder('cat.jpg', 'photos/cat.jpg'), inFolder('dog.jpg', 'photos/dog.jpg'), inFolder('2024', 'photos/2024')]);
    await waitFor(() => expect(enqueue).toHaveBeenCalledTimes(2));
    expect(children).toHaveBeenCalledWith(photos.id, expect.objectContaining({ limit: 10_000 }), undefined);
    expect(enqueue.mock.calls[1]![2]).toEqual({
      conflicts: new Map([
        ['photos/cat.jpg', 'file'],
        ['photos/2024', 'folder'],
      ]),
      folderName: 'My files',
    });
  });

  it('leaves the selection and the filter box as they were after a preview opened from a name or a double-click', async () => {
    const user = userEvent.setup();
    const contentLink = vi.fn().mockResolvedValue({ url: '/api/v1/files/r/content?ticket=t&inline=1', expires_at: '' });
    renderPage({ contentLink });
    const reportRow = (await screen.findByRole('link', { name: 'report.pdf' })).closest('[role="row"]') as HTMLElement;
    const notesRow = screen.getByRole('link', { name: 'notes.txt' }).closest('[role="row"]') as HTMLElement;
    const closePreview = async () => {
      await screen.findByRole('dialog', { name: 'report.pdf' });
      await user.keyboard('{Escape}');
      await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    };

    // By its name.
    await user.click(screen.getByRole('link', { name: 'report.pdf' }));
    await closePreview();
    expect(reportRow).toHaveAttribute('aria-selected', 'false');
    expect(screen.queryByRole('group', { name: 'Selected items' })).not.toBeInTheDocument();
    expect(screen.getByPlaceholderText('Filter by name')).toBeVisible();
    // The keyboard carries on from the row it opened.
    expect(reportRow).toHaveFocus();

    // By a double-click on the row, whose clicks select it on the way.
    await user.dblClick(within(reportRow).getByRole('gridcell', { name: '10 B' }));
    await closePreview();
    expect(reportRow).toHaveAttribute('aria-selected', 'false');
    expect(screen.getByPlaceholderText('Filter by name')).toBeVisible();

    // What was selected before stays selected.
    await user.click(within(notesRow).getByRole('gridcell', { name: '2 KB' }));
    await user.dblClick(within(reportRow).getByRole('gridcell', { name: '10 B' }));
    await closePreview();
    expect(selectionCount()).toBe('1 selected');
    expect(notesRow).toHaveAttribute('aria-selected', 'true');
    expect(reportRow).toHaveAttribute('aria-selected', 'false');
  });

  it('switches to the grid and remembers it', async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole('link', { name: 'notes.txt' });
    await user.click(screen.getByRole('button', { name: 'Grid view' }));
    expect(screen.getByRole('button', { name: 'Grid view' })).toHaveAttribute('aria-pressed', 'true');
    const grid = screen.getByRole('grid', { name: 'Files' });
    expect(within(grid).getAllByRole('gridcell')).toHaveLength(3);
    expect(window.sessionStorage.getItem('coffer.files.view')).toBe('"grid"');
  });

  it('highlights the drop zone while files are dragged over it', async () => {
    renderPage();
    await screen.findByRole('link', { name: 'notes.txt' });
    const section = screen.getByRole('region', { name: 'My files' });
    fireEvent.dragEnter(section, { dataTransfer: { types: ['Files'] } });
    expect(section).toHaveClass('dropping');
    fireEvent.dragLeave(section, { dataTransfer: { types: ['Files'] } });
    expect(section).not.toHaveClass('dropping');
  });
});
