import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * What a dialog is open for (null while closed), giving keyboard focus back to the control that
 * opened it on close. Radix only does that for its own Dialog.Trigger, which these dialogs lack.
 */
export function useDialogTarget<T>(): [T | null, (target: T) => void, () => void] {
  const [target, setTarget] = useState<T | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const open = useCallback((next: T) => {
    const active = document.activeElement;
    opener.current = active instanceof HTMLElement && active !== document.body ? active : null;
    setTarget(next);
  }, []);
  const close = useCallback(() => setTarget(null), []);
  useEffect(() => {
    if (target !== null) return;
    const el = opener.current;
    opener.current = null;
    if (el?.isConnected) el.focus();
  }, [target]);
  return [target, open, close];
}
