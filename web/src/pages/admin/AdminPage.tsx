import { Building2, HardDrive, ListChecks, ScrollText, Users } from 'lucide-react';
import { TabbedPage } from '../../ui/TabbedPage';
import { AuditTab } from './AuditTab';
import { JobsTab } from './JobsTab';
import { OrgsTab } from './OrgsTab';
import { StorageTab } from './StorageTab';
import { UsersTab } from './UsersTab';

/** Administration: users, organisations, the audit log, storage and background jobs, each under its own address. */
export function AdminPage() {
  return (
    <TabbedPage
      base="/admin"
      title="Administration"
      className="admin-page"
      tabsClassName="admin-tabs"
      tabsLabel="Administration"
      tabs={[
        { path: 'users', label: 'Users', icon: <Users aria-hidden size={16} />, element: <UsersTab /> },
        { path: 'orgs', label: 'Organisations', icon: <Building2 aria-hidden size={16} />, element: <OrgsTab /> },
        { path: 'audit', label: 'Audit log', icon: <ScrollText aria-hidden size={16} />, element: <AuditTab /> },
        { path: 'storage', label: 'Storage', icon: <HardDrive aria-hidden size={16} />, element: <StorageTab /> },
        { path: 'jobs', label: 'Jobs', icon: <ListChecks aria-hidden size={16} />, element: <JobsTab /> },
      ]}
    />
  );
}
