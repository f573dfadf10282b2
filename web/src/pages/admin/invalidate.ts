import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { ACCOUNT_QUERY } from '../../auth/AuthProvider';
import { useMyUserId } from './useMe';

/** After a change to a user: every admin view refreshes, and the account too when it was the admin's own. */
export function useRefreshAfterUserChange() {
  const queryClient = useQueryClient();
  const me = useMyUserId();
  return useCallback(
    async (userId: string) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['admin'] }),
        userId === me ? queryClient.invalidateQueries({ queryKey: ACCOUNT_QUERY }) : Promise.resolve(),
      ]);
    },
    [queryClient, me],
  );
}
