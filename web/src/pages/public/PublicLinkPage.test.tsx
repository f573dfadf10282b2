import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LinkInfo, PublicListing, PublicNode } from '../../api/links-types';
import { renderWithServices } from '../../test-utils';
import { fakeObjectUrls, webp } from '../../previews/test-utils';
import { FakeXhr } from '../../upload/fake-xhr';
import { createPublicApi, PublicApiProvider } from './publicApi';
import { PublicLinkPage } from './PublicLinkPage';

type Handler = (init: RequestInit | undefined) => Response | Promise<Response>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });

/** A fetch that answers only the requests a test expects ("GET /api/v1/s/tok"), and fails loudly on others. */
function fakeFetch(routes: Record<string, Handler | Handler[]>) {
  const seen: Record<string, number> = {};
  return vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${String(input)}`;
    const route = routes[key];
    if (!route) throw new Error(`Unexpected request ${key}`);
    const n = (seen[key] = (seen[key] ?? 0) + 1);
    const handler = Array.isArray(route) ? route[Math.min(n, route.length) - 1]! : route;
    return handler(init);
  });
}

function renderPage(fetchImpl: ReturnType<typeof fakeFetch>, path = '/s/tok') {
  return renderWithServices(
    <PublicApiProvider value={createPublicApi(fetchImpl as unknown as typeof fetch)}>
      <PublicLinkPage token="tok" />
    </PublicApiProvider>,
    {},
    { path, withLocation: true },
  );
}

const node = (name: string, over: Partial<PublicNode> = {}): PublicNode => ({ id: `id-${name}`, name, kind: 'file', size: 2048, mime: 'text/plain', modified_at: '2025-03-01T10:00:00.000Z', ...over });
const photo = node('beach.jpg', { mime: 'image/jpeg' });
const info = (over: Partial<LinkInfo> = {}): LinkInfo => ({ name: '', permission: 'read', requires_password: false, unlocked: true, expires_at: null, node: photo, ...over });
/** The server's answers about a preview: being made (202), the picture, or none of this type. */
const previewPending = () => json(202, { status: 'pending', detail: 'The preview is being made' }, { 'retry-after': '1' });
const previewReady = () => new Response(webp(), { status: 200, headers: { 'content-type': 'image/webp' } });
const previewRoute = (id: string, size: 'small' | 'large') => `GET /api/v1/s/tok/files/${id}/preview?size=${size}`;

let urls: ReturnType<typeof fakeObjectUrls>;
beforeEach(() => {
  urls = fakeObjectUrls();
});
afterEach(() => {
  urls.restore();
  vi.restoreAllMocks();
});

describe('PublicLinkPage', () => {
  it('asks for the password, shows why a wrong one fails and how long to wait when rate limited, then opens', async () => {
    const user = userEvent.setup();
    const locked = info({ name: 'Tax papers', requires_password: true, unlocked: false, node: null });
    const fetchImpl = fakeFetch({
      'GET /api/v1/s/tok': [() => json(200, locked), () => json(200, info({ name: 'Tax papers', requires_password: true }))],
      'POST /api/v1/s/tok/unlock': [
        () => json(401, { status: 401, title: 'Unauthorized', detail: 'That password is not right' }),
        () => json(429, { status: 429, detail: 'Too many wrong passwords for this link.' }, { 'retry-after': '42' }),
        () => new Response(null, { status: 204 }),
      ],
    });
    renderPage(fetchImpl);

    expect(await screen.findByRole('heading', { level: 1, name: '“Tax papers” is protected' })).toBeInTheDocument();
    const password = screen.getByLabelText('Password');
    await user.type(password, 'wrong');
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That password is not right');
    expect(password).toHaveValue('');
    const [, init] = fetchImpl.mock.calls[1]!;
    expect(JSON.parse(String(init?.body))).toEqual({ password: 'wrong' });

    await user.type(password, 'again');
    await user.click(screen.getByRole('button', { name: 'Open' }));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Too many wrong passwords for this link. Try again in 42 s.'));
    await user.type(password, 'right');
    expect(screen.getByRole('button', { name: /^Wait/ })).toBeDisabled();
  });

  it('opens after the right password', async () => {
    const user = userEvent.setup();
    const fetchImpl = fakeFetch({
      'GET /api/v1/s/tok': [() => json(200, info({ requires_password: true, unlocked: false, node: null })), () => json(200, info({ requires_password: true }))],
      'POST /api/v1/s/tok/unlock': () => new Response(null, { status: 204 }),
    });
    renderPage(fetchImpl);
    await user.type(await screen.findByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'beach.jpg' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('heading', { level: 1, name: 'beach.jpg' })).toHaveFocus());
  });

  it('shows a file with its preview and a download of the link', async () => {
    renderPage(fakeFetch({ 'GET /api/v1/s/tok': () => json(200, info({ expires_at: '2031-06-05T21:59:59.999Z' })), [previewRoute('id-beach.jpg', 'large')]: previewPending }));
    expect(await screen.findByRole('heading', { level: 1, name: 'beach.jpg' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'beach.jpg' })).toHaveAttribute('src', '/s/tok/files/id-beach.jpg/content');
    expect(screen.getByRole('link', { name: 'Download' })).toHaveAttribute('href', '/s/tok/download');
    expect(screen.getByText(/This link works until/)).toBeInTheDocument();
    expect(document.title).toBe('beach.jpg · Coffer');
  });

  it('shows the server’s large picture of a photo at once, the original in its place once loaded', async () => {
    const fetchImpl = fakeFetch({ 'GET /api/v1/s/tok': () => json(200, info()), [previewRoute('id-beach.jpg', 'large')]: previewReady });
    renderPage(fetchImpl);
    const picture = await waitFor(() => {
      const img = screen.getByRole('img', { name: 'beach.jpg' });
      expect(img.getAttribute('src')).toMatch(/^blob:/);
      return img;
    });
    expect(urls.created.get(picture.getAttribute('src')!)?.type).toBe('image/webp');
    // The original loads hidden meanwhile.
    expect(screen.getByText('Loading the full image…')).toBeInTheDocument();
    const original = document.querySelector('img[src="/s/tok/files/id-beach.jpg/content"]')!;
    expect(original).toHaveAttribute('hidden');
    fireEvent.load(original);
    expect(screen.getByRole('img', { name: 'beach.jpg' })).toHaveAttribute('src', '/s/tok/files/id-beach.jpg/content');
    // Anonymous requests with the link's cookie only, never a bearer token.
    const [, init] = fetchImpl.mock.calls.find(([u]) => String(u).includes('/preview'))!;
    expect(new Headers(init?.headers).get('authorization')).toBeNull();
    expect(init?.credentials).toBe('same-origin');
  });

  it('shows only the server’s picture of a type the browser cannot show, and says so', async () => {
    const heic = node('scan.heic', { mime: 'image/heic' });
    renderPage(fakeFetch({ 'GET /api/v1/s/tok': () => json(200, info({ node: heic })), [previewRoute('id-scan.heic', 'large')]: previewReady }));
    const img = await screen.findByRole('img', { name: 'scan.heic' });
    expect(img.getAttribute('src')).toMatch(/^blob:/);
    expect(screen.getByText(/This is a preview picture/)).toBeInTheDocument();
  });

  it('shows a PDF in a frame', async () => {
    renderPage(fakeFetch({ 'GET /api/v1/s/tok': () => json(200, info({ node: node('plan.pdf', { mime: 'application/pdf' }) })) }));
    expect(await screen.findByTitle('Preview of plan.pdf')).toHaveAttribute('src', '/s/tok/files/id-plan.pdf/content');
  });

  it('browses a folder: its items, subfolders by id, previews, single downloads and Download all', async () => {
    const user = userEvent.setup();
    const root: PublicNode = { id: 'root', name: 'Holiday', kind: 'folder', size: 9000, mime: null, modified_at: '2025-03-01T10:00:00.000Z' };
    const sub: PublicNode = { ...root, id: 'sub', name: 'Day 1', size: 100 };
    const top: PublicListing = { folder: root, items: [sub, photo, node('notes.txt')], total: 3, limit: 200, offset: 0 };
    const inner: PublicListing = { folder: sub, items: [node('sunset.jpg', { mime: 'image/jpeg' })], total: 1, limit: 200, offset: 0 };
    const fetchImpl = fakeFetch({
      'GET /api/v1/s/tok': () => json(200, info({ name: 'Our holiday', node: root })),
      'GET /api/v1/s/tok/children?limit=200&offset=0': () => json(200, top),
      'GET /api/v1/s/tok/children?limit=200&offset=0&folder_id=sub': () => json(200, inner),
      [previewRoute('id-beach.jpg', 'small')]: [previewPending, previewReady],
      [previewRoute('id-beach.jpg', 'large')]: previewPending,
      [previewRoute('id-sunset.jpg', 'small')]: () => json(404, { status: 404, detail: 'No preview could be made: damaged' }),
    });
    renderPage(fetchImpl);

    expect(await screen.findByRole('heading', { level: 1, name: 'Our holiday' })).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Contents of Our holiday' });
    expect(
      within(table)
        .getAllByRole('row')
        .slice(1)
        .map((r) => within(r).getAllByRole('button')[0]!.textContent),
    ).toEqual(['Day 1', 'beach.jpg', 'notes.txt']);
    // The photo's row: its type icon pulsing while the server makes the thumbnail, then the picture.
    const beachRow = within(table).getByRole('button', { name: 'Preview beach.jpg' }).closest('tr')!;
    expect(beachRow.querySelector('.thumb-placeholder.thumb-loading svg')).not.toBeNull();
    const thumb = await waitFor(
      () => {
        const img = beachRow.querySelector('img.thumb-row');
        expect(img).not.toBeNull();
        return img!;
      },
      // Asked again after Retry-After (a second at least).
      { timeout: 3000 },
    );
    expect(thumb.getAttribute('src')).toMatch(/^blob:/);
    expect(thumb).toHaveAttribute('alt', '');
    // Text files and folders keep their icons and ask for nothing.
    expect(fetchImpl.mock.calls.filter(([u]) => String(u).includes('/preview')).map(([u]) => String(u))).toEqual([
      '/api/v1/s/tok/files/id-beach.jpg/preview?size=small',
      '/api/v1/s/tok/files/id-beach.jpg/preview?size=small',
    ]);
    expect(screen.getByRole('link', { name: 'Download all' })).toHaveAttribute('href', '/s/tok/download');
    expect(within(table).getByRole('link', { name: 'Download notes.txt' })).toHaveAttribute('href', '/s/tok/files/id-notes.txt/content?download=1');
    expect(within(table).getByRole('link', { name: 'Download Day 1 as ZIP' })).toHaveAttribute('href', '/s/tok/folders/sub/zip');

    await user.click(within(table).getByRole('button', { name: 'Preview beach.jpg' }));
    const preview = await screen.findByRole('dialog', { name: 'beach.jpg' });
    expect(within(preview).getByRole('img', { name: 'beach.jpg' })).toHaveAttribute('src', '/s/tok/files/id-beach.jpg/content');
    expect(within(preview).getByRole('link', { name: 'Download' })).toHaveAttribute('href', '/s/tok/files/id-beach.jpg/content?download=1');
    await user.keyboard('{Escape}');

    await user.click(within(table).getByRole('button', { name: 'Open folder Day 1' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Day 1' })).toHaveFocus();
    expect(screen.getByTestId('location')).toHaveTextContent('/s/tok?folder=sub');
    expect(await screen.findByRole('button', { name: 'Preview sunset.jpg' })).toBeInTheDocument();
    // No thumbnail could be made: the type icon, for good.
    const sunsetRow = screen.getByRole('button', { name: 'Preview sunset.jpg' }).closest('tr')!;
    await waitFor(() => expect(sunsetRow.querySelector('.thumb-placeholder:not(.thumb-loading) svg')).not.toBeNull());
    expect(sunsetRow.querySelector('img')).toBeNull();
    expect(screen.getByRole('link', { name: 'Download folder' })).toHaveAttribute('href', '/s/tok/folders/sub/zip');
    const path = screen.getByRole('navigation', { name: 'Folder path' });
    expect(within(path).getByText('Day 1')).toHaveAttribute('aria-current', 'page');

    await user.click(within(path).getByRole('button', { name: 'Our holiday' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Our holiday' })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/s\/tok$/);
  });

  describe('upload-only', () => {
    const RealXhr = globalThis.XMLHttpRequest;
    beforeEach(() => {
      FakeXhr.all = [];
      globalThis.XMLHttpRequest = FakeXhr as unknown as typeof XMLHttpRequest;
    });
    afterEach(() => {
      globalThis.XMLHttpRequest = RealXhr;
    });

    it('takes files one by one with progress, names what was stored and lists nothing else', async () => {
      const drop: PublicNode = { id: 'inbox', name: 'Inbox', kind: 'folder', size: 0, mime: null, modified_at: '2025-03-01T10:00:00.000Z' };
      const fetchImpl = fakeFetch({ 'GET /api/v1/s/tok': () => json(200, info({ name: 'Send me your photos', permission: 'upload', node: drop })) });
      renderPage(fetchImpl);
      expect(await screen.findByRole('heading', { level: 1, name: 'Upload files to “Send me your photos”' })).toBeInTheDocument();
      expect(screen.queryByRole('table')).not.toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Choose files' })).toBeInTheDocument();

      const a = new File(['x'.repeat(1000)], 'a.txt', { type: 'text/plain' });
      const b = new File(['yy'], 'b.txt', { type: 'text/plain' });
      fireEvent.change(screen.getByTestId('public-upload-input'), { target: { files: [a, b] } });
      await waitFor(() => expect(FakeXhr.pending).toHaveLength(1));
      const first = FakeXhr.last;
      expect(first.method).toBe('POST');
      expect(first.url).toBe('/api/v1/s/tok/files?path=a.txt');
      expect(first.headers['content-type']).toBe('text/plain');
      expect(first.headers.authorization).toBeUndefined();
      expect(first.body).toBe(a);

      act(() => first.progress(500));
      const list = screen.getByRole('list', { name: 'Your uploads' });
      expect(within(list).getByRole('progressbar', { name: 'Progress of a.txt' })).toHaveAttribute('aria-valuenow', '50');
      expect(within(list).getAllByRole('listitem')[1]).toHaveTextContent('Waiting');

      act(() => first.answer(201, { name: 'a (1).txt', size: 1000 }));
      expect(await within(list).findByText('a (1).txt')).toBeInTheDocument();
      expect(list).toHaveTextContent('Uploaded as a (1).txt (that name was taken)');

      await waitFor(() => expect(FakeXhr.pending).toHaveLength(1));
      expect(FakeXhr.last.url).toBe('/api/v1/s/tok/files?path=b.txt');
      act(() => FakeXhr.last.answer(410, { status: 410, detail: 'This link has expired.' }));
      expect(await within(list).findByText('This link has expired.')).toBeInTheDocument();
      expect(screen.getByText('1 of 2 uploaded')).toBeInTheDocument();
      // Only the link itself was asked about: nothing lists what others sent.
      expect(fetchImpl).toHaveBeenCalledTimes(1);
    });
  });

  it('lets a read-write link add files beside the listing', async () => {
    const root: PublicNode = { id: 'root', name: 'Team', kind: 'folder', size: 0, mime: null, modified_at: '2025-03-01T10:00:00.000Z' };
    renderPage(
      fakeFetch({
        'GET /api/v1/s/tok': () => json(200, info({ permission: 'read-write', node: root })),
        'GET /api/v1/s/tok/children?limit=200&offset=0': () => json(200, { folder: root, items: [], total: 0 }),
      }),
    );
    expect(await screen.findByRole('heading', { level: 2, name: 'Add files' })).toBeInTheDocument();
    expect(await screen.findByText('This folder is empty')).toBeInTheDocument();
  });

  it('says plainly when a link has expired', async () => {
    renderPage(fakeFetch({ 'GET /api/v1/s/tok': () => json(410, { status: 410, title: 'Gone', detail: 'This link expired on 5 June 2025.' }) }));
    expect(await screen.findByRole('heading', { level: 1, name: 'This link no longer works' })).toBeInTheDocument();
    expect(screen.getByText('This link expired on 5 June 2025.')).toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('says plainly when a link does not exist', async () => {
    renderPage(fakeFetch({ 'GET /api/v1/s/tok': () => json(404, { status: 404, title: 'Not Found', detail: 'No such link' }) }));
    expect(await screen.findByRole('heading', { level: 1, name: 'This link does not exist' })).toBeInTheDocument();
  });
});
