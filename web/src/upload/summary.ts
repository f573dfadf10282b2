import { formatBytes, formatDuration, formatSpeed } from '../ui/format';
import type { UploadState } from './manager';
import type { UploadItem, UploadStatus, UploadTotals } from './queue';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The panel's headline: "Uploading 12 of 50 files · 45 % · 12.5 MB/s · 1 min 3 s left", or how it ended. */
export function summary(t: UploadTotals): string {
  if (t.files === 0) return '';
  if (t.finished) {
    // "2 uploads failed" rather than "0 uploads complete · 2 failed".
    const parts = (
      [
        [t.done, 'complete'],
        [t.failed, 'failed'],
        [t.cancelled, 'cancelled'],
        [t.skipped, 'skipped'],
      ] as const
    ).filter(([n]) => n > 0);
    return parts.map(([n, what], i) => (i === 0 ? `${plural(n, 'upload', 'uploads')} ${what}` : `${n} ${what}`)).join(' · ');
  }
  if (t.active + t.queued === 0) {
    // Only questions about taken names hold the batch up.
    const parts = [`${plural(t.waiting, 'file', 'files')} waiting for your choice`];
    if (t.done) parts.push(`${t.done} uploaded`);
    if (t.failed) parts.push(`${t.failed} failed`);
    return parts.join(' · ');
  }
  const wanted = t.files - t.cancelled - t.failed - t.skipped;
  const parts = [`Uploading ${Math.min(t.done + t.active, wanted)} of ${plural(wanted, 'file', 'files')}`, `${Math.floor(t.fraction * 100)} %`];
  if (t.speed > 0) parts.push(formatSpeed(t.speed));
  if (t.etaSeconds !== undefined) parts.push(`${formatDuration(t.etaSeconds)} left`);
  if (t.failed) parts.push(`${t.failed} failed`);
  if (t.waiting) parts.push(`${t.waiting} waiting for your choice`);
  return parts.join(' · ');
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The server gave the file another name than the one picked: it kept both. */
export function wasRenamed(item: UploadItem): boolean {
  return item.storedName !== undefined && item.storedName !== baseName(item.relativePath).normalize('NFC');
}

/** The row tells how a taken name was dealt with: stored under a free name, as a new version by choice, or skipped. */
export function settledTakenName(item: UploadItem): boolean {
  return wasRenamed(item) || item.status === 'skipped' || (item.status === 'done' && item.decision !== undefined);
}

/** A row's name: where the file really went ("album/a (1).txt" when the server kept both). */
export function storedPath(item: UploadItem): string {
  if (!wasRenamed(item)) return item.relativePath;
  return item.relativePath.slice(0, item.relativePath.lastIndexOf('/') + 1) + item.storedName!;
}

/** The second line of a row. */
export function rowStatus(item: UploadItem): string {
  switch (item.status) {
    case 'queued':
      return `Waiting · ${formatBytes(item.size)}`;
    case 'uploading':
      return `${formatBytes(item.loaded)} of ${formatBytes(item.size)}`;
    case 'done':
      if (item.replaced) return `New version · ${formatBytes(item.size)}`;
      if (wasRenamed(item)) return `Uploaded · ${formatBytes(item.size)} · kept both, “${baseName(item.relativePath)}” stays`;
      return `Uploaded · ${formatBytes(item.size)}`;
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return item.error ?? 'Failed';
    case 'conflict':
      return `${item.conflict?.reason ?? (item.conflict?.existing === 'folder' ? 'A folder of this name is already there' : 'Already exists')} · waiting for your choice`;
    case 'skipped':
      return 'Skipped · not uploaded';
  }
}

const ORDER: Record<UploadStatus, number> = { conflict: 0, failed: 1, uploading: 2, queued: 3, done: 4, skipped: 5, cancelled: 6 };

/**
 * The rows worth drawing: failures first (they need someone), then running, waiting and finished
 * ones, at most `max` of them; `hidden` counts the rest so a 5,000-file batch stays light.
 */
export function visibleRows(items: readonly UploadItem[], max: number): { rows: UploadItem[]; hidden: number } {
  const buckets: UploadItem[][] = Object.values(ORDER).map(() => []);
  for (const item of items) {
    const bucket = buckets[ORDER[item.status]]!;
    if (bucket.length < max) bucket.push(item);
  }
  const rows = buckets.flat().slice(0, max);
  return { rows, hidden: items.length - rows.length };
}

/** What to say aloud after a change: a batch starting, files failing, a batch ending; '' for nothing. */
export function announcement(before: UploadState, after: UploadState): string {
  const [was, now] = [before.totals, after.totals];
  if (now.files === 0) return '';
  if (!was.finished && now.finished) return summary(now);
  if (was.finished && !now.finished) return `Uploading ${plural(now.active + now.queued, 'file', 'files')}`;
  if (now.failed <= was.failed) return '';
  const failedBefore = new Set(before.items.filter((i) => i.status === 'failed').map((i) => i.id));
  const fresh = after.items.filter((i) => i.status === 'failed' && !failedBefore.has(i.id));
  if (fresh.length > 1) return `${fresh.length} uploads failed`;
  if (fresh.length === 1) return `${fresh[0]!.relativePath} failed: ${fresh[0]!.error ?? 'no reason given'}`;
  return '';
}
