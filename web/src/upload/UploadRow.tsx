import { Ban, CircleAlert, CircleCheck, CircleHelp, Clock, LoaderCircle, RotateCcw, SkipForward, X } from 'lucide-react';
import { memo } from 'react';
import { ProgressBar } from '../ui/ProgressBar';
import type { UploadItem, UploadStatus } from './queue';
import { rowStatus, storedPath } from './summary';

const ICONS: Record<UploadStatus, typeof Clock> = {
  queued: Clock,
  uploading: LoaderCircle,
  done: CircleCheck,
  failed: CircleAlert,
  cancelled: Ban,
  conflict: CircleHelp,
  skipped: SkipForward,
};

interface UploadRowProps {
  item: UploadItem;
  onCancel: (id: number) => void;
  onRetry: (id: number) => void;
}

/** One file of the queue. Memoised: items are replaced only when they change, so idle rows skip redraws. */
export const UploadRow = memo(function UploadRow({ item, onCancel, onRetry }: UploadRowProps) {
  // What was really stored: the free name the server chose when it kept both.
  const name = storedPath(item);
  const Icon = ICONS[item.status];
  const active = item.status === 'uploading' || item.status === 'queued' || item.status === 'conflict';
  return (
    <li className={`upload-row upload-${item.status}`}>
      <Icon aria-hidden size={16} className={item.status === 'uploading' ? 'upload-row-icon spin' : 'upload-row-icon'} />
      <div className="upload-row-main">
        <span className="upload-name" title={name}>
          {name}
        </span>
        <span className={item.status === 'failed' ? 'upload-status upload-error' : 'upload-status'}>{rowStatus(item)}</span>
        {item.status === 'uploading' ? <ProgressBar value={item.size ? item.loaded / item.size : 0} label={`Progress of ${name}`} /> : null}
      </div>
      {item.status === 'failed' ? (
        <button type="button" className="icon-button" aria-label={`Retry ${name}`} title="Retry" onClick={() => onRetry(item.id)}>
          <RotateCcw aria-hidden size={16} />
        </button>
      ) : null}
      {active ? (
        <button type="button" className="icon-button" aria-label={`Cancel upload of ${name}`} title="Cancel" onClick={() => onCancel(item.id)}>
          <X aria-hidden size={16} />
        </button>
      ) : null}
    </li>
  );
});
