import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation, useMatch } from 'react-router';
import { AppShell } from './layout/AppShell';
import { useAuth } from './auth/AuthProvider';
import { LoginPage } from './auth/LoginPage';
import { OfflineScreen } from './layout/OfflineScreen';
import { Spinner } from './ui/Feedback';
import { FilesPage } from './pages/files/FilesPage';
import { NotFoundPage } from './pages/NotFoundPage';

// Screens used less often load on demand, keeping the first load small.
const TrashPage = lazy(() => import('./pages/trash/TrashPage').then((m) => ({ default: m.TrashPage })));
const AccountPage = lazy(() => import('./pages/account/AccountPage').then((m) => ({ default: m.AccountPage })));
const AdminPage = lazy(() => import('./pages/admin/AdminPage').then((m) => ({ default: m.AdminPage })));
const SharedPage = lazy(() => import('./pages/shared/SharedPage').then((m) => ({ default: m.SharedPage })));
const SpacesPage = lazy(() => import('./pages/spaces/SpacesPage').then((m) => ({ default: m.SpacesPage })));
const OrgPage = lazy(() => import('./pages/orgs/OrgPage').then((m) => ({ default: m.OrgPage })));
const RecordsPage = lazy(() => import('./pages/records/RecordsPage').then((m) => ({ default: m.RecordsPage })));
const LoginFlowPage = lazy(() => import('./pages/login-flow/LoginFlowPage').then((m) => ({ default: m.LoginFlowPage })));
const PublicLinkPage = lazy(() => import('./pages/public/PublicLinkPage').then((m) => ({ default: m.PublicLinkPage })));

export function App() {
  const { state } = useAuth();
  // A public link's page is for anyone, signed in or not, and never waits for the session.
  const publicLink = useMatch('/s/:token/*');
  const loginFlowV2 = useMatch('/login/v2/flow/:token');
  const loginFlowV1 = useMatch('/login/flow/:token');
  const location = useLocation();
  if (publicLink?.params.token) {
    return (
      <Suspense
        fallback={
          <div className="boot">
            <Spinner label="Opening the link" />
          </div>
        }
      >
        <PublicLinkPage token={publicLink.params.token} />
      </Suspense>
    );
  }
  if (state.status === 'checking') {
    return (
      <div className="boot">
        <Spinner label="Opening Coffer" />
      </div>
    );
  }
  if (state.status === 'offline') return <OfflineScreen />;
  // A device asking to be let in (Nextcloud login flows): sign in first, then answer it, on its own page.
  const loginFlowToken = loginFlowV2?.params.token ?? loginFlowV1?.params.token;
  if (state.status === 'signed-out') {
    if (!loginFlowToken) return <LoginPage />;
    // The desktop client adds ?user=<its local account name> to the address it opens (Flow2Auth).
    const expected = new URLSearchParams(location.search).get('user')?.slice(0, 320);
    return <LoginPage purpose="Sign in to connect a device to your account." initialUsername={expected} />;
  }
  if (loginFlowToken) {
    return (
      <Suspense
        fallback={
          <div className="boot">
            <Spinner label="Opening the request" />
          </div>
        }
      >
        <LoginFlowPage token={loginFlowToken} username={state.account.user.username} />
      </Suspense>
    );
  }
  const isAdmin = state.account.user.role === 'admin';
  return (
    <Routes>
      <Route element={<AppShell />}>
        <Route index element={<Navigate to="/files" replace />} />
        <Route path="files" element={<FilesPage />} />
        <Route path="files/:folderId" element={<FilesPage />} />
        <Route path="shared/*" element={<SharedPage />} />
        <Route path="spaces" element={<SpacesPage />} />
        <Route path="spaces/:spaceId/records" element={<RecordsPage />} />
        <Route path="orgs/:slug/*" element={<OrgPage />} />
        <Route path="trash" element={<TrashPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="admin/*" element={isAdmin ? <AdminPage /> : <NotFoundPage forbidden />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
