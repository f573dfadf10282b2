import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { NetworkError } from '../api/errors';
import type { Account } from '../api/types';
import { useServices } from '../app-context';

type AuthState =
  | { status: 'checking' }
  | { status: 'offline' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; account: Account };

interface AuthApi {
  state: AuthState;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  signOutEverywhere: () => Promise<void>;
}

const AuthContext = createContext<AuthApi | null>(null);

export const ACCOUNT_QUERY = ['account'] as const;

/** Restores the session from the refresh cookie on load and tracks sign-in state. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const { session, endpoints } = useServices();
  const queryClient = useQueryClient();
  const [phase, setPhase] = useState<'checking' | 'offline' | 'signed-out' | 'signed-in'>('checking');

  useEffect(() => {
    let live = true;
    const restore = () =>
      session.renew().then(
        (ok) => live && setPhase(ok ? 'signed-in' : 'signed-out'),
        // Unreachable is not signed out: the app shell says it is offline and tries again later.
        (err: unknown) => live && setPhase(err instanceof NetworkError ? 'offline' : 'signed-out'),
      );
    void restore();
    window.addEventListener('online', restore);
    const off = session.onChange((signedIn) => {
      setPhase(signedIn ? 'signed-in' : 'signed-out');
      if (!signedIn) queryClient.clear();
    });
    return () => {
      live = false;
      window.removeEventListener('online', restore);
      off();
    };
  }, [session, queryClient]);

  const account = useQuery({ queryKey: ACCOUNT_QUERY, queryFn: () => endpoints.account(), enabled: phase === 'signed-in' });

  const signIn = useCallback(async (username: string, password: string) => {
    await session.signIn(username, password);
    setPhase('signed-in');
  }, [session]);
  const signOut = useCallback(async () => {
    await session.signOut().catch(() => undefined);
    queryClient.clear();
    setPhase('signed-out');
  }, [session, queryClient]);
  const signOutEverywhere = useCallback(async () => {
    await endpoints.logoutEverywhere();
    await signOut();
  }, [endpoints, signOut]);

  const data = account.data;
  const accountUnreachable = !data && account.error instanceof NetworkError;
  const api = useMemo(() => {
    const state: AuthState =
      phase === 'signed-out' || phase === 'offline'
        ? { status: phase }
        : accountUnreachable
          ? { status: 'offline' }
          : phase === 'signed-in' && data
          ? { status: 'signed-in', account: data }
          : { status: 'checking' };
    return { state, signIn, signOut, signOutEverywhere };
  }, [phase, data, accountUnreachable, signIn, signOut, signOutEverywhere]);
  return <AuthContext.Provider value={api}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthApi {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in account; only inside the signed-in part of the app. */
export function useAccount(): Account {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useAccount while signed out');
  return state.account;
}
