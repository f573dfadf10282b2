import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IncomingShare } from '../api/share-types';
import { FilesPage } from '../pages/files/FilesPage';
import { fakeLayout, listing, node, renderRoutes, rootFolder } from '../pages/files/test-helpers';

vi.mock('../upload/UploadProvider', () => ({ useUploads: () => ({ enqueue: vi.fn() }) }));

const photos = node('photos', { kind: 'folder' });
const notes = node('notes.txt');
const plain = node('plain.txt');

let restoreLayout: () => void;
beforeEach(() => {
  restoreLayout = fakeLayout();
  window.sessionStorage.clear();
});
afterEach(() => {
  restoreLayout();
  vi.restoreAllMocks();
});

const rowOf = (name: string) => screen.getByRole('link', { name }).closest('[role="row"]') as HTMLElement;

describe('Sharing in the file browser', () => {
  it('marks shared and linked items, fetching shares and links once for the folder view', async () => {
    const outgoingShares = vi.fn(async () => ({ items: [{ node_id: photos.id, expires_at: null }] }));
    const links = vi.fn(async () => ({
      items: [
        { node_id: notes.id, state: 'active' },
        { node_id: plain.id, state: 'revoked' },
      ],
    }));
    renderRoutes(<FilesPage />, { children: vi.fn(async () => listing(rootFolder, [photos, notes, plain])), outgoingShares, links } as never);
    await screen.findByRole('link', { name: 'notes.txt' });
    await waitFor(() => expect(within(rowOf('photos')).getByTitle('Shared with people')).toBeInTheDocument());
    expect(within(rowOf('photos')).queryByTitle('Has a public link')).not.toBeInTheDocument();
    expect(within(rowOf('notes.txt')).getByTitle('Has a public link')).toHaveTextContent('Has a public link');
    expect(within(rowOf('plain.txt')).queryByTitle(/Shared|link/)).not.toBeInTheDocument();
    expect(outgoingShares).toHaveBeenCalledTimes(1);
    expect(links).toHaveBeenCalledTimes(1);
  });

  it('opens the share dialog from an item’s actions', async () => {
    const user = userEvent.setup();
    renderRoutes(<FilesPage />, {
      children: vi.fn(async () => listing(rootFolder, [photos])),
      nodeShares: vi.fn(async () => ({ items: [] })),
      nodeLinks: vi.fn(async () => ({ items: [] })),
    } as never);
    await user.click(await screen.findByRole('button', { name: 'Actions for photos' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Share…' }));
    expect(await screen.findByRole('dialog', { name: 'Share “photos”' })).toBeInTheDocument();
  });

  it('hides changing actions in a folder shared for viewing, and says who shared it', async () => {
    const user = userEvent.setup();
    const shared = node('Reports', { id: 'shared-id', kind: 'folder', parent_id: 'owners-parent', path: '/Shared with me/Reports' });
    const share = { id: 's1', node_id: 'shared-id', mount_name: 'Reports', role: 'viewer', expires_at: null, owner: { id: 'u1', username: 'ada', display_name: 'Ada' } } as unknown as IncomingShare;
    renderRoutes(<FilesPage />, { children: vi.fn(async () => listing(shared, [notes])), incomingShares: vi.fn(async () => ({ items: [share] })) } as never, { path: '/files/shared-id' });
    expect(await screen.findByText(/Shared by Ada · Viewer: you can open and download/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New folder' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Upload files' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Actions for notes.txt' }));
    const menu = await screen.findByRole('menu');
    expect(within(menu).getByRole('menuitem', { name: /Open/ })).toBeInTheDocument();
    expect(within(menu).getByRole('menuitem', { name: /Download/ })).toBeInTheDocument();
    expect(within(menu).queryByRole('menuitem', { name: /Rename|Move|Delete|Share/ })).not.toBeInTheDocument();
    await user.keyboard('{Escape}');

    // The breadcrumb leads back to the list of shares, not into the owner's folders.
    const crumbs = screen.getByRole('navigation', { name: 'Breadcrumb' });
    expect(within(crumbs).getByRole('link', { name: 'Shared with me' })).toHaveAttribute('href', '/shared');

    // A keyboard shortcut for a change explains instead of trying.
    screen.getByRole('link', { name: 'notes.txt' }).closest<HTMLElement>('[role="row"]')!.focus();
    await user.keyboard('{F2}');
    expect(await screen.findByText(/shared with you to view only/)).toBeInTheDocument();
  });
});
