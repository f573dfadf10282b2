import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, useLocation } from 'react-router';
import type { Endpoints } from './api/endpoints';
import { ServicesProvider, type AppServices } from './app-context';
import { ToastProvider } from './ui/Toasts';
import { createUploadManager, UploadProvider } from './upload/UploadProvider';

/** Shows where the app is, so tests can check links and redirects. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

export interface RenderOptions {
  /** The address the router starts at. */
  path?: string;
  /** Other services than the endpoints (a fake raw client, a session). */
  services?: Partial<Omit<AppServices, 'endpoints'>>;
  /** Render a `data-testid="location"` element holding the current path. */
  withLocation?: boolean;
  /** Provide an upload manager that sends nothing (screens that can start uploads). */
  withUploads?: boolean;
}

/**
 * Renders a screen with every provider the app has, over a fake set of endpoints: only the
 * calls a test stubs exist, so an unexpected call fails loudly instead of reaching a network.
 */
export function renderWithServices(ui: ReactElement, endpoints: Partial<Endpoints>, options: RenderOptions = {}): RenderResult & { queryClient: QueryClient } {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
  const services = { ...options.services, endpoints } as unknown as AppServices;
  const content = (
    <>
      {ui}
      {options.withLocation ? <LocationProbe /> : null}
    </>
  );
  const result = render(
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[options.path ?? '/']}>
          <ToastProvider>
            {options.withUploads ? (
              <UploadProvider manager={createUploadManager({ token: async () => 'test-token', renew: async () => false, refresh: () => undefined })}>{content}</UploadProvider>
            ) : (
              content
            )}
          </ToastProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </ServicesProvider>,
  );
  return { ...result, queryClient };
}
