import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { ChevronRight, Download, FolderArchive } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { LinkInfo, PublicNode } from '../../api/links-types';
import { DataTable } from '../../ui/DataTable';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { FileIcon } from '../../ui/FileIcon';
import { describeType, formatBytes, formatDate, isHiddenName } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { formatDay } from '../../sharing/format';
import { linkUrls, usePublicApi } from './publicApi';
import { PublicPreview } from './PublicPreview';
import { PublicItemVisual } from './publicPreviews';
import { PublicUpload } from './PublicUpload';

/** Items per request; the rest come with "Show more". */
export const PUBLIC_PAGE_SIZE = 200;

interface Crumb {
  id: string;
  name: string;
}

/**
 * A link to a folder: its tree, browsed by folder id kept in the address (?folder=), so Back and
 * reloading work. Files preview in a dialog; anything downloads, folders as ZIP.
 */
export function PublicFolder({ token, info, root }: { token: string; info: LinkInfo; root: PublicNode }) {
  const api = usePublicApi();
  const queryClient = useQueryClient();
  const urls = linkUrls(token);
  const [params, setParams] = useSearchParams();
  const folderId = params.get('folder') ?? undefined;
  // The way down from the link's folder, as browsed; a reload knows only the current folder.
  const [trail, setTrail] = useState<Crumb[]>([]);
  const [previewing, setPreviewing] = useState<PublicNode | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const browsed = useRef(false);

  const listing = useInfiniteQuery({
    queryKey: ['public-children', token, folderId ?? ''],
    queryFn: ({ pageParam, signal }) => api.children(token, { folderId, limit: PUBLIC_PAGE_SIZE, offset: pageParam }, signal),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.items.length, 0);
      return last.items.length > 0 && loaded < last.total ? loaded : undefined;
    },
    refetchOnWindowFocus: false,
  });
  const folder = listing.data?.pages[0]?.folder;
  const items = useMemo(() => (listing.data?.pages.flatMap((p) => p.items) ?? []).filter((n) => !isHiddenName(n.name)), [listing.data]);
  const total = listing.data?.pages.at(-1)?.total ?? 0;

  const at = folderId ? trail.findIndex((c) => c.id === folderId) : -1;
  const crumbs: Crumb[] = folderId ? (at >= 0 ? trail.slice(0, at + 1) : [{ id: folderId, name: folder?.name ?? '…' }]) : [];
  const title = folderId ? (folder?.name ?? crumbs.at(-1)?.name ?? '') : info.name || root.name;

  useEffect(() => {
    if (browsed.current) headingRef.current?.focus();
  }, [folderId]);

  const open = (next: PublicNode) => {
    browsed.current = true;
    setTrail([...crumbs, { id: next.id, name: next.name }]);
    setParams({ folder: next.id });
  };
  const goTo = (id: string | undefined) => {
    browsed.current = true;
    setParams(id ? { folder: id } : {});
  };

  return (
    <section className="public-folder" aria-labelledby="public-title">
      {crumbs.length > 0 ? (
        <nav aria-label="Folder path" className="breadcrumbs">
          <ol>
            <li>
              <button type="button" className="link-button" onClick={() => goTo(undefined)}>
                {info.name || root.name}
              </button>
            </li>
            {crumbs.map((c, i) => (
              <li key={c.id}>
                <ChevronRight aria-hidden size={14} className="breadcrumb-sep" />
                {i === crumbs.length - 1 ? (
                  <span aria-current="page" className="breadcrumb-current">
                    {c.name}
                  </span>
                ) : (
                  <button type="button" className="link-button" onClick={() => goTo(c.id)}>
                    {c.name}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </nav>
      ) : null}
      <div className="page-header">
        <div className="public-heading">
          <FileIcon kind="folder" mime={null} name={title} size={28} />
          <div>
            <h1 id="public-title" ref={headingRef} tabIndex={-1}>
              {title}
            </h1>
            {listing.isSuccess ? (
              <p className="muted public-summary">
                {total.toLocaleString()} item{total === 1 ? '' : 's'}
                {folder ? ` · ${formatBytes(folder.size)}` : ''}
              </p>
            ) : null}
          </div>
        </div>
        <div className="button-row">
          <a className="button button-primary" href={folderId ? urls.folderZip(folderId) : urls.download} download>
            <FolderArchive aria-hidden size={18} />
            {folderId ? 'Download folder' : 'Download all'}
          </a>
        </div>
      </div>
      {info.expires_at ? <p className="muted public-expiry">This link works until {formatDay(info.expires_at)}.</p> : null}

      {info.permission === 'read-write' && !folderId ? (
        <PublicUpload token={token} title={info.name || root.name} compact onStored={() => void queryClient.invalidateQueries({ queryKey: ['public-children', token, ''] })} />
      ) : null}

      {listing.isPending ? <Spinner label="Loading the folder" /> : null}
      {listing.isError ? <ErrorNotice error={listing.error} onRetry={() => void listing.refetch()} /> : null}
      {listing.isSuccess && items.length === 0 ? <EmptyState title="This folder is empty" /> : null}
      {items.length > 0 ? (
        <DataTable
          className="public-table"
          caption={`Contents of ${title}`}
          columns={['Name', { label: 'Size', className: 'num hide-phone' }, { label: 'Modified', className: 'hide-phone' }]}
          actionsLabel="Actions"
        >
          {items.map((node) => (
            <tr key={node.id}>
              <td>
                <div className="shared-name-cell">
                  <PublicItemVisual token={token} node={node} variant="row" />
                  <div className="shared-name-text">
                    <button
                      type="button"
                      className="link-button shared-name"
                      aria-label={node.kind === 'folder' ? `Open folder ${node.name}` : `Preview ${node.name}`}
                      onClick={() => (node.kind === 'folder' ? open(node) : setPreviewing(node))}
                    >
                      {node.name}
                    </button>
                    <span className="muted shared-inline show-phone-inline">
                      {formatBytes(node.size)} · {formatDate(node.modified_at)}
                    </span>
                  </div>
                </div>
              </td>
              <td className="num hide-phone nowrap">{formatBytes(node.size)}</td>
              <td className="hide-phone nowrap">
                <time dateTime={node.modified_at}>{formatDate(node.modified_at)}</time>
              </td>
              <td className="actions-cell">
                <a
                  className="button button-small"
                  href={node.kind === 'folder' ? urls.folderZip(node.id) : urls.content(node.id, true)}
                  download={node.kind === 'folder' ? `${node.name}.zip` : node.name}
                  aria-label={node.kind === 'folder' ? `Download ${node.name} as ZIP` : `Download ${node.name}`}
                >
                  <Download aria-hidden size={16} />
                  <span className="hide-phone">{node.kind === 'folder' ? 'ZIP' : 'Download'}</span>
                </a>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {listing.hasNextPage ? (
        <div className="pager">
          <p className="muted" aria-live="polite">
            Showing {items.length.toLocaleString()} of {total.toLocaleString()}
          </p>
          <button type="button" className="button" disabled={listing.isFetchingNextPage} onClick={() => void listing.fetchNextPage()}>
            {listing.isFetchingNextPage ? 'Loading…' : 'Show more'}
          </button>
        </div>
      ) : null}

      <Modal
        open={previewing !== null}
        onOpenChange={(o) => !o && setPreviewing(null)}
        wide
        title={previewing?.name ?? ''}
        description={previewing ? `${describeType('file', previewing.mime, previewing.name)} · ${formatBytes(previewing.size)} · modified ${formatDate(previewing.modified_at)}` : undefined}
        footer={
          previewing ? (
            <a className="button" href={urls.content(previewing.id, true)} download={previewing.name}>
              <Download aria-hidden size={18} /> Download
            </a>
          ) : null
        }
      >
        {previewing ? <PublicPreview key={previewing.id} token={token} file={previewing} url={urls.content(previewing.id)} /> : null}
      </Modal>
    </section>
  );
}
