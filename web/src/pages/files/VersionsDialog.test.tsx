import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { FileNode, FileVersion } from '../../api/types';
import { formatDate } from '../../ui/format';
import { FakeXhr } from '../../upload/fake-xhr';
import { renderWithApi } from '../account/test-utils';
import { VersionsDialog } from './VersionsDialog';

const file = { id: 'f1', name: 'notes.txt', kind: 'file', size: 30, mime: 'text/plain' } as FileNode;

const versions: FileVersion[] = [
  { id: 'v3', size: 30, sha256: 'c', mime: 'text/plain', author: 'ada', created_at: '2024-05-03T09:00:00.000Z', current: true },
  { id: 'v2', size: 20, sha256: 'b', mime: 'text/plain', author: 'grace', created_at: '2024-05-02T09:00:00.000Z', current: false },
  { id: 'v1', size: 10, sha256: 'a', mime: 'text/plain', author: null, created_at: '2024-05-01T09:00:00.000Z', current: false },
];

afterEach(() => vi.restoreAllMocks());

describe('VersionsDialog', () => {
  it('marks the current version and offers restore only for older ones', async () => {
    renderWithApi(<VersionsDialog file={file} open onOpenChange={() => undefined} />, { versions: vi.fn().mockResolvedValue({ items: versions }) });

    const dialog = await screen.findByRole('dialog', { name: 'Versions of notes.txt' });
    const rows = await within(dialog).findAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(within(rows[1]!).getByText('Current')).toBeInTheDocument();
    expect(within(rows[2]!).queryByText('Current')).not.toBeInTheDocument();

    const current = formatDate(versions[0]!.created_at);
    expect(within(dialog).getByRole('button', { name: `Download version of ${current}` })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: `Restore version of ${current}` })).not.toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: `Restore version of ${formatDate(versions[1]!.created_at)}` })).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: `Restore version of ${formatDate(versions[2]!.created_at)}` })).toBeInTheDocument();
    expect(within(dialog).queryByText('This file has only one version.')).not.toBeInTheDocument();
  });

  it('downloads a version through a short-lived link, without fetching the bytes', async () => {
    const user = userEvent.setup();
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const contentLink = vi.fn().mockResolvedValue({ url: 'https://coffer.test/api/v1/files/f1/versions/v2/content?sig=x', expires_at: '' });
    renderWithApi(<VersionsDialog file={file} open onOpenChange={() => undefined} />, { versions: vi.fn().mockResolvedValue({ items: versions }), contentLink });

    await user.click(await screen.findByRole('button', { name: `Download version of ${formatDate(versions[1]!.created_at)}` }));
    expect(contentLink).toHaveBeenCalledWith('f1', { versionId: 'v2', inline: false });
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0]!.href).toBe('https://coffer.test/api/v1/files/f1/versions/v2/content?sig=x');
    expect(clicked[0]!.download).toBe('notes.txt');
    expect(clicked[0]!.isConnected).toBe(false);
  });

  it('restores an old version, refreshes the history and says so', async () => {
    const user = userEvent.setup();
    const list = vi.fn().mockResolvedValue({ items: versions });
    const restoreVersion = vi.fn().mockResolvedValue(file);
    const { queryClient } = renderWithApi(<VersionsDialog file={file} open onOpenChange={() => undefined} />, { versions: list, restoreVersion });
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    const date = formatDate(versions[2]!.created_at);

    await user.click(await screen.findByRole('button', { name: `Restore version of ${date}` }));
    expect(restoreVersion).toHaveBeenCalledWith('f1', 'v1');
    expect(await screen.findByText(`Restored the version of ${date}`)).toBeInTheDocument();
    const keys = invalidate.mock.calls.map(([filters]) => filters?.queryKey);
    expect(keys).toEqual(expect.arrayContaining([['versions', 'f1'], ['children'], ['account']]));
    await waitFor(() => expect(list).toHaveBeenCalledTimes(2));
  });

  it('shows the server reason when a restore fails', async () => {
    const user = userEvent.setup();
    const restoreVersion = vi.fn().mockRejectedValue(new ApiError(507, { detail: 'Your storage quota is full' }));
    renderWithApi(<VersionsDialog file={file} open onOpenChange={() => undefined} />, { versions: vi.fn().mockResolvedValue({ items: versions }), restoreVersion });

    await user.click(await screen.findByRole('button', { name: `Restore version of ${formatDate(versions[1]!.created_at)}` }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Your storage quota is full');
  });

  it('says when there is only one version', async () => {
    renderWithApi(<VersionsDialog file={file} open onOpenChange={() => undefined} />, { versions: vi.fn().mockResolvedValue({ items: [versions[0]] }) });
    expect(await screen.findByText('This file has only one version.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Restore version/ })).not.toBeInTheDocument();
  });

  it('does not ask for versions while closed', () => {
    const list = vi.fn();
    renderWithApi(<VersionsDialog file={file} open={false} onOpenChange={() => undefined} />, { versions: list });
    expect(list).not.toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});

describe('VersionsDialog new version', () => {
  it('uploads the picked file under this file name, replacing it with a new version', async () => {
    const file = { id: 'f1', name: 'report.txt', kind: 'file', parent_id: 'p1', size: 3, mime: 'text/plain', etag: 'e', version_id: 'v1', created_at: '', modified_at: '', updated_at: '' } as const;
    const sent: string[] = [];
    const RealXhr = globalThis.XMLHttpRequest;
    globalThis.XMLHttpRequest = class {
      upload = {};
      open(_m: string, url: string) {
        sent.push(url);
      }
      setRequestHeader() {}
      send() {}
    } as unknown as typeof XMLHttpRequest;
    try {
      renderWithApi(<VersionsDialog file={file} open onOpenChange={() => undefined} />, { versions: vi.fn().mockResolvedValue({ items: [] }) });
      const input = document.querySelector('input[type="file"]') as HTMLInputElement;
      expect(screen.getByRole('button', { name: 'Upload new version' })).toBeInTheDocument();
      fireEvent.change(input, { target: { files: [new File(['new'], 'other-name.txt')] } });
      await vi.waitFor(() => expect(sent).toHaveLength(1));
      const url = new URL(sent[0]!, 'http://x');
      expect(url.searchParams.get('path')).toBe('report.txt');
      expect(url.searchParams.get('parent_id')).toBe('p1');
      expect(url.searchParams.get('overwrite')).toBe('true');
    } finally {
      globalThis.XMLHttpRequest = RealXhr;
    }
  });

  describe('its toast', () => {
    const file = { id: 'f1', name: 'report.txt', kind: 'file', parent_id: 'p1', size: 3, mime: 'text/plain', etag: 'e', version_id: 'v1', created_at: '', modified_at: '', updated_at: '' } as const;
    const RealXhr = globalThis.XMLHttpRequest;
    const pick = () => {
      renderWithApi(<VersionsDialog file={file} open onOpenChange={() => undefined} />, { versions: vi.fn().mockResolvedValue({ items: [] }) });
      fireEvent.change(document.querySelector('input[type="file"]')!, { target: { files: [new File(['new'], 'other-name.txt')] } });
    };
    beforeEach(() => {
      FakeXhr.all = [];
      globalThis.XMLHttpRequest = FakeXhr as unknown as typeof XMLHttpRequest;
    });
    afterEach(() => {
      globalThis.XMLHttpRequest = RealXhr;
      vi.useRealTimers();
    });

    it('says the upload runs for as long as it runs, then that it is done, then goes', async () => {
      vi.useFakeTimers({ shouldAdvanceTime: true });
      pick();
      expect(screen.getByText('Uploading a new version of report.txt…')).toBeInTheDocument();
      await vi.waitFor(() => expect(FakeXhr.pending).toHaveLength(1));
      // A slow upload keeps its message instead of losing it halfway.
      await act(() => vi.advanceTimersByTimeAsync(30_000));
      expect(screen.getByText('Uploading a new version of report.txt…')).toBeInTheDocument();
      act(() => FakeXhr.last.answer(200, { id: 'f1', name: 'report.txt' }));
      expect(await screen.findByText('Uploaded a new version of report.txt')).toBeInTheDocument();
      expect(screen.queryByText('Uploading a new version of report.txt…')).not.toBeInTheDocument();
      await act(() => vi.advanceTimersByTimeAsync(6_000));
      expect(screen.queryByText('Uploaded a new version of report.txt')).not.toBeInTheDocument();
    });

    it('turns into the reason when the upload fails', async () => {
      pick();
      await vi.waitFor(() => expect(FakeXhr.pending).toHaveLength(1));
      act(() => FakeXhr.last.answer(507, { status: 507, detail: 'Not enough space', available: 0, needed: 3 }));
      expect(await screen.findByText('The new version of report.txt was not uploaded: Not enough space: 0 B left, this file needs 3 B.')).toBeInTheDocument();
      expect(screen.queryByText('Uploading a new version of report.txt…')).not.toBeInTheDocument();
    });
  });
});
