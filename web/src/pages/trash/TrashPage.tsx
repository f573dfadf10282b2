import { useQuery } from '@tanstack/react-query';
import { Trash2 } from 'lucide-react';
import { useCallback, useRef, useState } from 'react';
import type { TrashItem } from '../../api/types';
import { useApi } from '../../app-context';
import { ACCOUNT_QUERY } from '../../auth/AuthProvider';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatBytes } from '../../ui/format';
import { DeleteForeverDialog, EmptyTrashDialog } from './TrashDialogs';
import { TrashTable } from './TrashTable';
import { plural, useTrashList } from './useTrash';

export function TrashPage() {
  const api = useApi();
  const { query, items, total, retentionDays } = useTrashList();
  // Shares the cache with the app shell, so the trash size is usually known at once.
  const account = useQuery({ queryKey: ACCOUNT_QUERY, queryFn: () => api.account() });
  const trashBytes = account.data?.usage.trash;
  const [purgeTarget, setPurgeTarget] = useState<TrashItem | null>(null);
  const [emptyOpen, setEmptyOpen] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // A row that disappears takes keyboard focus with it; bring focus back to the top of the page.
  const keepFocus = useCallback(() => {
    const active = document.activeElement;
    if (!active || active === document.body) headingRef.current?.focus();
  }, []);

  const hasItems = items.length > 0;
  return (
    <section aria-labelledby="trash-title">
      <div className="page-header">
        <div>
          <h1 id="trash-title" ref={headingRef} tabIndex={-1}>
            Trash
          </h1>
          {query.isSuccess ? (
            <p className="muted trash-summary">
              {hasItems ? plural(total, 'item') : 'No items'}
              {hasItems && trashBytes !== undefined ? ` · ${formatBytes(trashBytes)}` : ''}
              {retentionDays ? ` · Items are deleted for good ${retentionDays} days after they were moved here.` : ''}
            </p>
          ) : null}
        </div>
        <div className="button-row">
          <button type="button" className="button button-danger" disabled={!hasItems} onClick={() => setEmptyOpen(true)}>
            <Trash2 aria-hidden size={18} />
            Empty trash
          </button>
        </div>
      </div>

      {query.isPending ? <Spinner label="Loading the trash" /> : null}
      {query.isError && !query.data ? (
        <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
      ) : null}
      {query.isSuccess && !hasItems ? (
        <EmptyState icon={<Trash2 aria-hidden size={40} />} title="Trash is empty">
          Files and folders you delete stay here for a while, so you can restore them.
        </EmptyState>
      ) : null}

      {hasItems ? (
        <>
          <TrashTable items={items} onDeleteForever={setPurgeTarget} onItemGone={keepFocus} />
          <div className="pager">
            <p className="muted trash-count" aria-live="polite">
              Showing {items.length.toLocaleString()} of {plural(total, 'item')}
            </p>
            {query.hasNextPage ? (
              <button type="button" className="button" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
                {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            ) : null}
          </div>
          {query.isError ? <ErrorNotice error={query.error} /> : null}
        </>
      ) : null}

      <DeleteForeverDialog item={purgeTarget} onClose={() => setPurgeTarget(null)} onDone={keepFocus} />
      <EmptyTrashDialog open={emptyOpen} onOpenChange={setEmptyOpen} count={total} bytes={trashBytes} onDone={keepFocus} />
    </section>
  );
}
