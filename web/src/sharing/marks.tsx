import { useQuery } from '@tanstack/react-query';
import { Link2, Users } from 'lucide-react';
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useApi } from '../app-context';
import { isPast } from './format';

export interface SharingMark {
  /** Shared with at least one person. */
  shared: boolean;
  /** Has at least one public link that still works. */
  linked: boolean;
}

export type SharingMarks = ReadonlyMap<string, SharingMark>;

const MarksContext = createContext<SharingMarks>(new Map());
export const SharingMarksProvider = MarksContext.Provider;

/**
 * Which items are shared or linked. The folder listing does not say (a per-item flag there would
 * save these requests), so all of the caller's shares and links are fetched once per folder view
 * and matched by id. Failing quietly: the marks are a hint, never in the way of the files.
 */
export function useSharingMarks(): SharingMarks {
  const api = useApi();
  const shares = useQuery({ queryKey: ['shares', 'outgoing'], queryFn: () => api.outgoingShares(), refetchOnMount: 'always', retry: false });
  const links = useQuery({ queryKey: ['links', 'all'], queryFn: () => api.links(), refetchOnMount: 'always', retry: false });
  return useMemo(() => {
    const marks = new Map<string, SharingMark>();
    const mark = (id: string, key: keyof SharingMark) => marks.set(id, { ...(marks.get(id) ?? { shared: false, linked: false }), [key]: true });
    for (const s of shares.data?.items ?? []) if (!isPast(s.expires_at)) mark(s.node_id, 'shared');
    for (const l of links.data?.items ?? []) if (l.state === 'active') mark(l.node_id, 'linked');
    return marks;
  }, [shares.data, links.data]);
}

/** Small marks beside an item's name; each says in words what it shows. */
export function SharingBadges({ nodeId }: { nodeId: string }) {
  const mark = useContext(MarksContext).get(nodeId);
  if (!mark) return null;
  return (
    <span className="sharing-badges">
      {mark.shared ? (
        <span className="sharing-badge" title="Shared with people">
          <Users aria-hidden size={14} />
          <span className="sr-only">Shared with people</span>
        </span>
      ) : null}
      {mark.linked ? (
        <span className="sharing-badge" title="Has a public link">
          <Link2 aria-hidden size={14} />
          <span className="sr-only">Has a public link</span>
        </span>
      ) : null}
    </span>
  );
}

/** Fetches the marks for one folder view and hands them to the badges inside it. */
export function SharingMarksScope({ children }: { children: ReactNode }) {
  const marks = useSharingMarks();
  return <SharingMarksProvider value={marks}>{children}</SharingMarksProvider>;
}
