import { useMutation } from '@tanstack/react-query';
import { AlertTriangle } from 'lucide-react';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/errors';
import { Modal } from '../../ui/Modal';

interface NameDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  label: string;
  initial: string;
  confirmLabel: string;
  busyLabel: string;
  /** Selects the name without its extension, so typing replaces "report" but keeps ".pdf". */
  selectBaseName?: boolean;
  /** Sends the name; a rejection keeps the dialog open with the server's reason. */
  onSubmit: (name: string) => Promise<unknown>;
}

/** Asks for one name (rename, new folder); shows why the server refused it, such as a name already taken. */
export function NameDialog(props: NameDialogProps) {
  const { open, onOpenChange, title, description } = props;
  const formId = useId();
  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      title={title}
      description={description}
      footer={
        <>
          <button type="button" className="button" onClick={() => onOpenChange(false)}>
            Cancel
          </button>
          <SubmitButton formId={formId} {...props} />
        </>
      }
    >
      {open ? <NameForm formId={formId} {...props} /> : null}
    </Modal>
  );
}

// The footer sits outside the form; the button reaches it through the form attribute.
function SubmitButton({ formId, confirmLabel }: { formId: string; confirmLabel: string }) {
  return (
    <button type="submit" form={formId} className="button button-primary">
      {confirmLabel}
    </button>
  );
}

function NameForm({ formId, label, initial, busyLabel, selectBaseName, onSubmit, onOpenChange }: NameDialogProps & { formId: string }) {
  const [name, setName] = useState(initial);
  const inputRef = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const submit = useMutation({ mutationFn: onSubmit, onSuccess: () => onOpenChange(false) });

  useEffect(() => {
    const input = inputRef.current;
    if (!input) return;
    const dot = initial.lastIndexOf('.');
    input.focus();
    input.setSelectionRange(0, selectBaseName && dot > 0 ? dot : initial.length);
  }, [initial, selectBaseName]);

  const onFormSubmit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || submit.isPending) return;
    if (trimmed === initial) {
      onOpenChange(false);
      return;
    }
    submit.mutate(trimmed);
  };

  const invalid = submit.isError;
  return (
    <form id={formId} onSubmit={onFormSubmit} noValidate>
      <label className="field">
        <span>{label}</span>
        <input
          ref={inputRef}
          type="text"
          value={name}
          required
          maxLength={255}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? errorId : undefined}
          onChange={(e) => {
            setName(e.target.value);
            if (submit.isError) submit.reset();
          }}
        />
      </label>
      {submit.isError ? (
        <p id={errorId} className="notice notice-error" role="alert">
          <AlertTriangle aria-hidden size={18} />
          <span>{errorMessage(submit.error)}</span>
        </p>
      ) : null}
      <p className="sr-only" aria-live="polite">
        {submit.isPending ? busyLabel : ''}
      </p>
    </form>
  );
}
