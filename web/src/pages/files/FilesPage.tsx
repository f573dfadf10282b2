import { useQueryClient } from '@tanstack/react-query';
import { FolderPlus, ShieldCheck, Undo2, X } from 'lucide-react';
import { lazy, Suspense, useCallback, useEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import type { FileNode } from '../../api/types';
import { useApi } from '../../app-context';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatBytes } from '../../ui/format';
import { findConflicts } from '../../upload/conflicts';
import { useUploads } from '../../upload/UploadProvider';
import { useFolderAccess, VIEWER_ONLY } from '../../sharing/access';
import { SharedFolderNote } from '../../sharing/SharedFolderNote';
import { SharingMarksScope } from '../../sharing/marks';
import type { PickedFile } from '../../upload/types';
import type { ItemActions } from './actions';
import { describeFailures, downloadFiles } from './batch';
import { Breadcrumbs, folderHref } from './Breadcrumbs';
import { ROOT_NAME, useCrumbs } from './crumbs';
import { FileGrid } from './FileGrid';
import { FileList } from './FileList';
import { FilesToolbar } from './FilesToolbar';
import { FolderEmpty, FolderMissing, isMissingFolder, NoMatches } from './FolderStates';
import { arrangeItems, fetchWholeFolder, isSortState, isViewMode, plural, useFolderListing, useSessionPreference, type SortState, type ViewMode, type ViewSort } from './listing';
import { NameDialog } from './NameDialog';
import { SelectionBar } from './SelectionBar';
import { emptySelection, selectionReducer } from './selection';
import { UploadButtons, useFileDrop } from './Uploads';
import { useRefreshListings, useTrashing } from './useTrashing';
import { useSpaceTemplate } from './spaceTemplate';
import { SearchForm } from './search/SearchForm';
import { SearchResults } from './search/SearchResults';
import { readSearch, toParams, writeSearch } from './search/searchState';

// Dialogs load when first opened, keeping them out of the first page load.
const PreviewDialog = lazy(() => import('./PreviewDialog').then((m) => ({ default: m.PreviewDialog })));
const FolderPickerDialog = lazy(() => import('./FolderPickerDialog').then((m) => ({ default: m.FolderPickerDialog })));
const VersionsDialog = lazy(() => import('./VersionsDialog').then((m) => ({ default: m.VersionsDialog })));
const FolderRulesDialog = lazy(() => import('./FolderRulesDialog').then((m) => ({ default: m.FolderRulesDialog })));
const RelatedFilesDialog = lazy(() => import('./RelatedFilesDialog').then((m) => ({ default: m.RelatedFilesDialog })));
const ShareDialog = lazy(() => import('../../sharing/ShareDialog').then((m) => ({ default: m.ShareDialog })));

/** The file browser: /files is the top folder, /files/:folderId any other. */
export function FilesPage() {
  const { folderId = 'root' } = useParams();
  // "default" is the entry the app opened on; any later one was reached by browsing.
  const browsed = useLocation().key !== 'default';
  // Each folder gets fresh selection, filter and dialogs; focus moves to its heading when browsing.
  // Which items are shared or linked is looked up afresh for each folder view.
  return (
    <SharingMarksScope key={folderId}>
      <FolderView folderId={folderId} focusHeading={browsed} />
    </SharingMarksScope>
  );
}

const PHONE = '(max-width: 720px)';

function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      if (typeof window.matchMedia !== 'function') return () => undefined;
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => typeof window.matchMedia === 'function' && window.matchMedia(query).matches,
    () => false,
  );
}

type DialogState = { type: 'rename' | 'versions' | 'share' | 'rules' | 'related'; node: FileNode } | { type: 'new-unit' } | { type: 'move' | 'copy'; nodes: FileNode[] } | { type: 'new-folder' } | null;

type Notice = { tone: 'error' | 'info'; message: string } | null;

const DEFAULT_SORT: SortState = { sort: 'name', order: 'asc' };

function FolderView({ folderId, focusHeading }: { folderId: string; focusHeading: boolean }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const uploads = useUploads();
  const refresh = useRefreshListings();
  const [searchParams] = useSearchParams();
  const compact = useMediaQuery(PHONE);

  const [view, setView] = useSessionPreference<ViewMode>('coffer.files.view', 'list', isViewMode);
  const [sort, setSort] = useSessionPreference<SortState>('coffer.files.sort', DEFAULT_SORT, isSortState);
  const [filter, setFilter] = useState('');
  const [selection, dispatch] = useReducer(selectionReducer, emptySelection);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [announcement, setAnnouncement] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const listRegionRef = useRef<HTMLDivElement>(null);

  const listing = useFolderListing(folderId, sort);
  const folder = listing.data?.folder;
  const access = useFolderAccess(folder);
  const crumbs = useCrumbs(folder, access.share);
  const items = useMemo(() => arrangeItems(listing.data?.items ?? [], filter, sort), [listing.data, filter, sort]);
  const shownTotal = useMemo(() => arrangeItems(listing.data?.items ?? [], '', sort).length, [listing.data, sort]);
  const selectedNodes = useMemo(() => items.filter((n) => selection.selected.has(n.id)), [items, selection.selected]);
  const visibleFiles = useMemo(() => items.filter((n) => n.kind === 'file'), [items]);
  const folderName = folder ? (folder.parent_id === null ? ROOT_NAME : folder.name) : folderId === 'root' ? ROOT_NAME : 'Folder';
  // A space made from a template: its units (device folders) are made whole, its files may be linked, exports land in its units.
  const applied = useSpaceTemplate(folder?.space_id);
  const unitLabel = applied?.template.unit;
  const exportsFolder = applied?.template.folders.find((f) => f.exports)?.name;

  useEffect(() => {
    if (focusHeading) headingRef.current?.focus();
  }, [focusHeading]);

  // Items that left the view (filtered out, moved, deleted) leave the selection too.
  const order = useMemo(() => items.map((n) => n.id), [items]);
  useEffect(() => dispatch({ type: 'prune', order }), [order]);

  const say = useCallback((message: string) => {
    // Cleared first so the same message twice is announced twice.
    setAnnouncement('');
    requestAnimationFrame(() => setAnnouncement(message));
  }, []);
  const showError = useCallback((message: string) => setNotice({ tone: 'error', message }), []);
  const trashing = useTrashing({ onMessage: say, onError: showError });
  const trashNodes = trashing.trash;

  // After rows vanish, put keyboard focus back on the list instead of leaving it on the page body.
  const refocusList = useCallback(() => {
    requestAnimationFrame(() => {
      const active = document.activeElement;
      if (active && active !== document.body && active.isConnected) return;
      const stop = listRegionRef.current?.querySelector<HTMLElement>('[data-item-id][tabindex="0"]');
      (stop ?? headingRef.current)?.focus({ preventScroll: true });
    });
  }, []);

  // A search keeps its words and filters in the address: Back returns to its results.
  const search = readSearch(searchParams);
  const searchFolderId = folder?.id ?? (folderId === 'root' ? undefined : folderId);
  const searchKey = search ? writeSearch(search) : null;
  const searchParamsForApi = useMemo(() => {
    const s = searchKey ? readSearch(new URLSearchParams(searchKey)) : null;
    return s ? toParams(s, searchFolderId) : null;
  }, [searchKey, searchFolderId]);

  // A search result opened here comes with ?select=<id>: that item is selected once the folder is listed.
  const selectId = searchParams.get('select');
  const selectedFromSearch = useRef<string | null>(null);
  useEffect(() => {
    if (!selectId || selectedFromSearch.current === selectId || !items.some((n) => n.id === selectId)) return;
    selectedFromSearch.current = selectId;
    dispatch({ type: 'select-only', id: selectId });
  }, [selectId, items]);

  const previewId = searchParams.get('preview');
  const previewFile = previewId ? (listing.data?.items.find((n) => n.id === previewId && n.kind === 'file') ?? null) : null;
  const setPreview = useCallback(
    (file: FileNode | null, replace: boolean) => {
      navigate({ search: file ? `?preview=${encodeURIComponent(file.id)}${selectId === file.id ? `&select=${encodeURIComponent(file.id)}` : ''}` : '' }, { replace });
    },
    [navigate, selectId],
  );

  const latest = useRef({ items, focus: selection.focus });
  useEffect(() => {
    latest.current = { items, focus: selection.focus };
  });

  const ownActions = useMemo<ItemActions>(
    () => ({
      open: (node) => (node.kind === 'folder' ? navigate(folderHref(node.id)) : setPreview(node, false)),
      download: (nodes) => {
        const files = nodes.filter((n) => n.kind === 'file');
        if (files.length === 0) return;
        setNotice(null);
        void downloadFiles(api, files).then((result) => {
          if (result.failed.length > 0) showError(describeFailures('download', result.failed));
          else say(files.length === 1 ? `Downloading “${files[0]!.name}”` : `Downloading ${plural(files.length, 'file')}`);
        });
      },
      rename: (node) => setDialog({ type: 'rename', node }),
      move: (nodes) => setDialog({ type: 'move', nodes }),
      copy: (nodes) => setDialog({ type: 'copy', nodes }),
      versions: (node) => setDialog({ type: 'versions', node }),
      rules: (node) => setDialog({ type: 'rules', node }),
      ...(applied ? { related: (node: FileNode) => setDialog({ type: 'related', node }) } : {}),
      ...(exportsFolder && folder?.space_id
        ? {
            exportZip: (nodes: FileNode[]) => {
              setNotice(null);
              void api.exportSelection(folder.space_id!, { ids: nodes.map((n) => n.id) }).then(
                (saved) => {
                  say(`Saved ${saved.path ?? saved.name}`);
                  void refresh();
                },
                (err: unknown) => showError(err instanceof Error ? err.message : 'The export failed'),
              );
            },
          }
        : {}),
      trash: (nodes) => {
        setNotice(null);
        // Focus goes to the item after the focused one that is being removed.
        const { items: now, focus } = latest.current;
        const gone = new Set(nodes.map((n) => n.id));
        const from = focus ? now.findIndex((n) => n.id === focus) : -1;
        const next = [...now.slice(Math.max(0, from)), ...now.slice(0, Math.max(0, from)).reverse()].find((n) => !gone.has(n.id));
        void trashNodes(nodes).then((moved) => {
          if (moved.length > 0 && next) dispatch({ type: 'focus', id: next.id });
          refocusList();
        });
      },
    }),
    [api, navigate, refocusList, say, setPreview, showError, trashNodes, applied, exportsFolder, folder?.space_id, refresh],
  );
  // Sharing joins where the caller may share; in a viewer's folder the changing actions (also
  // reachable by keyboard shortcuts) only explain why not.
  const actions = useMemo<ItemActions>(() => {
    const share = access.canShare ? (node: FileNode) => setDialog({ type: 'share', node }) : undefined;
    if (!access.readOnly) return { ...ownActions, share };
    const refuse = () => showError(VIEWER_ONLY);
    return { ...ownActions, share, readOnly: true, rules: undefined, exportZip: undefined, rename: refuse, move: refuse, trash: refuse, versions: refuse };
  }, [ownActions, access.canShare, access.readOnly, showError]);

  const known = listing.data?.items;
  const onFiles = useCallback(
    (files: PickedFile[]) => {
      const target = folder?.id ?? folderId;
      say(`${plural(files.length, 'file')} added to the uploads`);
      // Names already taken wait for a question (replace, keep both, skip) instead of being renamed unasked.
      const list = async (id: string) => (await fetchWholeFolder(api, id, 'name', 'asc')).items;
      void findConflicts(target, files, { known, list })
        // Unable to look: upload anyway; the server keeps both and the panel names what it stored.
        .catch(() => undefined)
        .then((conflicts) => uploads.enqueue(target, files, { conflicts, folderName }));
    },
    [api, folder?.id, folderId, folderName, known, say, uploads],
  );
  const drop = useFileDrop(onFiles, showError);

  const onSortColumn = (column: ViewSort) => setSort({ sort: column, order: sort.sort === column && sort.order === 'asc' ? 'desc' : 'asc' });

  const closeDialog = () => setDialog(null);
  const selectAfterChange = (node: FileNode) => {
    dispatch({ type: 'select-only', id: node.id });
  };

  const summary = listing.isSuccess
    ? `${filter.trim() ? `${items.length.toLocaleString()} of ${plural(shownTotal, 'item')}` : plural(shownTotal, 'item')} · ${formatBytes(folder?.size ?? 0)}`
    : '';
  const listStatus = listing.isPending ? 'Loading the folder…' : selectedNodes.length > 0 ? `${selectedNodes.length.toLocaleString()} selected` : summary;

  return (
    <section aria-labelledby="files-title" className={drop.active ? 'files-page dropping' : 'files-page'} {...(access.readOnly ? {} : drop.handlers)}>
      <Breadcrumbs crumbs={crumbs} />
      <div className="page-header">
        <div className="files-heading">
          <h1 id="files-title" ref={headingRef} tabIndex={-1}>
            {folderName}
          </h1>
          {summary ? <p className="muted files-summary">{summary}</p> : null}
          {access.share ? <SharedFolderNote share={access.share} /> : null}
        </div>
        <div className="button-row files-actions" hidden={access.readOnly}>
          <button type="button" className="button" disabled={!folder} onClick={() => setDialog({ type: 'new-folder' })}>
            <FolderPlus aria-hidden size={18} />
            New folder
          </button>
          <UploadButtons onFiles={onFiles} />
          {unitLabel && folder?.parent_id === null ? (
            <button type="button" className="button" onClick={() => setDialog({ type: 'new-unit' })}>
              <FolderPlus aria-hidden size={18} />
              New {unitLabel}
            </button>
          ) : null}
          <button type="button" className="button" disabled={!folder} onClick={() => folder && setDialog({ type: 'rules', node: { ...folder, name: folderName } })}>
            <ShieldCheck aria-hidden size={18} />
            Folder rules
          </button>
        </div>
      </div>

      <SearchForm
        key={searchKey ?? 'folder'}
        current={search}
        folderName={folderName}
        onSearch={(s) => navigate({ search: writeSearch(s) })}
        onClear={() => navigate({ search: '' })}
      />

      {search && searchParamsForApi ? (
        search.here && !searchFolderId ? (
          <Spinner label="Loading the folder" />
        ) : (
          <SearchResults params={searchParamsForApi} words={search.q.trim()} />
        )
      ) : null}

      {/* While items are selected, their actions take the toolbar's place: nothing below moves. */}
      <div className="files-bar" hidden={search !== null}>
        {selectedNodes.length > 0 ? (
          <SelectionBar
            selected={selectedNodes}
            actions={actions}
            onClear={() => {
              dispatch({ type: 'clear' });
              refocusList();
            }}
          />
        ) : (
          <FilesToolbar
            filter={filter}
            onFilter={setFilter}
            view={view}
            onView={setView}
            sort={sort}
            onSortChange={setSort}
            showSortControl={view === 'grid' || compact}
          />
        )}
      </div>

      {trashing.last ? (
        <div className="notice notice-info undo-notice">
          <span>{trashing.last.message}.</span>
          <button type="button" className="button button-small" disabled={trashing.busy} onClick={() => void trashing.undo().then(refocusList)}>
            <Undo2 aria-hidden size={16} /> Undo
          </button>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={trashing.dismiss}>
            <X aria-hidden size={16} />
          </button>
        </div>
      ) : null}
      {notice ? (
        <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
          <span>{notice.message}</span>
          <button type="button" className="icon-button" aria-label="Dismiss message" onClick={() => setNotice(null)}>
            <X aria-hidden size={16} />
          </button>
        </div>
      ) : null}
      {listing.isError && listing.data ? <ErrorNotice error={listing.error} onRetry={() => void listing.refetch()} /> : null}

      <p className="sr-only" role="status">
        {listStatus}
      </p>
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>

      <div ref={listRegionRef} className="files-body" hidden={search !== null}>
        {listing.isPending ? <Spinner label="Loading the folder" /> : null}
        {listing.isError && !listing.data ? (
          isMissingFolder(listing.error) ? (
            <FolderMissing />
          ) : (
            <ErrorNotice error={listing.error} onRetry={() => void listing.refetch()} />
          )
        ) : null}
        {listing.data && shownTotal === 0 ? <FolderEmpty /> : null}
        {listing.data && shownTotal > 0 && items.length === 0 ? <NoMatches filter={filter.trim()} onClear={() => setFilter('')} /> : null}
        {listing.data && items.length > 0 ? (
          view === 'grid' ? (
            <FileGrid items={items} selection={selection} dispatch={dispatch} actions={actions} compact={compact} busy={listing.isFetching} />
          ) : (
            <FileList items={items} selection={selection} dispatch={dispatch} actions={actions} sort={sort} onSort={onSortColumn} compact={compact} busy={listing.isFetching} />
          )
        ) : null}
      </div>

      {drop.active ? (
        <div className="drop-overlay" aria-hidden>
          <span>Drop to upload to “{folderName}”</span>
        </div>
      ) : null}

      {dialog?.type === 'rename' ? (
        <NameDialog
          open
          onOpenChange={(open) => !open && closeDialog()}
          title={`Rename “${dialog.node.name}”`}
          label="Name"
          initial={dialog.node.name}
          confirmLabel="Rename"
          busyLabel="Renaming…"
          selectBaseName={dialog.node.kind === 'file'}
          onSubmit={async (name) => {
            const renamed = await api.rename(dialog.node.id, name);
            await refresh();
            selectAfterChange(renamed);
            say(`Renamed to “${renamed.name}”`);
          }}
        />
      ) : null}
      {dialog?.type === 'new-folder' && folder ? (
        <NameDialog
          open
          onOpenChange={(open) => !open && closeDialog()}
          title="New folder"
          description={`In “${folderName}”`}
          label="Folder name"
          initial=""
          confirmLabel="Create"
          busyLabel="Creating the folder…"
          onSubmit={async (name) => {
            const created = await api.createFolder(folder.id, name);
            await queryClient.invalidateQueries({ queryKey: ['children'] });
            selectAfterChange(created);
            say(`Created the folder “${created.name}”`);
          }}
        />
      ) : null}
      {dialog?.type === 'new-unit' && folder?.space_id && applied ? (
        <NameDialog
          open
          onOpenChange={(open) => !open && closeDialog()}
          title={`New ${applied.template.unit}`}
          description={`Made whole from “${applied.template.title}”: ${applied.template.folders.map((f) => `${f.name}/`).join(', ')}`}
          label={`Name of the ${applied.template.unit}`}
          initial=""
          confirmLabel="Create"
          busyLabel="Creating…"
          onSubmit={async (name) => {
            const created = await api.createUnit(folder.space_id!, name);
            await queryClient.invalidateQueries({ queryKey: ['children'] });
            selectAfterChange(created);
            say(`Created the ${applied.template.unit} “${created.name}”`);
          }}
        />
      ) : null}
      <Suspense fallback={null}>
        {previewFile ? (
          <PreviewDialog
            file={previewFile}
            files={visibleFiles}
            onNavigate={(file) => setPreview(file, true)}
            onClose={() => setPreview(null, true)}
            onDownload={(file) => actions.download([file])}
          />
        ) : null}
        {(dialog?.type === 'move' || dialog?.type === 'copy') && folder ? (
          <FolderPickerDialog mode={dialog.type} nodes={dialog.nodes} source={folder} open onOpenChange={(open) => !open && closeDialog()} onDone={refocusList} />
        ) : null}
        {dialog?.type === 'versions' ? <VersionsDialog file={dialog.node} open onOpenChange={(open) => !open && closeDialog()} /> : null}
        {dialog?.type === 'rules' ? <FolderRulesDialog folder={dialog.node} open onOpenChange={(open) => !open && closeDialog()} /> : null}
        {dialog?.type === 'related' ? <RelatedFilesDialog file={dialog.node} open onOpenChange={(open) => !open && closeDialog()} /> : null}
        {dialog?.type === 'share' ? <ShareDialog node={dialog.node} open onOpenChange={(open) => !open && closeDialog()} /> : null}
      </Suspense>
    </section>
  );
}
