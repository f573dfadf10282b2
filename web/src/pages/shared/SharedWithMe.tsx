import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Inbox, LogOut } from 'lucide-react';
import { lazy, Suspense, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { IncomingShare } from '../../api/share-types';
import type { FileNode } from '../../api/types';
import { useApi } from '../../app-context';
import { INCOMING_SHARES_KEY } from '../../sharing/access';
import { formatDay, isPast, personName, ROLE_LABEL } from '../../sharing/format';
import { ConfirmAction } from '../../ui/ConfirmAction';
import { DataTable } from '../../ui/DataTable';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { FileIcon } from '../../ui/FileIcon';
import { formatBytes } from '../../ui/format';
import { useToast } from '../../ui/Toasts';
import { describeFailures, downloadFiles } from '../files/batch';
import { folderHref } from '../files/Breadcrumbs';

const PreviewDialog = lazy(() => import('../files/PreviewDialog').then((m) => ({ default: m.PreviewDialog })));

/** Files and folders others share with the caller; folders open in the ordinary file browser. */
export function SharedWithMe() {
  const api = useApi();
  const toast = useToast();
  const queryClient = useQueryClient();
  const shares = useQuery({ queryKey: INCOMING_SHARES_KEY, queryFn: () => api.incomingShares() });
  const [leaving, setLeaving] = useState<IncomingShare | null>(null);
  const [previewing, setPreviewing] = useState<FileNode | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const download = (file: FileNode) => {
    void downloadFiles(api, [file]).then((result) => {
      if (result.failed.length > 0) toast.error(describeFailures('download', result.failed));
    });
  };

  return (
    <section aria-labelledby="shared-with-me-title">
      <h2 id="shared-with-me-title" ref={headingRef} tabIndex={-1} className="sr-only">
        Shared with me
      </h2>
      {shares.isPending ? <Spinner label="Loading what is shared with you" /> : null}
      {shares.isError ? <ErrorNotice error={shares.error} onRetry={() => void shares.refetch()} /> : null}
      {shares.isSuccess && shares.data.items.length === 0 ? (
        <EmptyState icon={<Inbox aria-hidden size={40} />} title="Nothing is shared with you yet">
          When someone shares a file or folder with you, it appears here.
        </EmptyState>
      ) : null}
      {shares.isSuccess && shares.data.items.length > 0 ? (
        <DataTable
          className="shared-table"
          caption="Files and folders shared with you"
          columns={['Name', { label: 'Owner', className: 'hide-phone' }, 'Role', { label: 'Until', className: 'hide-phone' }]}
          actionsLabel="Actions"
        >
          {shares.data.items.map((share) => (
            <IncomingRow key={share.id} share={share} onOpenFile={setPreviewing} onLeave={setLeaving} />
          ))}
        </DataTable>
      ) : null}

      <ConfirmAction
        target={leaving}
        onClose={() => setLeaving(null)}
        title={leaving ? `Leave “${leaving.mount_name}”?` : 'Leave the share?'}
        description={
          leaving ? `It disappears from your “Shared with me”, and you can no longer open it. Only ${leaving.owner ? personName(leaving.owner) : 'its owner'} can share it with you again.` : ''
        }
        confirmLabel="Leave"
        pendingLabel="Leaving…"
        run={(s) => api.deleteShare(s.id)}
        onSuccess={async (s) => {
          toast.success(`You left “${s.mount_name}”`);
          await queryClient.invalidateQueries({ queryKey: ['shares'] });
          const active = document.activeElement;
          if (!active || active === document.body) headingRef.current?.focus();
        }}
      />
      <Suspense fallback={null}>
        {previewing ? <PreviewDialog file={previewing} files={[previewing]} onNavigate={setPreviewing} onClose={() => setPreviewing(null)} onDownload={download} /> : null}
      </Suspense>
    </section>
  );
}

function IncomingRow({ share, onOpenFile, onLeave }: { share: IncomingShare; onOpenFile: (file: FileNode) => void; onLeave: (share: IncomingShare) => void }) {
  const owner = share.owner ? personName(share.owner) : 'Unknown';
  const expired = isPast(share.expires_at);
  const node = share.node;
  return (
    <tr>
      <td>
        <div className="shared-name-cell">
          <FileIcon kind={node.kind} mime={node.mime} name={share.mount_name} />
          <div className="shared-name-text">
            {node.kind === 'folder' ? (
              <Link to={folderHref(node.id)} className="shared-name">
                {share.mount_name}
              </Link>
            ) : (
              <button type="button" className="link-button shared-name" onClick={() => onOpenFile(node)}>
                {share.mount_name}
              </button>
            )}
            {/* Phones hide the owner and expiry columns; both stay visible under the name. */}
            <span className="muted shared-inline">
              {node.kind === 'file' ? `${formatBytes(node.size)} · ` : ''}
              <span className="show-phone-inline">from {owner}</span>
              {share.expires_at ? <span className="show-phone-inline"> · until {formatDay(share.expires_at)}</span> : null}
            </span>
          </div>
        </div>
      </td>
      <td className="hide-phone">{owner}</td>
      <td>
        <span className="badge">{ROLE_LABEL[share.role]}</span>
      </td>
      <td className="hide-phone nowrap">
        {share.expires_at ? <time dateTime={share.expires_at}>{formatDay(share.expires_at)}</time> : <span className="muted">No end</span>}
        {expired ? <span className="badge badge-warning">Expired</span> : null}
      </td>
      <td className="actions-cell">
        <button type="button" className="button button-small" aria-label={`Leave ${share.mount_name}`} onClick={() => onLeave(share)}>
          <LogOut aria-hidden size={16} />
          <span className="hide-phone">Leave</span>
        </button>
      </td>
    </tr>
  );
}
