import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../app-context';
import { ACCOUNT_QUERY, useAuth } from '../../auth/AuthProvider';
import { ErrorNotice, Spinner } from '../../ui/Feedback';
import { AppPasswordsSection } from './AppPasswordsSection';
import { ChangePasswordSection } from './ChangePasswordSection';
import { DevicesSection } from './DevicesSection';
import { ProfileSection } from './ProfileSection';
import { SignOutEverywhereSection } from './SignOutEverywhereSection';
import { StorageSection } from './StorageSection';

export function AccountPage() {
  const api = useApi();
  const { signOutEverywhere } = useAuth();
  // The same query the app shell keeps, so usage shown here and in the header always agree.
  const account = useQuery({ queryKey: ACCOUNT_QUERY, queryFn: () => api.account() });

  return (
    <div className="account-page">
      <div className="page-header">
        <h1>Account</h1>
      </div>
      {account.isPending ? <Spinner label="Loading your account" /> : null}
      {account.isError ? (
        <ErrorNotice error={account.error} onRetry={() => void account.refetch()} />
      ) : null}
      {account.data ? (
        <div className="account-grid">
          <StorageSection usage={account.data.usage} />
          <ProfileSection user={account.data.user} />
          <ChangePasswordSection />
          <AppPasswordsSection username={account.data.user.username} />
          <DevicesSection />
          <SignOutEverywhereSection signOutEverywhere={signOutEverywhere} />
        </div>
      ) : null}
    </div>
  );
}
