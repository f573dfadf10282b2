import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Endpoints } from '../../api/endpoints';
import { ApiError } from '../../api/errors';
import type { FileNode } from '../../api/types';
import { fakeObjectUrls, webp } from '../../previews/test-utils';
import { PreviewDialog, readTextStart } from './PreviewDialog';
import { node, renderRoutes } from './test-helpers';

let urls: ReturnType<typeof fakeObjectUrls>;
beforeEach(() => {
  urls = fakeObjectUrls();
});
afterEach(() => {
  vi.unstubAllGlobals();
  urls.restore();
});

const noPreview: Endpoints['preview'] = async () => {
  throw new ApiError(404, { status: 404, detail: 'Coffer makes no previews of this type' });
};

const link = (id: string) => ({ url: `/api/v1/files/${id}/content?ticket=t&inline=1`, expires_at: '' });

function renderPreview(file: FileNode, files: FileNode[] = [file], previewFake: Endpoints['preview'] = noPreview) {
  const contentLink = vi.fn(async (id: string) => link(id));
  const preview = vi.fn(previewFake);
  const onNavigate = vi.fn();
  const onDownload = vi.fn();
  renderRoutes(<PreviewDialog file={file} files={files} onNavigate={onNavigate} onClose={() => undefined} onDownload={onDownload} />, { contentLink, preview });
  return { contentLink, preview, onNavigate, onDownload };
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

  it('shows the large preview of a photo at once, and the original in its place once it has loaded', async () => {
    const photo = node('big.jpg', { mime: 'image/jpeg', size: 20 * 1024 * 1024, version_id: '22222222-2222-4222-8222-222222222222' });
    const { preview } = renderPreview(photo, [photo], async () => ({ state: 'ready', blob: webp() }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(within(dialog).getByRole('img', { name: 'big.jpg' }).getAttribute('src')).toMatch(/^blob:/));
    expect(preview).toHaveBeenCalledWith(photo.id, { size: 'large', version: photo.version_id }, expect.any(AbortSignal));
    expect(within(dialog).getByRole('status')).toHaveTextContent('Loading the full image');
    // The original loads meanwhile, hidden.
    const original = await waitFor(() => {
      const found = dialog.querySelector(`img[src="${link(photo.id).url}"]`);
      expect(found).not.toBeNull();
      return found!;
    });
    expect(original).not.toBeVisible();
    fireEvent.load(original);
    expect(within(dialog).getByRole('img', { name: 'big.jpg' })).toBe(original);
    expect(original).toBeVisible();
    expect(dialog.querySelector('img[src^="blob:"]')).toBeNull();
  });

  it('keeps the preview when the browser cannot show the original', async () => {
    const photo = node('odd.jpg', { mime: 'image/jpeg' });
    renderPreview(photo, [photo], async () => ({ state: 'ready', blob: webp() }));
    const dialog = await screen.findByRole('dialog');
    const original = await waitFor(() => {
      const found = dialog.querySelector(`img[src="${link(photo.id).url}"]`);
      expect(found).not.toBeNull();
      return found!;
    });
    await waitFor(() => expect(dialog.querySelector('img[src^="blob:"]')).not.toBeNull());
    fireEvent.error(original);
    expect(within(dialog).getByRole('img', { name: 'odd.jpg' }).getAttribute('src')).toMatch(/^blob:/);
    expect(within(dialog).getByText(/browser could not show the original/)).toBeInTheDocument();
  });

  it('shows the server’s picture of a type the browser cannot show (HEIC)', async () => {
    const heic = node('IMG_0001.heic', { mime: 'image/heic' });
    const { contentLink } = renderPreview(heic, [heic], async () => ({ state: 'ready', blob: webp() }));
    const img = await screen.findByRole('img', { name: 'IMG_0001.heic' });
    expect(img.getAttribute('src')).toMatch(/^blob:/);
    expect(screen.getByText(/This is a preview picture/)).toBeInTheDocument();
    expect(contentLink).not.toHaveBeenCalled();
  });

  it('uses the preview as a video’s poster', async () => {
    const clip = node('clip.mp4', { mime: 'video/mp4' });
    renderPreview(clip, [clip], async () => ({ state: 'ready', blob: webp() }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(dialog.querySelector('video')?.getAttribute('poster')).toMatch(/^blob:/));
    expect(urls.created.size).toBe(1);
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
