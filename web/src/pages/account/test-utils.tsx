import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import type { Endpoints } from '../../api/endpoints';
import { ServicesProvider, type AppServices } from '../../app-context';
import { ToastProvider } from '../../ui/Toasts';
import { createUploadManager, UploadProvider } from '../../upload/UploadProvider';

/**
 * Renders a screen over a fake set of endpoints: only the calls a test stubs exist, so an
 * unexpected call fails loudly instead of reaching a network.
 */
export function renderWithApi(ui: ReactElement, fake: Partial<Endpoints>, extra: Partial<Omit<AppServices, 'endpoints'>> = {}): RenderResult & { queryClient: QueryClient } {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
  const services = { ...extra, endpoints: fake } as unknown as AppServices;
  const result = render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter>
          <ToastProvider>
            <UploadProvider manager={createUploadManager({ token: async () => 'test-token', renew: async () => false, refresh: () => undefined })}>{ui}</UploadProvider>
          </ToastProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  return { ...result, queryClient };
}
