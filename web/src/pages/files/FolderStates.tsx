import { FolderOpen, FolderX, SearchX } from 'lucide-react';
import { Link } from 'react-router';
import { ApiError } from '../../api/errors';
import { EmptyState } from '../../ui/Feedback';

export function isMissingFolder(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

export function FolderMissing() {
  return (
    <div className="empty-state" role="alert">
      <FolderX aria-hidden size={40} />
      <h2>This folder does not exist or was deleted</h2>
      <p>
        <Link to="/files">Go to My files</Link>
      </p>
    </div>
  );
}

export function FolderEmpty() {
  return (
    <EmptyState icon={<FolderOpen aria-hidden size={40} />} title="This folder is empty">
      Drop files or folders here, or use the upload buttons above.
    </EmptyState>
  );
}

export function NoMatches({ filter, onClear }: { filter: string; onClear: () => void }) {
  return (
    <div className="empty-state">
      <SearchX aria-hidden size={40} />
      <h2>Nothing here matches “{filter}”</h2>
      <button type="button" className="button" onClick={onClear}>
        Clear the filter
      </button>
    </div>
  );
}
