import { ChevronDown, ChevronUp, X } from 'lucide-react';
import { Fragment, useCallback, useId, useRef, useState } from 'react';
import { ProgressBar } from '../ui/ProgressBar';
import { CancelAllDialog } from './CancelAllDialog';
import { ConflictDialog } from './ConflictDialog';
import type { UploadManager, UploadState } from './manager';
import type { UploadTotals } from './queue';
import { announcement, settledTakenName, summary, visibleRows } from './summary';
import { useUploads, useUploadState } from './UploadProvider';
import { UploadRow } from './UploadRow';

export { summary } from './summary';

/** Rows drawn at most: a 5,000-file folder must not put 5,000 rows in the page. */
export const MAX_ROWS = 200;

/**
 * Reacts to the edges of a batch: says batches starting, files failing and batches ending (not
 * every percent); folds the rows away after a clean finish so the panel stops covering the
 * files (failures, cancellations and what became of taken names stay in view), and opens them
 * again for a new batch.
 */
function useBatchEdges(state: UploadState) {
  const [seen, setSeen] = useState({ state, said: '' });
  const [open, setOpen] = useState(true);
  if (seen.state !== state) {
    const [was, now] = [seen.state.totals, state.totals];
    setSeen({ state, said: announcement(seen.state, state) || seen.said });
    if (!was.finished && now.finished && now.done === now.files && !state.items.some(settledTakenName)) setOpen(false);
    if (was.finished && !now.finished) setOpen(true);
  }
  return { said: seen.said, open, setOpen };
}

function PanelActions({ totals, uploads, onCancelAll, afterClear }: { totals: UploadTotals; uploads: UploadManager; onCancelAll: () => void; afterClear: () => void }) {
  return (
    <div className="button-row upload-actions">
      {totals.failed > 0 ? (
        <>
          <button type="button" className="button button-small" onClick={() => uploads.retryFailed()}>
            Retry failed
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              uploads.clearFailed();
              afterClear();
            }}
          >
            Dismiss failed
          </button>
        </>
      ) : null}
      {totals.done + totals.cancelled + totals.skipped > 0 ? (
        <button
          type="button"
          className="button button-small"
          onClick={() => {
            uploads.clearFinished();
            afterClear();
          }}
        >
          Clear finished
        </button>
      ) : null}
      {totals.finished ? null : (
        <button type="button" className="button button-small button-danger" onClick={onCancelAll}>
          Cancel all
        </button>
      )}
    </div>
  );
}

/** This tab's uploads, fixed at the bottom of every signed-in screen: totals, each file, cancel and retry. */
export function UploadPanel() {
  const uploads = useUploads();
  const state = useUploadState();
  const { items, totals } = state;
  const { said, open, setOpen } = useBatchEdges(state);
  const [confirming, setConfirming] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const bodyId = useId();

  // The button pressed vanishes with its row's change (or the whole panel with the last row):
  // keep the keyboard somewhere sensible instead of dropping it to the top of the page.
  const keepFocus = useCallback(() => {
    const { totals: now } = uploads.snapshot();
    if (now.files > 0) toggle.current?.focus();
    else document.getElementById('main')?.focus();
  }, [uploads]);
  const cancel = useCallback(
    (id: number) => {
      uploads.cancel(id);
      keepFocus();
    },
    [uploads, keepFocus],
  );
  const retry = useCallback(
    (id: number) => {
      uploads.retry(id);
      keepFocus();
    },
    [uploads, keepFocus],
  );
  const cancelAll = () => {
    uploads.cancelAll();
    keepFocus();
  };

  if (totals.files === 0) return null;
  const remaining = totals.active + totals.queued + totals.waiting;
  const { rows, hidden } = open ? visibleRows(items, MAX_ROWS) : { rows: [], hidden: 0 };
  const tone = !totals.finished ? 'normal' : totals.failed > 0 ? 'danger' : 'success';
  return (
    <section className="upload-panel" role="region" aria-label="Uploads">
      <div className="upload-head">
        <p className="upload-summary">
          {/* Each part kept whole, so a line never breaks between "16" and "s left". */}
          {summary(totals)
            .split(' · ')
            .map((part, i) => (
              <Fragment key={i}>
                {i > 0 ? ' · ' : null}
                <span>{part}</span>
              </Fragment>
            ))}
        </p>
        <button ref={toggle} type="button" className="icon-button" aria-expanded={open} aria-controls={bodyId} aria-label={open ? 'Hide uploads' : 'Show uploads'} onClick={() => setOpen(!open)}>
          {open ? <ChevronDown aria-hidden size={18} /> : <ChevronUp aria-hidden size={18} />}
        </button>
        {totals.finished ? (
          <button
            type="button"
            className="icon-button"
            aria-label="Close uploads"
            title="Close"
            onClick={() => {
              uploads.close();
              keepFocus();
            }}
          >
            <X aria-hidden size={18} />
          </button>
        ) : null}
      </div>
      <ProgressBar value={totals.fraction} label="Total upload progress" tone={tone} />
      <div className="sr-only" role="status" aria-live="polite">
        {said}
      </div>
      <div id={bodyId} className="upload-body" hidden={!open}>
        {open ? (
          <>
            {/* Focusable so keyboard users can scroll a long list that has no buttons left in it. */}
            <ul className="upload-list" aria-label="Upload list" tabIndex={0}>
              {rows.map((item) => (
                <UploadRow key={item.id} item={item} onCancel={cancel} onRetry={retry} />
              ))}
              {hidden > 0 ? <li className="upload-more muted">and {hidden.toLocaleString()} more</li> : null}
            </ul>
            <PanelActions totals={totals} uploads={uploads} onCancelAll={() => (remaining > 1 ? setConfirming(true) : cancelAll())} afterClear={keepFocus} />
          </>
        ) : null}
      </div>
      <ConflictDialog item={state.question} waiting={totals.waiting} onChoose={(id, choice, all) => uploads.resolve(id, choice, all)} />
      <CancelAllDialog
        open={confirming && remaining > 0}
        onOpenChange={setConfirming}
        remaining={remaining}
        onConfirm={() => {
          uploads.cancelAll();
          setConfirming(false);
          // The dialog hands focus back to "Cancel all", which is gone by then.
          setTimeout(keepFocus, 0);
        }}
      />
    </section>
  );
}
