import type { ConflictChoice, EnqueueOptions, PickedFile } from './types';

/** `conflict`: a file of that name is already there and the person has not said what to do; `skipped`: they chose not to upload it. */
export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled' | 'conflict' | 'skipped';

/** Why an upload waits for a decision. */
export interface UploadConflict {
  /** What is there already; unknown when the server refused without saying. */
  existing?: 'file' | 'folder';
  /** False when replacing cannot work: a folder is there, or the server just refused the replace. */
  canReplace: boolean;
  /** The server's words, when it refused the upload. */
  reason?: string;
}

export interface UploadItem {
  readonly id: number;
  readonly parentId: string;
  readonly relativePath: string;
  readonly size: number;
  readonly overwrite: boolean;
  readonly status: UploadStatus;
  /** Where it goes, for people ("Photos"); missing when the caller did not say. */
  readonly folderName?: string;
  /** Set while status is `conflict`. */
  readonly conflict?: UploadConflict;
  /** What the person chose when the name was taken. */
  readonly decision?: Exclude<ConflictChoice, 'skip'>;
  /** The name the server stored the file under (another one when it kept both). */
  readonly storedName?: string;
  /** The file existed and got a new version. */
  readonly replaced?: boolean;
  /** Bytes the server has received so far. */
  readonly loaded: number;
  /** Why it failed, in words for its row. */
  readonly error?: string;
}

export interface UploadTotals {
  files: number;
  done: number;
  failed: number;
  cancelled: number;
  active: number;
  queued: number;
  /** Waiting for a decision because the name is taken. */
  waiting: number;
  skipped: number;
  /** Bytes of every file neither cancelled, failed nor skipped, and how many of them have arrived. */
  bytes: number;
  loaded: number;
  /** 0..1 over those bytes; 1 when nothing is left to do. */
  fraction: number;
  /** Bytes per second over the last few seconds; 0 while unknown. */
  speed: number;
  /** Seconds left at that speed; undefined while unknown. */
  etaSeconds: number | undefined;
  /** Nothing queued, running or waiting for a decision (an empty queue is finished). */
  finished: boolean;
}

/** How far back the speed looks: long enough to be steady, short enough to follow changes. */
export const SPEED_WINDOW_MS = 5_000;
/** Progress events arrive many times a second per request; a few samples a second are plenty. */
const SAMPLE_EVERY_MS = 100;

interface Sample {
  at: number;
  sent: number;
}

/**
 * The upload queue as plain state, with no browser or React in it: which files wait, which run
 * (at most `concurrency` at once), how far each got, and the totals with speed and time left.
 *
 * Items are immutable objects replaced on change, so a view can skip rows whose object is the
 * same; the list itself is copied only when someone asks for it after a change, because progress
 * events come far more often than anyone draws them and a batch can hold thousands of files.
 */
export class UploadQueue {
  private items: UploadItem[] = [];
  private readonly index = new Map<number, number>();
  private readonly files = new Map<number, File>();
  private snapshot: readonly UploadItem[] = [];
  private dirty = false;
  private nextId = 1;
  /** No queued item sits before this position. */
  private cursor = 0;
  private readonly count: Record<UploadStatus, number> = { queued: 0, uploading: 0, done: 0, failed: 0, cancelled: 0, conflict: 0, skipped: 0 };
  /** Every byte sent since the queue was made; only grows, so cancelled or failed files never make the speed negative. */
  private sent = 0;
  private samples: Sample[] = [];

  constructor(readonly concurrency = 3) {}

  /** Queues files; those named in `options.conflicts` wait for a decision instead. */
  add(parentId: string, picked: readonly PickedFile[], options: EnqueueOptions = {}): UploadItem[] {
    const overwrite = options.overwrite ?? false;
    const added = picked.map((p) => {
      const existing = overwrite ? undefined : options.conflicts?.get(p.relativePath);
      const base = { id: this.nextId++, parentId, relativePath: p.relativePath, size: p.file.size, overwrite, loaded: 0, folderName: options.folderName };
      const item: UploadItem = existing ? { ...base, status: 'conflict', conflict: { existing, canReplace: existing === 'file' } } : { ...base, status: 'queued' };
      this.files.set(item.id, p.file);
      this.index.set(item.id, this.items.length);
      this.items.push(item);
      this.count[item.status]++;
      return item;
    });
    if (added.length) this.dirty = true;
    return added;
  }

  list(): readonly UploadItem[] {
    if (this.dirty) {
      this.snapshot = [...this.items];
      this.dirty = false;
    }
    return this.snapshot;
  }

  get(id: number): UploadItem | undefined {
    const at = this.index.get(id);
    return at === undefined ? undefined : this.items[at];
  }

  /** The file to send for an item; kept while the item may still be sent (queued, running, failed). */
  file(id: number): File | undefined {
    return this.files.get(id);
  }

  /** Nothing queued or running (some may still wait for a decision). */
  idle(): boolean {
    return this.count.queued === 0 && this.count.uploading === 0;
  }

  /** Queued items to start now so that at most `concurrency` run; marks them uploading. */
  startable(): UploadItem[] {
    const started: UploadItem[] = [];
    // Everything before the cursor has left the queue; thousands of finished rows are not rescanned.
    while (this.cursor < this.items.length && this.items[this.cursor]!.status !== 'queued') this.cursor++;
    for (let at = this.cursor; at < this.items.length; at++) {
      if (this.count.uploading >= this.concurrency || this.count.queued === 0) break;
      const item = this.items[at]!;
      if (item.status === 'queued') started.push(this.set(item.id, { status: 'uploading', loaded: 0, error: undefined }));
    }
    return started;
  }

  progress(id: number, loaded: number, now = Date.now()): void {
    const item = this.get(id);
    if (item?.status !== 'uploading') return;
    const next = Math.max(0, Math.min(loaded, item.size));
    // A resend after a renewed session starts from zero again; those bytes still crossed the wire.
    this.sent += Math.max(0, next - item.loaded);
    this.set(id, { loaded: next });
    this.sample(now);
  }

  /** The server stored it: under `storedName`, and as a new version of an existing file when `replaced`. */
  complete(id: number, now = Date.now(), stored: { storedName?: string; replaced?: boolean } = {}): void {
    const item = this.get(id);
    if (item?.status !== 'uploading') return;
    // Small files finish before any progress event: count their bytes now.
    this.sent += item.size - item.loaded;
    this.set(id, { status: 'done', loaded: item.size, storedName: stored.storedName, replaced: stored.replaced });
    this.files.delete(id);
    this.sample(now, true);
  }

  fail(id: number, message: string): void {
    const item = this.get(id);
    if (item?.status !== 'uploading' && item?.status !== 'queued') return;
    this.set(id, { status: 'failed', loaded: 0, error: message });
  }

  /** The name turned out to be taken while it ran (the server refused it): it waits for a decision again. */
  ask(id: number, conflict: UploadConflict): boolean {
    const item = this.get(id);
    if (item?.status !== 'uploading') return false;
    this.set(id, { status: 'conflict', loaded: 0, conflict });
    return true;
  }

  /**
   * Carries out a decision about a taken name: `replace` sends it as a new version of the file
   * there, `keep` sends it for the server to give a free name, `skip` leaves it out. False when
   * the item is not waiting, or replacing cannot work for it.
   */
  resolve(id: number, choice: ConflictChoice): boolean {
    const item = this.get(id);
    if (item?.status !== 'conflict') return false;
    if (choice === 'skip') {
      this.set(id, { status: 'skipped', conflict: undefined });
      this.files.delete(id);
      return true;
    }
    if (choice === 'replace' && !item.conflict?.canReplace) return false;
    this.set(id, { status: 'queued', conflict: undefined, decision: choice, overwrite: choice === 'replace' });
    this.cursor = Math.min(this.cursor, this.index.get(id)!);
    return true;
  }

  /** The first upload waiting for a decision, in the order they were queued. */
  firstConflict(): UploadItem | undefined {
    return this.count.conflict > 0 ? this.items.find((i) => i.status === 'conflict') : undefined;
  }

  /** Ids of every upload waiting for a decision. */
  conflicts(): number[] {
    return this.count.conflict > 0 ? this.items.filter((i) => i.status === 'conflict').map((i) => i.id) : [];
  }

  /** Stops one upload; true when it was running, so the caller aborts its request. */
  cancel(id: number): boolean {
    const item = this.get(id);
    if (item?.status !== 'queued' && item?.status !== 'uploading' && item?.status !== 'conflict') return false;
    this.set(id, { status: 'cancelled', loaded: 0, conflict: undefined });
    this.files.delete(id);
    return item.status === 'uploading';
  }

  /** Cancels everything not finished; returns the ids that were running. */
  cancelAll(): number[] {
    const running: number[] = [];
    for (const item of this.items) if (this.cancel(item.id)) running.push(item.id);
    return running;
  }

  /** Puts a failed upload back in the queue; false when it cannot be sent again. */
  retry(id: number): boolean {
    const item = this.get(id);
    if (item?.status !== 'failed' || !this.files.has(id)) return false;
    this.set(id, { status: 'queued', loaded: 0, error: undefined });
    this.cursor = Math.min(this.cursor, this.index.get(id)!);
    return true;
  }

  /** Queues every failed upload again; returns how many. */
  retryFailed(): number {
    let count = 0;
    for (const item of this.items) if (item.status === 'failed' && this.retry(item.id)) count++;
    return count;
  }

  /** Forgets finished rows (done, cancelled, skipped), keeping failures to retry and everything still to do. */
  clearFinished(): void {
    this.keep((i) => i.status !== 'done' && i.status !== 'cancelled' && i.status !== 'skipped');
  }

  /** Forgets failed rows and their files. */
  clearFailed(): void {
    this.keep((i) => i.status !== 'failed');
  }

  /** Cancels and forgets everything (someone signed out); returns the ids that were running. */
  reset(): number[] {
    const running = this.cancelAll();
    this.keep(() => false);
    return running;
  }

  /** Forgets every row once nothing runs (closing the panel); false while uploads are under way. */
  clearAll(): boolean {
    if (this.items.some((i) => i.status === 'queued' || i.status === 'uploading' || i.status === 'conflict')) return false;
    this.items = [];
    this.files.clear();
    this.samples = [];
    return true;
  }

  totals(now = Date.now()): UploadTotals {
    let bytes = 0;
    let loaded = 0;
    const count = this.count;
    for (const i of this.items) {
      if (i.status === 'cancelled' || i.status === 'failed' || i.status === 'skipped') continue;
      bytes += i.size;
      loaded += i.loaded;
    }
    const finished = count.uploading === 0 && count.queued === 0 && count.conflict === 0;
    const speed = finished ? 0 : this.speed(now);
    return {
      files: this.items.length,
      done: count.done,
      failed: count.failed,
      cancelled: count.cancelled,
      active: count.uploading,
      queued: count.queued,
      waiting: count.conflict,
      skipped: count.skipped,
      bytes,
      loaded,
      fraction: bytes === 0 ? (finished ? 1 : 0) : loaded / bytes,
      speed,
      etaSeconds: speed > 0 ? (bytes - loaded) / speed : undefined,
      finished,
    };
  }

  /** Bytes per second: what was sent during the window, over the time since its first sample. */
  private speed(now: number): number {
    const recent = this.samples.filter((s) => now - s.at <= SPEED_WINDOW_MS);
    if (recent.length < 2) return 0;
    const first = recent[0]!;
    const last = recent[recent.length - 1]!;
    // Measured up to now, not to the last sample, so a stalled upload shows its speed falling.
    const ms = now - first.at;
    return ms > 0 ? ((last.sent - first.sent) * 1000) / ms : 0;
  }

  private sample(now: number, force = false): void {
    const last = this.samples[this.samples.length - 1];
    if (last && !force && now - last.at < SAMPLE_EVERY_MS) {
      last.sent = this.sent;
      return;
    }
    this.samples.push({ at: now, sent: this.sent });
    const oldest = now - SPEED_WINDOW_MS;
    while (this.samples.length > 2 && this.samples[1]!.at < oldest) this.samples.shift();
  }

  private keep(predicate: (item: UploadItem) => boolean): void {
    const kept = this.items.filter(predicate);
    if (kept.length === this.items.length) return;
    for (const item of this.items) if (!predicate(item)) this.files.delete(item.id);
    this.items = kept;
    this.cursor = 0;
    this.index.clear();
    for (const status of Object.keys(this.count) as UploadStatus[]) this.count[status] = 0;
    kept.forEach((item, at) => {
      this.index.set(item.id, at);
      this.count[item.status]++;
    });
    this.dirty = true;
    if (kept.length === 0) this.samples = [];
  }

  private set(id: number, patch: Partial<Omit<UploadItem, 'id'>>): UploadItem {
    const at = this.index.get(id)!;
    const before = this.items[at]!;
    const after: UploadItem = { ...before, ...patch };
    this.count[before.status]--;
    this.count[after.status]++;
    this.items[at] = after;
    this.dirty = true;
    return after;
  }
}
