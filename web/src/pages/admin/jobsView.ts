import type { JobCount, JobState } from '../../api/jobs-types';

/** The tab asks again this often while it is open (and the browser tab is visible). */
export const JOBS_REFRESH_MS = 5_000;
export const JOBS_PAGE_SIZE = 25;

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'failed', 'done', 'cancelled'];

export const STATE_LABEL: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Running',
  failed: 'Failed',
  done: 'Done',
  cancelled: 'Cancelled',
};

export const STATE_TONE: Record<JobState, string> = {
  queued: '',
  running: 'badge-accent',
  failed: 'badge-danger',
  done: 'badge-success',
  cancelled: '',
};

/** What the server's job kinds do, in words; a kind not listed here shows by its name alone. */
const KIND_DESCRIPTIONS: Record<string, string> = {
  'preview.generate': 'Make preview pictures of an image, video or PDF',
  'trash.purge': 'Delete trash past its retention',
  'folders.expire': 'Empty folders of items past their maximum age',
  'locks.purge': 'Drop expired WebDAV locks',
  'signed-urls.purge': 'Drop spent signed URLs',
  'uploads.purge': 'Remove unfinished uploads past their expiry, with their staged bytes',
  'upload.finalize': 'Finish a direct upload: assemble its parts, read them back for the SHA-256, store the file',
  'uploads.discard': 'Remove the staged bytes of unfinished uploads whose space or owner was deleted',
  'storage.check': 'Check storage and repair what it can (orphan bytes, quota counters)',
  'jobs.prune': 'Drop finished jobs kept long enough',
};

export function describeKind(kind: string): string | undefined {
  return KIND_DESCRIPTIONS[kind];
}

export interface KindCounts {
  kind: string;
  counts: Record<JobState, number>;
}

const zero = (): Record<JobState, number> => ({ queued: 0, running: 0, failed: 0, done: 0, cancelled: 0 });

/** The server's (kind, state, count) rows as one row per kind, by name, and the totals per state. */
export function countsByKind(rows: readonly JobCount[]): { kinds: KindCounts[]; totals: Record<JobState, number> } {
  const byKind = new Map<string, Record<JobState, number>>();
  const totals = zero();
  for (const row of rows) {
    let counts = byKind.get(row.kind);
    if (!counts) byKind.set(row.kind, (counts = zero()));
    counts[row.state] += row.count;
    totals[row.state] += row.count;
  }
  const kinds = [...byKind].map(([kind, counts]) => ({ kind, counts })).sort((a, b) => a.kind.localeCompare(b.kind));
  return { kinds, totals };
}

/** "every 10 min", "every 6 h", "every day". */
export function formatInterval(seconds: number): string {
  if (seconds > 0 && seconds % 86_400 === 0) return seconds === 86_400 ? 'every day' : `every ${seconds / 86_400} days`;
  if (seconds > 0 && seconds % 3600 === 0) return seconds === 3600 ? 'every hour' : `every ${seconds / 3600} h`;
  if (seconds > 0 && seconds % 60 === 0) return `every ${seconds / 60} min`;
  return `every ${seconds} s`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "in 5 minutes", "2 hours ago", "now". */
export function formatRelative(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  if (!Number.isFinite(diff)) return '—';
  if (Math.abs(diff) < 10_000) return 'now';
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') return relative.format(Math.round(diff / ms), unit);
  }
  return '—';
}
