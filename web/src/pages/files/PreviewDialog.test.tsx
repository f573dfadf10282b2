import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FileNode } from '../../api/types';
import { PreviewDialog, readTextStart } from './PreviewDialog';
import { node, renderRoutes } from './test-helpers';

afterEach(() => vi.unstubAllGlobals());

const link = (id: string) => ({ url: `/api/v1/files/${id}/content?ticket=t&inline=1`, expires_at: '' });

function renderPreview(file: FileNode, files: FileNode[] = [file]) {
  const contentLink = vi.fn(async (id: string) => link(id));
  const onNavigate = vi.fn();
  const onDownload = vi.fn();
  renderRoutes(<PreviewDialog file={file} files={files} onNavigate={onNavigate} onClose={() => undefined} onDownload={onDownload} />, { contentLink });
  return { contentLink, onNavigate, onDownload };
}

function streamOf(text: string, chunk = 4): Response {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) controller.close();
      else controller.enqueue(bytes.slice(at, (at += chunk)));
    },
  });
  return new Response(body, { status: 206 });
}

describe('PreviewDialog', () => {
  it('shows an image from a short-lived inline link', async () => {
    const photo = node('cat.png', { mime: 'image/png' });
    const { contentLink } = renderPreview(photo);
    const img = await screen.findByRole('img', { name: 'cat.png' });
    expect(img).toHaveAttribute('src', link(photo.id).url);
    expect(contentLink).toHaveBeenCalledWith(photo.id, { inline: true });
  });

  it('streams video and audio with the browser’s own controls', async () => {
    const clip = node('clip.mp4', { mime: 'video/mp4' });
    renderPreview(clip);
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(dialog.querySelector('video')).toHaveAttribute('src', link(clip.id).url));
    expect(dialog.querySelector('video')).toHaveAttribute('controls');
  });

  it('reads the start of a text file with a Range request and says when it is cut short', async () => {
    const fetchMock = vi.fn(async () => streamOf('hello world'));
    vi.stubGlobal('fetch', fetchMock);
    const big = node('log.txt', { mime: 'text/plain', size: 5 * 1024 * 1024 });
    renderPreview(big);
    expect(await screen.findByText('hello world')).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledWith(link(big.id).url, expect.objectContaining({ headers: { range: 'bytes=0-1048575' } }));
    expect(screen.getByText(/Showing the first 11 B of 5 MB/)).toBeInTheDocument();
  });

  it('offers details and a download for files it cannot show', async () => {
    const user = userEvent.setup();
    const archive = node('backup.zip', { mime: 'application/zip', size: 2048 });
    const { contentLink, onDownload } = renderPreview(archive);
    const dialog = await screen.findByRole('dialog', { name: 'backup.zip' });
    expect(within(dialog).getByText('There is no preview for this kind of file.', { exact: false })).toBeInTheDocument();
    expect(contentLink).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Download' }));
    expect(onDownload).toHaveBeenCalledWith(archive);
  });

  it('walks to the next and previous file with buttons and arrow keys', async () => {
    const user = userEvent.setup();
    const files = [node('a.zip', { mime: 'application/zip' }), node('b.zip', { mime: 'application/zip' }), node('c.zip', { mime: 'application/zip' })];
    const { onNavigate } = renderPreview(files[1]!, files);
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('2 of 3')).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Next file' }));
    expect(onNavigate).toHaveBeenLastCalledWith(files[2]);
    await user.keyboard('{ArrowLeft}');
    expect(onNavigate).toHaveBeenLastCalledWith(files[0]);
  });
});

describe('readTextStart', () => {
  it('stops reading at the limit even when the server sends everything', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => streamOf('abcdefghijklmnop', 5)));
    expect(await readTextStart('/x', 8)).toEqual({ text: 'abcdefgh', bytes: 8 });
  });

  it('keeps a character split across chunks whole', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => streamOf('é€✓', 1)));
    expect((await readTextStart('/x')).text).toBe('é€✓');
  });
});
