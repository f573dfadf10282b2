import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';

/** Every organisation, as the admin panel lists them; under "admin" so admin-wide refreshes include it. */
export const ORGS_QUERY = ['admin', 'orgs'];

/** After a change to an organisation: the admin list and the admin's own organisations list. */
export function useRefreshOrgs() {
  const queryClient = useQueryClient();
  return useCallback(() => Promise.all([queryClient.invalidateQueries({ queryKey: ORGS_QUERY }), queryClient.invalidateQueries({ queryKey: ['orgs'] })]), [queryClient]);
}
