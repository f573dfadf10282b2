import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Account } from '../api/types';
import { useServices } from '../app-context';

type AuthState =
  | { status: 'checking' }
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
  const [phase, setPhase] = useState<'checking' | 'signed-out' | 'signed-in'>('checking');

  useEffect(() => {
    let live = true;
    session
      .renew()
      .catch(() => false)
      .then((ok) => live && setPhase(ok ? 'signed-in' : 'signed-out'));
    const off = session.onChange((signedIn) => {
      setPhase(signedIn ? 'signed-in' : 'signed-out');
      if (!signedIn) queryClient.clear();
    });
    return () => {
      live = false;
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

  const state: AuthState =
    phase === 'signed-out' ? { status: 'signed-out' } : phase === 'signed-in' && account.data ? { status: 'signed-in', account: account.data } : { status: 'checking' };
  const api = useMemo(() => ({ state, signIn, signOut, signOutEverywhere }), [state, signIn, signOut, signOutEverywhere]);
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
