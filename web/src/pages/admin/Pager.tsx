interface PagerProps {
  offset: number;
  pageSize: number;
  /** Rows on the current page. */
  shown: number;
  total: number;
  /** What the rows are, naming the pager for screen readers ("users", "events"). */
  noun: string;
  onOffsetChange: (offset: number) => void;
  busy?: boolean;
}

/** "1–25 of 130" with Previous / Next, for tables paged on the server. */
export function Pager({ offset, pageSize, shown, total, noun, onOffsetChange, busy }: PagerProps) {
  if (total === 0) return null;
  const first = offset + 1;
  const last = offset + shown;
  return (
    <nav className="pager" aria-label={`Pages of ${noun}`}>
      <p className="muted pager-range" aria-live="polite">
        {`${first.toLocaleString()}–${last.toLocaleString()} of ${total.toLocaleString()}`}
      </p>
      <button type="button" className="button button-small" disabled={offset === 0 || busy} onClick={() => onOffsetChange(Math.max(0, offset - pageSize))}>
        Previous
      </button>
      <button type="button" className="button button-small" disabled={last >= total || busy} onClick={() => onOffsetChange(offset + pageSize)}>
        Next
      </button>
    </nav>
  );
}
