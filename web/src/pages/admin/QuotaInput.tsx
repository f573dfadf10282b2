import { useId } from 'react';
import { QUOTA_UNITS, type QuotaState, type QuotaUnit } from './quota';

interface QuotaInputProps {
  value: QuotaState;
  onChange: (next: QuotaState) => void;
  /** Shown under the control and tied to it for screen readers. */
  hint?: string;
  error?: string | null;
}

/** A storage quota: an amount with its unit, or unlimited. */
export function QuotaInput({ value, onChange, hint, error }: QuotaInputProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field quota-input">
      <label htmlFor={`${id}-amount`}>
        <span className="quota-input-label">Quota</span>
      </label>
      <div className="quota-input-row">
        <input
          id={`${id}-amount`}
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          value={value.unlimited ? '' : value.amount}
          disabled={value.unlimited}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange({ ...value, amount: e.target.value })}
        />
        <select aria-label="Quota unit" value={value.unit} disabled={value.unlimited} onChange={(e) => onChange({ ...value, unit: e.target.value as QuotaUnit })}>
          {Object.keys(QUOTA_UNITS).map((unit) => (
            <option key={unit} value={unit}>
              {unit}
            </option>
          ))}
        </select>
        <label className="quota-input-unlimited">
          <input type="checkbox" checked={value.unlimited} onChange={(e) => onChange({ ...value, unlimited: e.target.checked })} />
          Unlimited
        </label>
      </div>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={errorId} className="quota-input-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
