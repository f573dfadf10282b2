import { ChevronDown, ChevronUp, RotateCcw, X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { formatBytes, formatDuration, formatSpeed } from '../ui/format';
import { ProgressBar } from '../ui/ProgressBar';
import type { UploadItem, UploadTotals } from './queue';
import { useUploads, useUploadState } from './UploadProvider';

/** Rows drawn at most: a 5,000-file folder must not put 5,000 rows in the page. */
const MAX_ROWS = 200;
const ORDER: Record<UploadItem['status'], number> = { failed: 0, uploading: 1, queued: 2, done: 3, cancelled: 4 };

export function summary(t: UploadTotals): string {
  if (t.files === 0) return '';
  if (t.finished) {
    const parts: string[] = [];
    if (t.done) parts.push(`${t.done} ${t.done === 1 ? 'upload' : 'uploads'} complete`);
    if (t.failed) parts.push(`${t.failed} failed`);
    if (t.cancelled) parts.push(`${t.cancelled} cancelled`);
    return parts.join(' · ');
  }
  const parts = [`Uploading ${t.done + t.active} of ${t.files - t.cancelled} files`, `${Math.floor(t.fraction * 100)} %`];
  if (t.speed > 0) parts.push(formatSpeed(t.speed));
  if (t.etaSeconds !== undefined) parts.push(`${formatDuration(t.etaSeconds)} left`);
  return parts.join(' · ');
}

function statusText(item: UploadItem): string {
  switch (item.status) {
    case 'queued':
      return 'Waiting';
    case 'uploading':
      return `${formatBytes(item.loaded)} of ${formatBytes(item.size)}`;
    case 'done':
      return `Done · ${formatBytes(item.size)}`;
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return item.error ?? 'Failed';
  }
}

function UploadRow({ item }: { item: UploadItem }) {
  const uploads = useUploads();
  const name = item.relativePath;
  return (
    <li className={`upload-row upload-${item.status}`}>
      <div className="upload-row-main">
        <span className="upload-name" title={name}>
          {name}
        </span>
        <span className={item.status === 'failed' ? 'upload-status upload-error' : 'upload-status'}>{statusText(item)}</span>
        {item.status === 'uploading' || item.status === 'queued' ? (
          <ProgressBar value={item.size ? item.loaded / item.size : undefined} label={`Progress of ${name}`} />
        ) : null}
      </div>
      {item.status === 'failed' ? (
        <button type="button" className="icon-button" aria-label={`Retry ${name}`} onClick={() => uploads.retry(item.id)}>
          <RotateCcw aria-hidden size={16} />
        </button>
      ) : null}
      {item.status === 'uploading' || item.status === 'queued' ? (
        <button type="button" className="icon-button" aria-label={`Cancel upload of ${name}`} onClick={() => uploads.cancel(item.id)}>
          <X aria-hidden size={16} />
        </button>
      ) : null}
    </li>
  );
}

/** The uploads of this tab: totals with speed and time left, each file's row, cancel and retry. */
export function UploadPanel() {
  const uploads = useUploads();
  const { items, totals } = useUploadState();
  const [open, setOpen] = useState(true);
  const [announcement, setAnnouncement] = useState('');
  const wasFinished = useRef(true);

  // Announce the start and end of a batch, not every percent.
  useEffect(() => {
    if (totals.files === 0) return;
    if (wasFinished.current && !totals.finished) setAnnouncement(`Uploading ${totals.files - totals.cancelled} files`);
    if (!wasFinished.current && totals.finished) {
      setAnnouncement(summary(totals));
      // A clean finish folds the rows away so the panel stops covering the files; failures stay open.
      if (totals.failed === 0) setOpen(false);
    }
    if (wasFinished.current && !totals.finished) setOpen(true);
    wasFinished.current = totals.finished;
  }, [totals]);

  if (totals.files === 0) return null;
  const rows = [...items].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.id - b.id);
  const shown = rows.slice(0, MAX_ROWS);
  const tone = totals.failed > 0 && totals.finished ? 'danger' : totals.finished ? 'success' : 'normal';
  return (
    <section className="upload-panel" role="region" aria-label="Uploads">
      <div className="upload-head">
        <p className="upload-summary">{summary(totals)}</p>
        <button type="button" className="icon-button" aria-expanded={open} aria-label={open ? 'Hide uploads' : 'Show uploads'} onClick={() => setOpen(!open)}>
          {open ? <ChevronDown aria-hidden size={18} /> : <ChevronUp aria-hidden size={18} />}
        </button>
        {totals.finished ? (
          <button type="button" className="icon-button" aria-label="Close uploads" onClick={() => uploads.clearAll()}>
            <X aria-hidden size={18} />
          </button>
        ) : null}
      </div>
      <ProgressBar value={totals.fraction} label="Total upload progress" tone={tone} />
      <div className="sr-only" aria-live="polite">
        {announcement}
      </div>
      {open ? (
        <>
          {/* Focusable, so keyboard users can scroll a long list. */}
          <ul className="upload-list" tabIndex={0} aria-label="Upload list">
            {shown.map((item) => (
              <UploadRow key={item.id} item={item} />
            ))}
            {rows.length > shown.length ? <li className="upload-more muted">and {rows.length - shown.length} more</li> : null}
          </ul>
          <div className="button-row upload-actions">
            {totals.finished ? null : (
              <button type="button" className="button button-small" onClick={() => uploads.cancelAll()}>
                Cancel all
              </button>
            )}
            {totals.done + totals.cancelled > 0 ? (
              <button type="button" className="button button-small" onClick={() => uploads.clearFinished()}>
                Clear finished
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  );
}
