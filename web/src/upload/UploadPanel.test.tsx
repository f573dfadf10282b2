import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { createServices, ServicesProvider } from '../app-context';
import { FakeXhr } from './fake-xhr';
import { createUploadManager } from './manager';
import type { PickedFile } from './types';
import { UploadPanel } from './UploadPanel';
import { UploadProvider } from './UploadProvider';

const picked = (path: string, size = 4): PickedFile => ({ file: new File([new Uint8Array(size)], path.split('/').pop()!), relativePath: path });

function setup(concurrency = 2) {
  const manager = createUploadManager({ token: async () => 'T', renew: async () => false, refresh: () => undefined, createXhr: FakeXhr.factory, concurrency, renderEveryMs: 0 });
  render(
    <ServicesProvider services={createServices()}>
      <QueryClientProvider client={new QueryClient()}>
        <UploadProvider manager={manager}>
          <main id="main" tabIndex={-1} />
          <UploadPanel />
        </UploadProvider>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  return manager;
}

/** Lets the token await and the requests' answers run. */
const settle = () => act(() => new Promise((r) => setTimeout(r, 0)));
const panel = () => screen.getByRole('region', { name: 'Uploads' });
const total = () => screen.getByRole('progressbar', { name: 'Total upload progress' });

beforeEach(() => {
  FakeXhr.all = [];
});

describe('UploadPanel', () => {
  it('draws nothing until something is queued', () => {
    setup();
    expect(screen.queryByRole('region', { name: 'Uploads' })).not.toBeInTheDocument();
  });

  it('shows each file with its state, the totals, and cancels one upload by aborting its request', async () => {
    const manager = setup();
    act(() => manager.enqueue('root', [picked('dir/a.txt', 100), picked('dir/b.txt', 100), picked('dir/c.txt', 200)]));
    await settle();
    expect(panel()).toHaveTextContent('Uploading 2 of 3 files · 0 %');
    expect(screen.getByText('dir/c.txt')).toBeInTheDocument();
    expect(screen.getByText('Waiting · 200 B')).toBeInTheDocument();
    act(() => FakeXhr.all[0]!.progress(50));
    expect(screen.getByRole('progressbar', { name: 'Progress of dir/a.txt' })).toHaveAttribute('aria-valuenow', '50');
    expect(total()).toHaveAttribute('aria-valuenow', '13');

    await userEvent.click(screen.getByRole('button', { name: 'Cancel upload of dir/a.txt' }));
    await settle();
    expect(FakeXhr.all[0]!.aborted).toBe(true);
    // The freed slot goes to the third file.
    expect(FakeXhr.all).toHaveLength(3);
    expect(screen.getByText('Cancelled')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel upload of dir/a.txt' })).not.toBeInTheDocument();
    // The pressed button is gone; the keyboard stays in the panel.
    expect(screen.getByRole('button', { name: 'Hide uploads' })).toHaveFocus();
  });

  it('reaches 100 %, says how many completed, and keeps a refusal with its reason on the row', async () => {
    const manager = setup();
    act(() => manager.enqueue('root', [picked('a.txt'), picked('b.txt', 2)]));
    await settle();
    act(() => {
      FakeXhr.all[0]!.answer(201, { id: '1' });
      FakeXhr.all[1]!.answer(507, { status: 507, detail: 'Not enough space', available: 0, needed: 2 });
    });
    await settle();
    expect(total()).toHaveAttribute('aria-valuenow', '100');
    expect(panel()).toHaveTextContent('1 upload complete · 1 failed');
    expect(screen.getByText('Not enough space: 0 B left, this file needs 2 B.')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('1 upload complete · 1 failed');
    expect(screen.queryByRole('button', { name: 'Cancel all' })).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Retry b.txt' }));
    await settle();
    expect(FakeXhr.all).toHaveLength(3);
    expect(screen.getByRole('status')).toHaveTextContent('Uploading 1 file');
    act(() => FakeXhr.last.answer(201, { id: '2' }));
    await settle();
    expect(panel()).toHaveTextContent('2 uploads complete');
    // A clean finish folds the rows away so they stop covering the files.
    expect(screen.queryByText('b.txt')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Show uploads' })).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(screen.getByRole('button', { name: 'Close uploads' }));
    expect(screen.queryByRole('region', { name: 'Uploads' })).not.toBeInTheDocument();

    // The next batch opens it again.
    act(() => manager.enqueue('root', [picked('c.txt')]));
    await settle();
    expect(screen.getByText('c.txt')).toBeInTheDocument();
  });

  it('asks before cancelling all, and then aborts every request and empties the queue', async () => {
    const manager = setup();
    act(() => manager.enqueue('root', [picked('a'), picked('b'), picked('c')]));
    await settle();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel all' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel all uploads?' });
    expect(dialog).toHaveTextContent('3 files have not finished uploading');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Keep uploading' }));
    expect(FakeXhr.all.some((x) => x.aborted)).toBe(false);

    await userEvent.click(screen.getByRole('button', { name: 'Cancel all' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel uploads' }));
    await settle();
    expect(FakeXhr.all).toHaveLength(2);
    expect(FakeXhr.all.every((x) => x.aborted)).toBe(true);
    expect(panel()).toHaveTextContent('3 uploads cancelled');
    expect(screen.getAllByText('Cancelled')).toHaveLength(3);
    await userEvent.click(screen.getByRole('button', { name: 'Clear finished' }));
    expect(screen.queryByRole('region', { name: 'Uploads' })).not.toBeInTheDocument();
  });

  it('retries or dismisses all failures at once', async () => {
    const manager = setup(3);
    act(() => manager.enqueue('root', [picked('a'), picked('b')]));
    await settle();
    act(() => FakeXhr.all.forEach((x) => x.drop()));
    await settle();
    expect(screen.getAllByText('Connection lost. Check your connection and retry.')).toHaveLength(2);
    expect(screen.getByRole('status')).toHaveTextContent('2 uploads failed');
    await userEvent.click(screen.getByRole('button', { name: 'Retry failed' }));
    await settle();
    expect(FakeXhr.pending).toHaveLength(2);
    act(() => FakeXhr.pending.forEach((x) => x.drop()));
    await settle();
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss failed' }));
    expect(screen.queryByRole('region', { name: 'Uploads' })).not.toBeInTheDocument();
  });

  it('closes once everything finished, failures included', async () => {
    const manager = setup();
    act(() => manager.enqueue('root', [picked('a'), picked('b')]));
    await settle();
    expect(screen.queryByRole('button', { name: 'Close uploads' })).not.toBeInTheDocument();
    act(() => {
      FakeXhr.all[0]!.answer(201, { id: '1' });
      FakeXhr.all[1]!.answer(400, { detail: 'The name "b" is not allowed' });
    });
    await settle();
    expect(screen.getByText('The name "b" is not allowed')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Close uploads' }));
    expect(screen.queryByRole('region', { name: 'Uploads' })).not.toBeInTheDocument();
    expect(document.getElementById('main')).toHaveFocus();
  });

  it('folds away, keeping the headline and the total', async () => {
    const manager = setup();
    act(() => manager.enqueue('root', [picked('a')]));
    await settle();
    await userEvent.click(screen.getByRole('button', { name: 'Hide uploads' }));
    expect(screen.queryByText('a')).not.toBeInTheDocument();
    expect(total()).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Show uploads' })).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(screen.getByRole('button', { name: 'Show uploads' }));
    expect(screen.getByText('a')).toBeInTheDocument();
  });

  it('draws a capped number of rows for a huge batch', async () => {
    const manager = setup(3);
    act(() => manager.enqueue('root', Array.from({ length: 1000 }, (_, i) => picked(`f${i}`))));
    await settle();
    expect(within(panel()).getAllByRole('listitem')).toHaveLength(201);
    expect(panel()).toHaveTextContent('and 800 more');
    expect(panel()).toHaveTextContent('Uploading 3 of 1000 files');
  });

  describe('names already taken', () => {
    const taken = (...paths: string[]) => new Map(paths.map((p) => [p, 'file' as const]));

    it('asks per file from the keyboard, applies an answer to the rest, and names what was stored', async () => {
      const user = userEvent.setup();
      const manager = setup(3);
      act(() => {
        manager.enqueue('root', ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'new.txt'].map((p) => picked(p)), { conflicts: taken('a.txt', 'b.txt', 'c.txt', 'd.txt'), folderName: 'My files' });
      });
      await settle();
      let dialog = screen.getByRole('dialog', { name: '“a.txt” already exists' });
      expect(dialog).toHaveTextContent('There is already a file named “a.txt” in “My files”.');
      expect(dialog).toHaveTextContent('such as “a (1).txt”');
      // The file nobody asked about goes at once.
      expect(FakeXhr.all).toHaveLength(1);
      // The keyboard starts on the choice that changes nothing there.
      expect(within(dialog).getByRole('button', { name: 'Keep both' })).toHaveFocus();
      await user.keyboard('{Enter}');
      await settle();

      dialog = screen.getByRole('dialog', { name: '“b.txt” already exists' });
      expect(within(dialog).getByRole('button', { name: 'Keep both' })).toHaveFocus();
      expect(within(dialog).getByRole('checkbox')).not.toBeChecked();
      await user.tab();
      expect(within(dialog).getByRole('button', { name: 'Replace' })).toHaveFocus();
      await user.keyboard('{Enter}');
      await settle();

      dialog = screen.getByRole('dialog', { name: '“c.txt” already exists' });
      await user.click(within(dialog).getByRole('checkbox', { name: 'Do the same for the other file whose names are taken' }));
      await user.click(within(dialog).getByRole('button', { name: 'Skip' }));
      await settle();
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();

      const urls = FakeXhr.all.map((x) => new URL(x.url, 'http://x').searchParams);
      expect(urls.map((q) => [q.get('path'), q.get('overwrite')])).toEqual([
        ['new.txt', null],
        ['a.txt', null],
        ['b.txt', 'true'],
      ]);
      act(() => {
        FakeXhr.all[0]!.answer(201, { id: 'n', name: 'new.txt' });
        FakeXhr.all[1]!.answer(201, { id: 'a2', name: 'a (1).txt' });
        FakeXhr.all[2]!.answer(200, { id: 'b', name: 'b.txt' });
      });
      await settle();
      expect(panel()).toHaveTextContent('3 uploads complete · 2 skipped');
      // A file stored under another name keeps the rows in view.
      const row = (name: string) => screen.getByText(name).closest('li')!;
      expect(row('a (1).txt')).toHaveTextContent('Uploaded · 4 B · kept both, “a.txt” stays');
      expect(row('b.txt')).toHaveTextContent('New version · 4 B');
      expect(row('c.txt')).toHaveTextContent('Skipped · not uploaded');
      expect(row('d.txt')).toHaveTextContent('Skipped · not uploaded');
    });

    it('keeps a replaced file in view after the batch, saying it is a new version', async () => {
      const user = userEvent.setup();
      const manager = setup();
      act(() => {
        manager.enqueue('root', [picked('a.txt')], { conflicts: taken('a.txt') });
      });
      await settle();
      await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Replace' }));
      await settle();
      act(() => FakeXhr.last.answer(200, { id: 'a', name: 'a.txt' }));
      await settle();
      expect(panel()).toHaveTextContent('1 upload complete');
      expect(screen.getByText('a.txt').closest('li')).toHaveTextContent('New version · 4 B');
    });

    it('skips every waiting file when the question is closed, replacing nothing', async () => {
      const user = userEvent.setup();
      const manager = setup();
      act(() => {
        manager.enqueue('root', [picked('a.txt'), picked('b.txt')], { conflicts: taken('a.txt', 'b.txt') });
      });
      await settle();
      expect(screen.getByRole('dialog', { name: '“a.txt” already exists' })).toHaveTextContent('in “this folder”');
      await user.keyboard('{Escape}');
      await settle();
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
      expect(FakeXhr.all).toHaveLength(0);
      expect(panel()).toHaveTextContent('2 uploads skipped');
    });

    it('asks again when the server refuses a replace, without offering it, and with its reason', async () => {
      const user = userEvent.setup();
      const manager = setup();
      act(() => {
        manager.enqueue('root', [picked('docs/a.txt')], { overwrite: true, folderName: 'Work' });
      });
      await settle();
      act(() => FakeXhr.last.answer(409, { status: 409, detail: '"a.txt" is a folder; a file cannot replace it' }));
      await settle();
      const dialog = screen.getByRole('dialog', { name: '“a.txt” was not stored' });
      expect(dialog).toHaveTextContent('The server did not store “a.txt” in “Work/docs”.');
      expect(within(dialog).getByRole('alert')).toHaveTextContent('"a.txt" is a folder; a file cannot replace it');
      expect(within(dialog).queryByRole('button', { name: 'Replace' })).not.toBeInTheDocument();
      await user.click(within(dialog).getByRole('button', { name: 'Keep both' }));
      await settle();
      expect(new URL(FakeXhr.last.url, 'http://x').searchParams.get('overwrite')).toBeNull();
      act(() => FakeXhr.last.answer(201, { id: 'a', name: 'a (1).txt' }));
      await settle();
      expect(screen.getByText('docs/a (1).txt')).toBeInTheDocument();
    });
  });
});
