import type { RenderResult } from '@testing-library/react';
import type { QueryClient } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import type { Endpoints } from '../../api/endpoints';
import type { AppServices } from '../../app-context';
import { renderWithServices } from '../../test-utils';

/** Renders an account, trash or versions screen over fake endpoints, uploads included. */
export function renderWithApi(ui: ReactElement, fake: Partial<Endpoints>, extra: Partial<Omit<AppServices, 'endpoints'>> = {}): RenderResult & { queryClient: QueryClient } {
  return renderWithServices(ui, fake, { services: extra, withUploads: true });
}
