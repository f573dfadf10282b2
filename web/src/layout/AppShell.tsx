import * as Menu from '@radix-ui/react-dropdown-menu';
import { Building2, FolderOpen, LogOut, Shield, Trash2, UserRound, Users, WifiOff } from 'lucide-react';
import { Suspense, useState, type ReactNode } from 'react';
import { errorMessage } from '../api/errors';
import { ConfirmDialog } from '../ui/Modal';
import { useToast } from '../ui/Toasts';
import { NavLink, Outlet } from 'react-router';
import { useAccount, useAuth } from '../auth/AuthProvider';
import { Spinner } from '../ui/Feedback';
import { QuotaMeter } from './QuotaMeter';
import { Logo } from './Logo';
import { useOnline } from './useOnline';
import { UploadPanel } from '../upload/UploadPanel';

function NavItem({ to, icon, children }: { to: string; icon: ReactNode; children: ReactNode }) {
  return (
    <NavLink to={to} className={({ isActive }) => (isActive ? 'nav-link active' : 'nav-link')}>
      {icon}
      <span>{children}</span>
    </NavLink>
  );
}

/** The frame around every signed-in screen: header, navigation, offline notice, uploads. */
export function AppShell() {
  const { user, usage } = useAccount();
  const { signOut, signOutEverywhere } = useAuth();
  const online = useOnline();
  const toast = useToast();
  const [confirmEverywhere, setConfirmEverywhere] = useState(false);
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/files" className="brand" aria-label="Coffer home">
          <Logo />
        </NavLink>
        <nav className="nav" aria-label="Main">
          <NavItem to="/files" icon={<FolderOpen aria-hidden size={18} />}>
            Files
          </NavItem>
          <NavItem to="/shared" icon={<Users aria-hidden size={18} />}>
            Shared
          </NavItem>
          <NavItem to="/spaces" icon={<Building2 aria-hidden size={18} />}>
            Spaces
          </NavItem>
          <NavItem to="/trash" icon={<Trash2 aria-hidden size={18} />}>
            Trash
          </NavItem>
          <NavItem to="/account" icon={<UserRound aria-hidden size={18} />}>
            Account
          </NavItem>
          {user.role === 'admin' ? (
            <NavItem to="/admin" icon={<Shield aria-hidden size={18} />}>
              Admin
            </NavItem>
          ) : null}
        </nav>
        <div className="topbar-end">
          <QuotaMeter usage={usage} compact />
          <Menu.Root>
            <Menu.Trigger className="avatar-button" aria-label={`Account menu for ${user.display_name || user.username}`}>
              <span aria-hidden>{(user.display_name || user.username).slice(0, 1).toUpperCase()}</span>
            </Menu.Trigger>
            <Menu.Portal>
              <Menu.Content className="menu" align="end" sideOffset={6}>
                <Menu.Label className="menu-label">
                  Signed in as <strong>{user.username}</strong>
                </Menu.Label>
                <Menu.Separator className="menu-separator" />
                <Menu.Item className="menu-item" onSelect={() => void signOut()}>
                  <LogOut aria-hidden size={16} /> Sign out
                </Menu.Item>
                <Menu.Item className="menu-item" onSelect={() => setConfirmEverywhere(true)}>
                  <LogOut aria-hidden size={16} /> Sign out everywhere…
                </Menu.Item>
              </Menu.Content>
            </Menu.Portal>
          </Menu.Root>
        </div>
      </header>
      {online ? null : (
        <div className="offline-banner" role="status">
          <WifiOff aria-hidden size={16} /> You are offline. Files will load again when the connection is back.
        </div>
      )}
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<Spinner />}>
          <Outlet />
        </Suspense>
      </main>
      <UploadPanel />
      <ConfirmDialog
        open={confirmEverywhere}
        onOpenChange={setConfirmEverywhere}
        title="Sign out everywhere?"
        description="You will be signed out in every browser, including this one. Devices connected with app passwords stay connected."
        confirmLabel="Sign out everywhere"
        danger
        onConfirm={() => {
          setConfirmEverywhere(false);
          signOutEverywhere().catch((err: unknown) => toast.error(errorMessage(err)));
        }}
      />
    </div>
  );
}
