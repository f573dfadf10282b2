import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Download, RotateCcw, Upload } from 'lucide-react';
import { useRef, useState } from 'react';
import type { FileNode, FileVersion } from '../../api/types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { startDownload } from '../../ui/download';
import { formatBytes, formatDate } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { useToast } from '../../ui/Toasts';
import { useUploads } from '../../upload/UploadProvider';

interface VersionsDialogProps {
  file: FileNode;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/** The history of one file: download any version, or make an old one the newest again. */
export function VersionsDialog({ file, open, onOpenChange }: VersionsDialogProps) {
  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      wide
      title={`Versions of ${file.name}`}
      description="Coffer keeps earlier versions when a file is replaced. Restoring one makes it the newest; the current version stays in the list."
      footer={
        <>
          <NewVersionButton file={file} />
          <button type="button" className="button" onClick={() => onOpenChange(false)}>
            Close
          </button>
        </>
      }
    >
      {open ? <VersionList file={file} /> : null}
    </Modal>
  );
}

/** Picks a file and uploads it as the newest version of this one, whatever its own name. */
function NewVersionButton({ file }: { file: FileNode }) {
  const uploads = useUploads();
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        hidden
        tabIndex={-1}
        aria-hidden
        onChange={(e) => {
          const picked = e.target.files?.[0];
          e.target.value = '';
          if (!picked) return;
          const [id] = uploads.enqueue(file.parent_id ?? 'root', [{ file: picked, relativePath: file.name }], { overwrite: true });
          if (id === undefined) return;
          // Says what happens for as long as it happens, then how it ended; it outlives this dialog.
          const pending = toast.show(`Uploading a new version of ${file.name}…`, 'info', { persist: true });
          void uploads.settled(id).then((item) => {
            toast.dismiss(pending);
            if (item?.status === 'done') toast.success(item.replaced ? `Uploaded a new version of ${file.name}` : `Uploaded ${file.name}`);
            else if (item?.status === 'failed') toast.error(`The new version of ${file.name} was not uploaded: ${item.error ?? 'no reason given'}`);
          });
        }}
      />
      <button type="button" className="button" onClick={() => input.current?.click()}>
        <Upload aria-hidden size={16} /> Upload new version
      </button>
    </>
  );
}

function VersionList({ file }: { file: FileNode }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const toast = useToast();
  const versions = useQuery({ queryKey: ['versions', file.id], queryFn: () => api.versions(file.id) });
  const [downloading, setDownloading] = useState<string | null>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);

  const restore = useMutation({
    mutationFn: (version: FileVersion) => api.restoreVersion(file.id, version.id),
    onSuccess: async (_, version) => {
      toast.success(`Restored the version of ${formatDate(version.created_at)}`);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['versions', file.id] }),
        queryClient.invalidateQueries({ queryKey: ['children'] }),
        queryClient.invalidateQueries({ queryKey: ['node', file.id] }),
        queryClient.invalidateQueries({ queryKey: ['account'] }),
      ]);
    },
  });

  const download = async (version: FileVersion) => {
    setDownloading(version.id);
    setDownloadError(null);
    try {
      const { url } = await api.contentLink(file.id, { versionId: version.id, inline: false });
      startDownload(url, file.name);
    } catch (err) {
      setDownloadError(err);
    } finally {
      setDownloading(null);
    }
  };

  if (versions.isPending) return <Spinner label="Loading versions" />;
  if (versions.isError) {
    return (
      <ErrorNotice error={versions.error} onRetry={() => void versions.refetch()} />
    );
  }

  const items = versions.data.items;
  return (
    <div className="versions">
      {restore.isError ? <ErrorNotice error={restore.error} /> : null}
      {downloadError ? <ErrorNotice error={downloadError} /> : null}
      <p className="sr-only" aria-live="polite">
        {restore.isPending ? 'Restoring the version…' : downloading ? 'Preparing the download…' : ''}
      </p>
      {items.length === 1 ? <p className="notice notice-info">This file has only one version.</p> : null}
      {items.length === 0 ? (
        <p className="muted">No versions are recorded for this file.</p>
      ) : (
        <DataTable
          className="versions-table"
          caption={`Versions of ${file.name}, newest first`}
          columns={['Saved', { label: 'Size', className: 'num' }, { label: 'Author', className: 'hide-phone' }]}
          actionsLabel="Actions"
        >
          {items.map((version) => (
            <VersionRow
              key={version.id}
              version={version}
              downloading={downloading === version.id}
              restoring={restore.isPending && restore.variables?.id === version.id}
              restoreDisabled={restore.isPending}
              onDownload={() => void download(version)}
              onRestore={() => restore.mutate(version)}
            />
          ))}
        </DataTable>
      )}
    </div>
  );
}

interface VersionRowProps {
  version: FileVersion;
  downloading: boolean;
  restoring: boolean;
  restoreDisabled: boolean;
  onDownload: () => void;
  onRestore: () => void;
}

function VersionRow({ version, downloading, restoring, restoreDisabled, onDownload, onRestore }: VersionRowProps) {
  const date = formatDate(version.created_at);
  return (
    <tr aria-current={version.current ? 'true' : undefined}>
      <td>
        <div className="version-when">
          <time dateTime={version.created_at}>{date}</time>
          {version.current ? <span className="badge badge-accent">Current</span> : null}
        </div>
      </td>
      <td className="num nowrap">{formatBytes(version.size)}</td>
      <td className="hide-phone">{version.author ?? <span className="muted">Unknown</span>}</td>
      <td>
        <div className="button-row version-actions">
          <button type="button" className="button button-small" aria-label={`Download version of ${date}`} disabled={downloading} onClick={onDownload}>
            <Download aria-hidden size={16} />
            <span className="hide-phone">{downloading ? 'Preparing…' : 'Download'}</span>
          </button>
          {version.current ? null : (
            <button type="button" className="button button-small" aria-label={`Restore version of ${date}`} disabled={restoreDisabled} onClick={onRestore}>
              <RotateCcw aria-hidden size={16} />
              <span className="hide-phone">{restoring ? 'Restoring…' : 'Restore'}</span>
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}
