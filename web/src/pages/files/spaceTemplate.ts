import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../../api/errors';
import type { AppliedSpaceTemplate } from '../../api/org-types';
import { useApi } from '../../app-context';

/** The template a space was made from, or null; asked once per space and kept a while. */
export function useSpaceTemplate(spaceId: string | undefined): AppliedSpaceTemplate | null {
  const api = useApi();
  const query = useQuery({
    queryKey: ['space-template', spaceId],
    enabled: spaceId !== undefined,
    staleTime: 5 * 60_000,
    queryFn: () =>
      api.spaceTemplate(spaceId!).catch((err: unknown) => {
        // No template (or no right to see the space as a whole, as through a share): nothing to offer.
        if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return null;
        throw err;
      }),
  });
  return query.data ?? null;
}
