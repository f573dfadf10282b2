import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { FileNode } from '../../api/types';
import { FolderPickerDialog, pickerRefusal } from './FolderPickerDialog';
import { listing, node, renderRoutes, rootFolder } from './test-helpers';

// "/" holds docs and notes; "/docs" holds sub and to-move.txt.
const docs = node('docs', { kind: 'folder', parent_id: rootFolder.id, path: '/docs' });
const notes = node('notes', { kind: 'folder', parent_id: rootFolder.id, path: '/notes' });
const sub = node('sub', { kind: 'folder', parent_id: docs.id });
const file = node('to-move.txt', { parent_id: docs.id });

function fakeChildren() {
  return vi.fn(async (id: string) => {
    if (id === docs.id) return listing(docs, [sub, file]);
    if (id === notes.id) return listing(notes, []);
    return listing(rootFolder, [docs, notes, node('.DS_Store')]);
  });
}

function renderPicker(mode: 'move' | 'copy', nodes: FileNode[], over: Record<string, unknown> = {}) {
  const onOpenChange = vi.fn();
  const children = fakeChildren();
  renderRoutes(<FolderPickerDialog mode={mode} nodes={nodes} source={docs} open onOpenChange={onOpenChange} />, { children, ...over });
  return { onOpenChange, children };
}

describe('FolderPickerDialog', () => {
  it('browses up and into folders, then moves there', async () => {
    const user = userEvent.setup();
    const move = vi.fn().mockResolvedValue({ ...file, parent_id: notes.id });
    const { onOpenChange } = renderPicker('move', [file], { move });
    const dialog = await screen.findByRole('dialog', { name: 'Move “to-move.txt”' });
    // Already in docs: nothing to do here.
    expect(await within(dialog).findByText('It is already in this folder.')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Move here' })).toBeDisabled();

    await user.click(within(dialog).getByRole('button', { name: 'Go up' }));
    await user.click(await within(dialog).findByRole('button', { name: 'notes' }));
    expect(within(dialog).getByRole('navigation', { name: 'Folder path' })).toHaveTextContent('notes');
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Move here' })).toBeEnabled());
    await user.click(within(dialog).getByRole('button', { name: 'Move here' }));
    await waitFor(() => expect(move).toHaveBeenCalledWith(file.id, notes.id));
    await waitFor(() => expect(onOpenChange).toHaveBeenCalledWith(false));
  });

  it('lists only folders, without the hidden ones', async () => {
    const user = userEvent.setup();
    renderPicker('copy', [file]);
    const dialog = await screen.findByRole('dialog');
    await user.click(await within(dialog).findByRole('button', { name: 'Go up' }));
    const list = await within(dialog).findByRole('list', { name: 'Folders in My files' });
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual(['docs', 'notes']);
  });

  it('does not offer to move a folder into itself', async () => {
    renderPicker('move', [sub]);
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByRole('button', { name: 'sub' })).toBeDisabled();
  });

  it('keeps the dialog open with the server reason when a move fails', async () => {
    const user = userEvent.setup();
    const move = vi.fn().mockRejectedValue(new ApiError(409, { detail: 'An item named "to-move.txt" already exists there' }));
    const { onOpenChange } = renderPicker('move', [file], { move });
    const dialog = await screen.findByRole('dialog');
    await user.click(await within(dialog).findByRole('button', { name: 'Go up' }));
    await user.click(await within(dialog).findByRole('button', { name: 'notes' }));
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Move here' })).toBeEnabled());
    await user.click(within(dialog).getByRole('button', { name: 'Move here' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Could not move to-move.txt: An item named "to-move.txt" already exists there');
    expect(onOpenChange).not.toHaveBeenCalled();
  });
});

describe('pickerRefusal', () => {
  it('refuses a folder into itself or beneath it, and a move to where the items already are', () => {
    const deep = { ...sub, id: 'deep', path: '/docs/sub/deeper' };
    expect(pickerRefusal('move', [sub], docs, { ...sub, path: '/docs/sub' })).toMatch(/into itself/);
    expect(pickerRefusal('copy', [sub], docs, deep)).toMatch(/copied into itself/);
    expect(pickerRefusal('move', [file], docs, docs)).toMatch(/already in this folder/);
    expect(pickerRefusal('copy', [file], docs, docs)).toBeNull();
    // "/docs/subway" is not beneath "/docs/sub".
    expect(pickerRefusal('move', [sub], docs, { ...notes, path: '/docs/subway' })).toBeNull();
  });
});
