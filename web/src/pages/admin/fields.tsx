import { useId, type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes } from 'react';
import { Field } from '../../ui/Field';

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange' | 'value'> {
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | null;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled input with its hint and its own error underneath, both read out with it. */
export function TextField({ label, value, onValueChange, hint, error, ...input }: TextFieldProps) {
  return (
    <Field label={label} hint={hint} error={error} labelClassName="admin-label" errorClassName="admin-field-error">
      {({ id, describedBy, invalid }) => <input id={id} value={value} onChange={(e) => onValueChange(e.target.value)} aria-invalid={invalid} aria-describedby={describedBy} {...input} />}
    </Field>
  );
}

interface SelectFieldProps<T extends string> extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'onChange' | 'value'> {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onValueChange: (value: T) => void;
  /** Changes with the choice (a warning about it), so it is announced as it appears. */
  hint?: ReactNode;
}

export function SelectField<T extends string>({ label, value, options, onValueChange, hint, ...select }: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className="admin-label">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onValueChange(e.target.value as T)} aria-describedby={hint ? `${id}-hint` : undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {/* Always present, so a warning that appears after a change is announced. */}
      <span id={`${id}-hint`} className="hint" aria-live="polite">
        {hint}
      </span>
    </div>
  );
}
