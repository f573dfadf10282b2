import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createServices, ServicesProvider } from '../app-context';
import { UploadPanel, summary } from './UploadPanel';
import { createUploadManager, UploadProvider } from './UploadProvider';

class PendingXhr {
  static all: PendingXhr[] = [];
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  responseText = '';
  aborted = false;
  constructor() {
    PendingXhr.all.push(this);
  }
  open() {}
  setRequestHeader() {}
  send() {}
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
}

function setup() {
  PendingXhr.all = [];
  const manager = createUploadManager({ token: async () => 'T', renew: async () => false, refresh: () => undefined, createXhr: () => new PendingXhr() as unknown as XMLHttpRequest }, 2);
  render(
    <ServicesProvider services={createServices()}>
      <QueryClientProvider client={new QueryClient()}>
        <UploadProvider manager={manager}>
          <UploadPanel />
        </UploadProvider>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  return manager;
}

const tick = () => act(() => new Promise((r) => setTimeout(r, 0)));

describe('UploadPanel', () => {
  it('shows each file, the total, and cancels one upload by aborting its request', async () => {
    const manager = setup();
    act(() =>
      manager.enqueue('root', [
        { file: new File(['aaaa'], 'a.txt'), relativePath: 'dir/a.txt' },
        { file: new File(['bb'], 'b.txt'), relativePath: 'dir/b.txt' },
        { file: new File(['c'], 'c.txt'), relativePath: 'dir/c.txt' },
      ]),
    );
    await tick();
    expect(screen.getByRole('region', { name: 'Uploads' })).toHaveTextContent('Uploading');
    expect(screen.getByText('dir/c.txt')).toBeInTheDocument();
    expect(PendingXhr.all).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel upload of dir/a.txt' }));
    await tick();
    expect(PendingXhr.all[0]!.aborted).toBe(true);
    // The freed slot goes to the third file.
    expect(PendingXhr.all).toHaveLength(3);
    expect(screen.getByText('Cancelled')).toBeInTheDocument();
  });

  it('reaches 100 % and says how many completed; a refusal stays on its row', async () => {
    const manager = setup();
    act(() =>
      manager.enqueue('root', [
        { file: new File(['aaaa'], 'a.txt'), relativePath: 'a.txt' },
        { file: new File(['bb'], 'b.txt'), relativePath: 'b.txt' },
      ]),
    );
    await tick();
    const [a, b] = PendingXhr.all;
    act(() => {
      a!.status = 201;
      a!.responseText = '{"id":"1"}';
      a!.onload?.();
      b!.status = 507;
      b!.responseText = JSON.stringify({ status: 507, available: 0, needed: 2 });
      b!.onload?.();
    });
    await tick();
    expect(screen.getByRole('progressbar', { name: 'Total upload progress' })).toHaveAttribute('aria-valuenow', '100');
    expect(screen.getByRole('region', { name: 'Uploads' })).toHaveTextContent('1 upload complete · 1 failed');
    expect(screen.getByText('Not enough space: 0 B left, this file needs 2 B.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry b.txt' })).toBeInTheDocument();
  });

  it('summarises speed and time left while running', () => {
    expect(summary({ files: 4, done: 1, failed: 0, cancelled: 0, active: 2, queued: 1, bytes: 4000, loaded: 1000, fraction: 0.25, speed: 1024, etaSeconds: 65, finished: false })).toBe(
      'Uploading 3 of 4 files · 25 % · 1 KB/s · 1 min 5 s left',
    );
  });
});
