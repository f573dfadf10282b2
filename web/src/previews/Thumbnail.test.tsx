import { renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Endpoints } from '../api/endpoints';
import { ApiError } from '../api/errors';
import type { PreviewAnswer } from '../api/previews';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ServicesProvider, type AppServices } from '../app-context';
import { node } from '../pages/files/test-helpers';
import { renderWithServices } from '../test-utils';
import { fakeObjectUrls, webp } from './test-utils';
import { ItemVisual } from './Thumbnail';
import { usePreview } from './usePreview';

let urls: ReturnType<typeof fakeObjectUrls>;
beforeEach(() => {
  urls = fakeObjectUrls();
});
afterEach(() => urls.restore());

const photo = () => node('cat.jpg', { mime: 'image/jpeg', version_id: '11111111-1111-4111-8111-111111111111' });
const pending = (ms = 30): PreviewAnswer => ({ state: 'pending', retryAfterMs: ms });
const noPreview = () => new ApiError(404, { type: 'https://coffer.dev/problems/no-preview', status: 404, detail: 'Coffer makes no previews of text/plain' });

function renderVisual(file = photo(), preview: Endpoints['preview'], variant: 'grid' | 'row' = 'grid') {
  const fake = vi.fn(preview);
  const view = renderWithServices(
    <div data-testid="visual">
      <ItemVisual node={file} variant={variant} />
    </div>,
    { preview: fake },
  );
  return { ...view, preview: fake, box: () => screen.getByTestId('visual') };
}

describe('ItemVisual thumbnails', () => {
  it('shows the pulsing type icon while the preview is made (202), then the picture (200) through an object URL', async () => {
    const blob = webp();
    const answers: PreviewAnswer[] = [pending(), pending(), { state: 'ready', blob }];
    const file = photo();
    const { preview, box } = renderVisual(file, async () => answers.shift()!);
    expect(box().querySelector('.thumb-placeholder.thumb-loading svg')).not.toBeNull();
    expect(box().querySelector('img')).toBeNull();

    const img = await waitFor(() => {
      const found = box().querySelector('img');
      expect(found).not.toBeNull();
      return found!;
    });
    expect(img.getAttribute('src')).toMatch(/^blob:/);
    expect(urls.created.get(img.getAttribute('src')!)).toBe(blob);
    // Decorative: the name beside it says what it is.
    expect(img).toHaveAttribute('alt', '');
    expect(preview).toHaveBeenCalledTimes(3);
    expect(preview).toHaveBeenCalledWith(file.id, { size: 'small', version: file.version_id }, expect.any(AbortSignal));
    expect(box().querySelector('.thumb-loading')).toBeNull();
  });

  it('falls back to the type icon for good on a 404, without asking again', async () => {
    const { preview, box } = renderVisual(photo(), async () => {
      throw noPreview();
    });
    await waitFor(() => expect(box().querySelector('.thumb-placeholder:not(.thumb-loading) svg')).not.toBeNull());
    await new Promise((r) => setTimeout(r, 100));
    expect(preview).toHaveBeenCalledTimes(1);
    expect(box().querySelector('img')).toBeNull();
  });

  it('asks nothing for folders and types without previews', async () => {
    const preview = vi.fn(async () => pending());
    renderWithServices(
      <>
        <ItemVisual node={node('notes.txt', { mime: 'text/plain' })} variant="row" />
        <ItemVisual node={node('Photos', { kind: 'folder' })} variant="row" />
        <ItemVisual node={node('drawing.svg', { mime: 'image/svg+xml' })} variant="row" />
      </>,
      { preview },
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(preview).not.toHaveBeenCalled();
    expect(document.querySelectorAll('.thumb-loading')).toHaveLength(0);
  });

  it('revokes the object URL when the row goes away', async () => {
    const { box, unmount } = renderVisual(photo(), async () => ({ state: 'ready', blob: webp() }), 'row');
    const src = await waitFor(() => box().querySelector('img')!.getAttribute('src')!);
    expect(urls.revoked).not.toContain(src);
    unmount();
    expect(urls.revoked).toContain(src);
  });

  it('sends no request for a row that leaves before it settles', async () => {
    const { preview, unmount } = renderVisual(photo(), async () => ({ state: 'ready', blob: webp() }));
    unmount();
    await new Promise((r) => setTimeout(r, 250));
    expect(preview).not.toHaveBeenCalled();
  });
});

describe('usePreview', () => {
  it('stops waiting for a preview after its time is up and settles for the icon', async () => {
    const preview = vi.fn(async () => pending(20));
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const services = { endpoints: { preview } } as unknown as AppServices;
    const wrapper = ({ children }: { children: ReactNode }) => (
      <ServicesProvider services={services}>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </ServicesProvider>
    );
    const file = photo();
    const { result } = renderHook(() => usePreview(file, 'large', { maxWaitMs: 150 }), { wrapper });
    expect(result.current.status).toBe('loading');
    await waitFor(() => expect(result.current.status).toBe('none'), { timeout: 2000 });
    const asked = preview.mock.calls.length;
    expect(asked).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 120));
    expect(preview.mock.calls.length).toBe(asked);
  });
});
