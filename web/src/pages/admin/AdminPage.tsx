import { HardDrive, ScrollText, Users } from 'lucide-react';
import type { ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { AuditTab } from './AuditTab';
import { StorageTab } from './StorageTab';
import { UsersTab } from './UsersTab';

function Tab({ to, icon, children }: { to: string; icon: ReactNode; children: ReactNode }) {
  return (
    <NavLink to={to} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
      {icon}
      {children}
    </NavLink>
  );
}

/** Administration: users, the audit log and storage, each under its own address. */
export function AdminPage() {
  return (
    <div className="admin-page">
      <div className="page-header">
        <h1>Administration</h1>
      </div>
      <nav className="tabs admin-tabs" aria-label="Administration">
        <Tab to="/admin/users" icon={<Users aria-hidden size={16} />}>
          Users
        </Tab>
        <Tab to="/admin/audit" icon={<ScrollText aria-hidden size={16} />}>
          Audit log
        </Tab>
        <Tab to="/admin/storage" icon={<HardDrive aria-hidden size={16} />}>
          Storage
        </Tab>
      </nav>
      <Routes>
        <Route index element={<Navigate to="/admin/users" replace />} />
        <Route path="users" element={<UsersTab />} />
        <Route path="audit" element={<AuditTab />} />
        <Route path="storage" element={<StorageTab />} />
        <Route path="*" element={<Navigate to="/admin/users" replace />} />
      </Routes>
    </div>
  );
}
