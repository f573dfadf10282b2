import { Link } from 'react-router';
import type { Usage } from '../../api/types';
import { QuotaMeter } from '../../layout/QuotaMeter';
import { formatBytes } from '../../ui/format';

export function StorageSection({ usage }: { usage: Usage }) {
  const full = usage.quota !== null && usage.used >= usage.quota;
  return (
    <section className="card" aria-labelledby="account-storage">
      <h2 id="account-storage">Storage</h2>
      {full ? (
        <p className="notice notice-warning" role="status">
          Your storage is full. Uploads and changes will fail until you free some space.
        </p>
      ) : null}
      <QuotaMeter usage={usage} />
      <p className="muted account-storage-hint">
        Items in the trash and earlier versions of files count against your storage.{' '}
        {usage.trash > 0 ? (
          <Link to="/trash">Empty the trash to free {formatBytes(usage.trash)}</Link>
        ) : (
          <Link to="/trash">Open the trash</Link>
        )}
      </p>
    </section>
  );
}
