import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { FileNode } from '../../api/types';
import { useApi } from '../../app-context';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { formatBytes } from '../../ui/format';
import { Modal } from '../../ui/Modal';
import { folderHref } from './Breadcrumbs';

/** A file shown with what it was made from and what was made from it (a backup's originals and derived files). */
export function RelatedFilesDialog({ file, open, onOpenChange }: { file: FileNode; open: boolean; onOpenChange: (open: boolean) => void }) {
  const api = useApi();
  const related = useQuery({ queryKey: ['derivation', file.id], queryFn: () => api.derivation(file.id) });
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={`Related to “${file.name}”`} description="Files made from an original are linked to it when they are stored.">
      {related.isPending ? <Spinner label="Loading related files" /> : null}
      {related.isError ? <ErrorNotice error={related.error} onRetry={() => void related.refetch()} /> : null}
      {related.data ? (
        <div className="related-files">
          <h3>Made from</h3>
          {related.data.original ? <RelatedList nodes={[related.data.original]} /> : <p className="muted">Not made from another file.</p>}
          <h3>Made from this file</h3>
          {related.data.derived.length > 0 ? <RelatedList nodes={related.data.derived} /> : <p className="muted">Nothing yet.</p>}
        </div>
      ) : null}
    </Modal>
  );
}

function RelatedList({ nodes }: { nodes: FileNode[] }) {
  return (
    <ul className="plain-list">
      {nodes.map((n) => (
        <li key={n.id}>
          {n.parent_id ? <Link to={folderHref(n.parent_id)}>{n.path ?? n.name}</Link> : (n.path ?? n.name)} <span className="muted">· {formatBytes(n.size)}</span>
        </li>
      ))}
    </ul>
  );
}
