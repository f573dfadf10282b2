import { useId, type ReactNode } from 'react';

interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  /** The label's class, "field-label" unless given. */
  labelClassName?: string;
  /** The error's class, "field-message-error" unless given. */
  errorClassName?: string;
  /** The control, given the id its label points at and what describes it. */
  children: (control: { id: string; describedBy: string | undefined; invalid: true | undefined }) => ReactNode;
}

/** A labelled control with its hint and its own error underneath, both read out with it. */
export function Field({ label, hint, error, labelClassName = 'field-label', errorClassName = 'field-message-error', children }: FieldProps) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id} className={labelClassName}>
        {label}
      </label>
      {children({ id, describedBy, invalid: error ? true : undefined })}
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className={errorClassName}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
