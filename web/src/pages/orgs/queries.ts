import { useQueryClient } from '@tanstack/react-query';

/** The query keys of the organisation screens. */
export const groupsKey = (slug: string) => ['org', slug, 'groups'];
export const membersKey = (slug: string) => ['org', slug, 'members'];

/** Refreshes the given queries of the organisation screens after a change. */
export function useRefresh(...keys: unknown[][]) {
  const queryClient = useQueryClient();
  return () => Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}
