interface ProgressBarProps {
  /** 0..1, or undefined while unknown. */
  value: number | undefined;
  label: string;
  tone?: 'normal' | 'warning' | 'danger' | 'success';
}

export function ProgressBar({ value, label, tone = 'normal' }: ProgressBarProps) {
  const pct = value === undefined ? undefined : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className={`progress progress-${tone}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className="progress-fill" style={{ width: `${pct ?? 0}%` }} />
    </div>
  );
}
