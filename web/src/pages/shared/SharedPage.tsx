import { Inbox, Send } from 'lucide-react';
import type { ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { SharedByMe } from './SharedByMe';
import { SharedWithMe } from './SharedWithMe';

function Tab({ to, icon, children }: { to: string; icon: ReactNode; children: ReactNode }) {
  return (
    <NavLink to={to} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
      {icon}
      {children}
    </NavLink>
  );
}

/** Sharing at a glance: what others share with you, and what you share, each under its own address. */
export function SharedPage() {
  return (
    <div className="shared-page">
      <div className="page-header">
        <h1>Shared</h1>
      </div>
      <nav className="tabs shared-tabs" aria-label="Sharing">
        <Tab to="/shared/with-me" icon={<Inbox aria-hidden size={16} />}>
          Shared with me
        </Tab>
        <Tab to="/shared/by-me" icon={<Send aria-hidden size={16} />}>
          Shared by me
        </Tab>
      </nav>
      <Routes>
        <Route index element={<Navigate to="/shared/with-me" replace />} />
        <Route path="with-me" element={<SharedWithMe />} />
        <Route path="by-me" element={<SharedByMe />} />
        <Route path="*" element={<Navigate to="/shared/with-me" replace />} />
      </Routes>
    </div>
  );
}
