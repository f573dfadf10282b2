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
      ] as const
    ).filter(([n]) => n > 0);
    return parts.map(([n, what], i) => (i === 0 ? `${plural(n, 'upload', 'uploads')} ${what}` : `${n} ${what}`)).join(' · ');
  }
  const wanted = t.files - t.cancelled - t.failed;
  const parts = [`Uploading ${Math.min(t.done + t.active, wanted)} of ${plural(wanted, 'file', 'files')}`, `${Math.floor(t.fraction * 100)} %`];
  if (t.speed > 0) parts.push(formatSpeed(t.speed));
  if (t.etaSeconds !== undefined) parts.push(`${formatDuration(t.etaSeconds)} left`);
  if (t.failed) parts.push(`${t.failed} failed`);
  return parts.join(' · ');
}

/** The second line of a row. */
export function rowStatus(item: UploadItem): string {
  switch (item.status) {
    case 'queued':
      return `Waiting · ${formatBytes(item.size)}`;
    case 'uploading':
      return `${formatBytes(item.loaded)} of ${formatBytes(item.size)}`;
    case 'done':
      return `Uploaded · ${formatBytes(item.size)}`;
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return item.error ?? 'Failed';
  }
}

const ORDER: Record<UploadStatus, number> = { failed: 0, uploading: 1, queued: 2, done: 3, cancelled: 4 };

/**
 * The rows worth drawing: failures first (they need someone), then running, waiting and finished
 * ones, at most `max` of them; `hidden` counts the rest so a 5,000-file batch stays light.
 */
export function visibleRows(items: readonly UploadItem[], max: number): { rows: UploadItem[]; hidden: number } {
  const buckets: UploadItem[][] = [[], [], [], [], []];
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
