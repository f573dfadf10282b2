import { useQuery } from '@tanstack/react-query';
import { Link2, Pencil, Send, X } from 'lucide-react';
import { lazy, Suspense, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Link as PublicLink } from '../../api/links-types';
import type { Share } from '../../api/share-types';
import { useApi } from '../../app-context';
import { formatDay, isPast, personName, PERMISSION_LABEL, ROLE_LABEL, STATE_BADGE, STATE_LABEL, type ShareTarget } from '../../sharing/format';
import { StopSharingConfirm } from '../../sharing/PeopleSection';
import { DataTable } from '../../ui/DataTable';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { FileIcon } from '../../ui/FileIcon';
import { folderHref } from '../files/Breadcrumbs';
import { ShareChangeDialog } from './ShareChangeDialog';

const ShareDialog = lazy(() => import('../../sharing/ShareDialog').then((m) => ({ default: m.ShareDialog })));

/** What the caller shares: with people, and by public links. */
export function SharedByMe() {
  const api = useApi();
  const shares = useQuery({ queryKey: ['shares', 'outgoing'], queryFn: () => api.outgoingShares() });
  const [changing, setChanging] = useState<Share | null>(null);
  const [revoking, setRevoking] = useState<Share | null>(null);
  const [managing, setManaging] = useState<ShareTarget | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  return (
    <div className="shared-by-me">
      <section aria-labelledby="shared-by-me-title">
        <h2 id="shared-by-me-title" ref={headingRef} tabIndex={-1} className="shared-subtitle">
          With people
        </h2>
        {shares.isPending ? <Spinner label="Loading what you share" /> : null}
        {shares.isError ? <ErrorNotice error={shares.error} onRetry={() => void shares.refetch()} /> : null}
        {shares.isSuccess && shares.data.items.length === 0 ? (
          <EmptyState icon={<Send aria-hidden size={40} />} title="You do not share anything with people yet">
            Choose Share… in the actions of a file or folder to give someone access.
          </EmptyState>
        ) : null}
        {shares.isSuccess && shares.data.items.length > 0 ? (
          <DataTable
            className="shared-table"
            caption="Your files and folders shared with people"
            columns={['Item', 'Shared with', { label: 'Role', className: 'hide-phone' }, { label: 'Until', className: 'hide-phone' }]}
            actionsLabel="Actions"
          >
            {shares.data.items.map((share) => (
              <OutgoingRow key={share.id} share={share} onChange={setChanging} onRevoke={setRevoking} />
            ))}
          </DataTable>
        ) : null}
      </section>

      <LinksOverview onManage={setManaging} />

      <ShareChangeDialog share={changing} onClose={() => setChanging(null)} />
      <StopSharingConfirm
        share={revoking}
        onClose={() => setRevoking(null)}
        onStopped={() => {
          const active = document.activeElement;
          if (!active || active === document.body) headingRef.current?.focus();
        }}
      />
      <Suspense fallback={null}>{managing ? <ShareDialog node={managing} open onOpenChange={(open) => !open && setManaging(null)} /> : null}</Suspense>
    </div>
  );
}

function ItemName({ id, name, kind }: ShareTarget) {
  return (
    <div className="shared-name-cell">
      <FileIcon kind={kind} mime={null} name={name} />
      {kind === 'folder' ? (
        <Link to={folderHref(id)} className="shared-name">
          {name}
        </Link>
      ) : (
        <span className="shared-name">{name}</span>
      )}
    </div>
  );
}

function OutgoingRow({ share, onChange, onRevoke }: { share: Share; onChange: (s: Share) => void; onRevoke: (s: Share) => void }) {
  const who = personName(share.recipient);
  return (
    <tr>
      <td>
        <ItemName id={share.node_id} name={share.node_name} kind={share.node_kind} />
      </td>
      <td>
        <span className="shared-person">{who}</span>
        <span className="muted shared-inline">
          @{share.recipient.username}
          <span className="show-phone-inline"> · {ROLE_LABEL[share.role]}</span>
          {share.expires_at ? <span className="show-phone-inline"> · until {formatDay(share.expires_at)}</span> : null}
        </span>
      </td>
      <td className="hide-phone">
        <span className="badge">{ROLE_LABEL[share.role]}</span>
      </td>
      <td className="hide-phone nowrap">
        {share.expires_at ? <time dateTime={share.expires_at}>{formatDay(share.expires_at)}</time> : <span className="muted">No end</span>}
        {isPast(share.expires_at) ? <span className="badge badge-warning">Expired</span> : null}
      </td>
      <td className="actions-cell">
        <div className="button-row shared-actions">
          <button type="button" className="button button-small" aria-label={`Change sharing of ${share.node_name} with ${who}`} onClick={() => onChange(share)}>
            <Pencil aria-hidden size={16} />
            <span className="hide-phone">Change</span>
          </button>
          <button type="button" className="button button-small button-ghost bar-danger" aria-label={`Revoke sharing of ${share.node_name} with ${who}`} onClick={() => onRevoke(share)}>
            <X aria-hidden size={16} />
            <span className="hide-phone">Revoke</span>
          </button>
        </div>
      </td>
    </tr>
  );
}

/** Every public link of the caller's items; each is managed in the item's Share dialog. */
function LinksOverview({ onManage }: { onManage: (target: ShareTarget) => void }) {
  const api = useApi();
  const links = useQuery({ queryKey: ['links', 'all'], queryFn: () => api.links() });
  return (
    <section aria-labelledby="shared-links-title" className="shared-links">
      <h2 id="shared-links-title" className="shared-subtitle">
        Public links
      </h2>
      {links.isPending ? <Spinner label="Loading your links" /> : null}
      {links.isError ? <ErrorNotice error={links.error} onRetry={() => void links.refetch()} /> : null}
      {links.isSuccess && links.data.items.length === 0 ? (
        <p className="muted account-empty">
          <Link2 aria-hidden size={18} /> No public links yet.
        </p>
      ) : null}
      {links.isSuccess && links.data.items.length > 0 ? (
        <DataTable className="shared-table" caption="Public links to your files and folders" columns={['Item', 'Link', { label: 'Until', className: 'hide-phone' }]} actionsLabel="Actions">
          {links.data.items.map((link) => (
            <LinkOverviewRow key={link.id} link={link} onManage={onManage} />
          ))}
        </DataTable>
      ) : null}
    </section>
  );
}

function LinkOverviewRow({ link, onManage }: { link: PublicLink; onManage: (target: ShareTarget) => void }) {
  const target: ShareTarget = { id: link.node_id, name: link.node_name, kind: link.node_kind };
  return (
    <tr>
      <td>
        <ItemName {...target} />
      </td>
      <td>
        <span className="shared-link-name">{link.name || 'Link without a name'}</span> <span className={STATE_BADGE[link.state]}>{STATE_LABEL[link.state]}</span>
        <span className="muted shared-inline">
          {PERMISSION_LABEL[link.permission]}
          {link.has_password ? ' · password' : ''}
        </span>
      </td>
      <td className="hide-phone nowrap">{link.expires_at ? <time dateTime={link.expires_at}>{formatDay(link.expires_at)}</time> : <span className="muted">No end</span>}</td>
      <td className="actions-cell">
        <button type="button" className="button button-small" aria-label={`Manage links to ${link.node_name}`} onClick={() => onManage(target)}>
          <Link2 aria-hidden size={16} />
          <span className="hide-phone">Manage</span>
        </button>
      </td>
    </tr>
  );
}
