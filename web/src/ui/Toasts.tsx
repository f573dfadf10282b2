import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { X } from 'lucide-react';

export type ToastTone = 'info' | 'success' | 'error';

interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
}

interface ToastOptions {
  /** Stays until dismissed (by the code that showed it, or by the person): for work still under way. */
  persist?: boolean;
}

interface ToastApi {
  /** Shows a message; returns its id, for `dismiss`. */
  show: (message: string, tone?: ToastTone, options?: ToastOptions) => number;
  error: (message: string) => number;
  success: (message: string) => number;
  dismiss: (id: number) => void;
}

const ToastContext = createContext<ToastApi | null>(null);

/** Short messages after an action, announced to screen readers through a live region. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (message: string, tone: ToastTone = 'info', options: ToastOptions = {}) => {
      const id = next.current++;
      setToasts((all) => [...all.slice(-3), { id, tone, message }]);
      if (!options.persist) setTimeout(() => dismiss(id), tone === 'error' ? 10_000 : 5_000);
      return id;
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(() => ({ show, error: (m) => show(m, 'error'), success: (m) => show(m, 'success'), dismiss }), [show, dismiss]);
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : undefined}>
            <span>{t.message}</span>
            <button type="button" className="icon-button" aria-label="Dismiss message" onClick={() => dismiss(t.id)}>
              <X aria-hidden size={16} />
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToast outside ToastProvider');
  return ctx;
}
