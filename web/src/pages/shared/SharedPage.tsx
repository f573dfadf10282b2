import { Inbox, Send } from 'lucide-react';
import { TabbedPage } from '../../ui/TabbedPage';
import { SharedByMe } from './SharedByMe';
import { SharedWithMe } from './SharedWithMe';

/** Sharing at a glance: what others share with you, and what you share, each under its own address. */
export function SharedPage() {
  return (
    <TabbedPage
      base="/shared"
      title="Shared"
      className="shared-page"
      tabsClassName="shared-tabs"
      tabsLabel="Sharing"
      tabs={[
        { path: 'with-me', label: 'Shared with me', icon: <Inbox aria-hidden size={16} />, element: <SharedWithMe /> },
        { path: 'by-me', label: 'Shared by me', icon: <Send aria-hidden size={16} />, element: <SharedByMe /> },
      ]}
    />
  );
}
