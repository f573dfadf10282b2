import { createContext, useContext, type ReactNode } from 'react';
import { ApiClient } from './api/client';
import { endpoints, type Endpoints } from './api/endpoints';
import { Session } from './api/session';

export interface AppServices {
  session: Session;
  api: ApiClient;
  endpoints: Endpoints;
}

export function createServices(fetchImpl?: typeof fetch): AppServices {
  const session = new Session(fetchImpl);
  const api = new ApiClient(session, fetchImpl);
  return { session, api, endpoints: endpoints(api) };
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside ServicesProvider');
  return s;
}

/** The typed REST endpoints. */
export function useApi(): Endpoints {
  return useServices().endpoints;
}
