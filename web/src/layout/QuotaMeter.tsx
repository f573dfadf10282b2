import type { Usage } from '../api/types';
import { formatBytes } from '../ui/format';
import { ProgressBar } from '../ui/ProgressBar';

/** Used of allowed storage; "compact" for the header, full with the breakdown elsewhere. */
export function QuotaMeter({ usage, compact = false }: { usage: Usage; compact?: boolean }) {
  const ratio = usage.quota ? usage.used / usage.quota : undefined;
  const tone = ratio === undefined ? 'normal' : ratio >= 1 ? 'danger' : ratio >= 0.9 ? 'warning' : 'normal';
  const text = usage.quota === null ? `${formatBytes(usage.used)} used` : `${formatBytes(usage.used)} of ${formatBytes(usage.quota)}`;
  if (compact) {
    return (
      <div className="quota-compact" title={text}>
        <span className="quota-text">{text}</span>
        {ratio !== undefined ? <ProgressBar value={ratio} label="Storage used" tone={tone} /> : null}
      </div>
    );
  }
  return (
    <div className="quota-full">
      <p className="quota-headline">
        <strong>{formatBytes(usage.used)}</strong> used{usage.quota === null ? ' (no limit)' : ` of ${formatBytes(usage.quota)}`}
        {usage.available !== null ? ` · ${formatBytes(usage.available)} free` : ''}
      </p>
      {usage.quota !== null ? (
        <div className="quota-stack" role="img" aria-label={`Files ${formatBytes(usage.files)}, trash ${formatBytes(usage.trash)}, old versions ${formatBytes(usage.versions)}`}>
          <span className="quota-seg seg-files" style={{ width: `${(usage.files / Math.max(usage.quota, 1)) * 100}%` }} />
          <span className="quota-seg seg-trash" style={{ width: `${(usage.trash / Math.max(usage.quota, 1)) * 100}%` }} />
          <span className="quota-seg seg-versions" style={{ width: `${(usage.versions / Math.max(usage.quota, 1)) * 100}%` }} />
        </div>
      ) : null}
      <ul className="quota-legend">
        <li>
          <span className="swatch seg-files" aria-hidden /> Files {formatBytes(usage.files)}
        </li>
        <li>
          <span className="swatch seg-trash" aria-hidden /> Trash {formatBytes(usage.trash)}
        </li>
        <li>
          <span className="swatch seg-versions" aria-hidden /> Old versions {formatBytes(usage.versions)}
        </li>
      </ul>
    </div>
  );
}
