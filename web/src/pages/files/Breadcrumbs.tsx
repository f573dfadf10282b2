import { ChevronRight } from 'lucide-react';
import { Link } from 'react-router';
import type { Crumb } from './crumbs';

export const folderHref = (id: string) => (id === 'root' ? '/files' : `/files/${encodeURIComponent(id)}`);

/** Where the current folder sits; every ancestor is a link, the folder itself is the current page. */
export function Breadcrumbs({ crumbs }: { crumbs: Crumb[] }) {
  if (crumbs.length === 0) return null;
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {crumbs.map((crumb, i) => {
          const current = i === crumbs.length - 1;
          const target = i === 0 ? 'root' : crumb.id;
          return (
            <li key={crumb.path}>
              {i > 0 ? <ChevronRight aria-hidden size={14} className="breadcrumb-sep" /> : null}
              {current ? (
                <span aria-current="page" className="breadcrumb-current">
                  {crumb.name}
                </span>
              ) : target ? (
                <Link to={crumb.href ?? folderHref(target)}>{crumb.name}</Link>
              ) : (
                // Still being looked up: shown, but not yet a link.
                <span className="muted">{crumb.name}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
