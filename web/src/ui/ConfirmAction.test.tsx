import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { ConfirmAction } from './ConfirmAction';

function Harness({ run, onSuccess }: { run: (t: string) => Promise<unknown>; onSuccess: (t: string) => void }) {
  const [target, setTarget] = useState<string | null>('report.pdf');
  return (
    <ConfirmAction
      target={target}
      onClose={() => setTarget(null)}
      title={`Delete ${target ?? ''}?`}
      description="It cannot be undone."
      confirmLabel="Delete"
      pendingLabel="Deleting…"
      run={run}
      onSuccess={onSuccess}
    />
  );
}

const renderHarness = (run: (t: string) => Promise<unknown>, onSuccess = vi.fn()) => {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { mutations: { retry: false } } })}>
      <Harness run={run} onSuccess={onSuccess} />
    </QueryClientProvider>,
  );
  return onSuccess;
};

describe('ConfirmAction', () => {
  it('runs on the target, closes, then reports success', async () => {
    const run = vi.fn().mockResolvedValue(undefined);
    const onSuccess = renderHarness(run);
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(onSuccess).toHaveBeenCalledWith('report.pdf'));
    expect(run).toHaveBeenCalledWith('report.pdf');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('stays open with the server reason when the request fails', async () => {
    const onSuccess = renderHarness(() => Promise.reject(new ApiError(409, { status: 409, detail: 'Someone else changed it' })));
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Someone else changed it');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    expect(onSuccess).not.toHaveBeenCalled();
  });

  it('cannot be dismissed while the request runs', async () => {
    let finish: () => void = () => undefined;
    renderHarness(() => new Promise<void>((resolve) => (finish = resolve)));
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(await screen.findByRole('button', { name: 'Deleting…' })).toBeDisabled();
    await userEvent.keyboard('{Escape}');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    finish();
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });
});
