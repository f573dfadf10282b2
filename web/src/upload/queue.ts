import type { EnqueueOptions, PickedFile } from './types';

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  id: number;
  parentId: string;
  relativePath: string;
  size: number;
  overwrite: boolean;
  status: UploadStatus;
  /** Bytes the server has received so far. */
  loaded: number;
  error?: string;
}

export interface UploadTotals {
  files: number;
  done: number;
  failed: number;
  cancelled: number;
  active: number;
  queued: number;
  /** Bytes of every file not cancelled, and how many of them have arrived. */
  bytes: number;
  loaded: number;
  /** 0..1 over the bytes not cancelled; 1 when nothing is left to do. */
  fraction: number;
  /** Bytes per second over the last few seconds; 0 while unknown. */
  speed: number;
  /** Seconds left at that speed; undefined while unknown. */
  etaSeconds: number | undefined;
  finished: boolean;
}

/** How far back the speed looks: long enough to be steady, short enough to follow changes. */
const SPEED_WINDOW_MS = 5_000;

/**
 * The upload queue as plain state, with no browser or React in it: which files wait, which run
 * (at most `concurrency` at once), how far each got, and the totals with speed and time left.
 */
export class UploadQueue {
  private items: UploadItem[] = [];
  private files = new Map<number, File>();
  private nextId = 1;
  private samples: { at: number; loaded: number }[] = [];

  constructor(readonly concurrency = 3) {}

  add(parentId: string, picked: PickedFile[], options: EnqueueOptions = {}): UploadItem[] {
    const added = picked.map((p) => {
      const item: UploadItem = { id: this.nextId++, parentId, relativePath: p.relativePath, size: p.file.size, overwrite: options.overwrite ?? false, status: 'queued', loaded: 0 };
      this.files.set(item.id, p.file);
      return item;
    });
    this.items = [...this.items, ...added];
    return added;
  }

  list(): readonly UploadItem[] {
    return this.items;
  }

  file(id: number): File | undefined {
    return this.files.get(id);
  }

  /** Queued items to start now so that at most `concurrency` run; marks them uploading. */
  startable(): UploadItem[] {
    const running = this.items.filter((i) => i.status === 'uploading').length;
    const room = Math.max(0, this.concurrency - running);
    const next = this.items.filter((i) => i.status === 'queued').slice(0, room);
    for (const item of next) this.update(item.id, { status: 'uploading', loaded: 0, error: undefined });
    return next.map((i) => this.get(i.id)!);
  }

  progress(id: number, loaded: number, now = Date.now()): void {
    const item = this.get(id);
    if (item?.status !== 'uploading') return;
    const next = Math.min(loaded, item.size);
    this.received += Math.max(0, next - item.loaded);
    this.update(id, { loaded: next });
    this.sample(now);
  }

  complete(id: number, now = Date.now()): void {
    const item = this.get(id);
    if (item?.status !== 'uploading') return;
    this.received += item.size - item.loaded;
    this.update(id, { status: 'done', loaded: item.size });
    this.files.delete(id);
    this.sample(now);
  }

  fail(id: number, message: string): void {
    const item = this.get(id);
    if (item?.status !== 'uploading' && item?.status !== 'queued') return;
    this.update(id, { status: 'failed', loaded: 0, error: message });
  }

  /** Stops one upload; true when it was running (the caller aborts its request). */
  cancel(id: number): boolean {
    const item = this.get(id);
    if (!item || (item.status !== 'queued' && item.status !== 'uploading')) return false;
    this.update(id, { status: 'cancelled', loaded: 0 });
    this.files.delete(id);
    return item.status === 'uploading';
  }

  /** Cancels everything not finished; returns the ids that were running. */
  cancelAll(): number[] {
    const running = this.items.filter((i) => i.status === 'uploading').map((i) => i.id);
    for (const item of this.items) if (item.status === 'queued' || item.status === 'uploading') this.cancel(item.id);
    return running;
  }

  retry(id: number): void {
    const item = this.get(id);
    if (item?.status === 'failed' && this.files.has(id)) this.update(id, { status: 'queued', loaded: 0, error: undefined });
  }

  /** Forgets finished rows (done, cancelled), keeping failures to retry and running ones. */
  clearFinished(): void {
    this.items = this.items.filter((i) => i.status !== 'done' && i.status !== 'cancelled');
    for (const id of [...this.files.keys()]) if (!this.items.some((i) => i.id === id)) this.files.delete(id);
    if (this.items.length === 0) this.samples = [];
  }

  totals(now = Date.now()): UploadTotals {
    let bytes = 0;
    let loaded = 0;
    const count = { done: 0, failed: 0, cancelled: 0, uploading: 0, queued: 0 };
    for (const i of this.items) {
      count[i.status]++;
      if (i.status === 'cancelled' || i.status === 'failed') continue;
      bytes += i.size;
      loaded += i.loaded;
    }
    const finished = count.uploading === 0 && count.queued === 0;
    const speed = finished ? 0 : this.speed(now);
    const left = bytes - loaded;
    return {
      files: this.items.length,
      done: count.done,
      failed: count.failed,
      cancelled: count.cancelled,
      active: count.uploading,
      queued: count.queued,
      bytes,
      loaded,
      fraction: bytes === 0 ? (finished ? 1 : 0) : loaded / bytes,
      speed,
      etaSeconds: speed > 0 ? left / speed : undefined,
      finished,
    };
  }

  private speed(now: number): number {
    const recent = this.samples.filter((s) => now - s.at <= SPEED_WINDOW_MS);
    if (recent.length < 2) return 0;
    const first = recent[0]!;
    const last = recent[recent.length - 1]!;
    const ms = Math.max(now - first.at, last.at - first.at);
    return ms > 0 ? ((last.loaded - first.loaded) * 1000) / ms : 0;
  }

  /** Records the bytes sent so far; only ever grows, so cancelled or failed files do not skew the speed. */
  private sample(now: number): void {
    this.samples.push({ at: now, loaded: this.received });
    this.samples = this.samples.filter((s) => now - s.at <= SPEED_WINDOW_MS * 2);
  }

  private received = 0;

  private get(id: number): UploadItem | undefined {
    return this.items.find((i) => i.id === id);
  }

  private update(id: number, patch: Partial<UploadItem>): void {
    this.items = this.items.map((i) => (i.id === id ? { ...i, ...patch } : i));
  }
}
