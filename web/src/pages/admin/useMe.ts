import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../app-context';
import { ACCOUNT_QUERY } from '../../auth/AuthProvider';

/** The signed-in admin's id, read from the account query the app shell already keeps fresh. */
export function useMyUserId(): string | undefined {
  const api = useApi();
  const account = useQuery({ queryKey: ACCOUNT_QUERY, queryFn: () => api.account() });
  return account.data?.user.id;
}
