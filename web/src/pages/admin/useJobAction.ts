import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/errors';
import { useToast } from '../../ui/Toasts';

interface JobActionOptions<T> {
  run: (target: T) => Promise<unknown>;
  /** "Job 12 queued again". */
  done: (target: T) => string;
  /** "Could not retry job 12". */
  failed: (target: T) => string;
}

/** A request on the queue that says how it went in a toast (the server's reason when refused) and refreshes the tab. */
export function useJobAction<T>({ run, done, failed }: JobActionOptions<T>) {
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: run,
    onSuccess: async (_, target) => {
      toast.success(done(target));
      await queryClient.invalidateQueries({ queryKey: ['admin', 'jobs'] });
    },
    onError: async (err, target) => {
      toast.error(`${failed(target)}: ${errorMessage(err)}`);
      // Refused because it changed meanwhile (409): show how it is now.
      await queryClient.invalidateQueries({ queryKey: ['admin', 'jobs'] });
    },
  });
}
