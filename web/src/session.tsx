import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from './api.ts';
import { forgetEmbedded } from './boot-data.ts';
import type { Permissions, SessionInfo, User } from './types.ts';

interface SessionState {
  user: User | null;
  /** What the user may do beyond their role (null: signed out). */
  permissions: Permissions | null;
  loading: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);
const SESSION_KEY = ['session'] as const;

/** Who is signed in (null: nobody); read once, then kept by sign-in and sign-out. */
export const sessionQuery = queryOptions({
  queryKey: SESSION_KEY,
  queryFn: loadSession,
  staleTime: Infinity,
});

async function loadSession(): Promise<SessionInfo | null> {
  try {
    return await api<SessionInfo>('/session', { quiet401: true });
  } catch (err) {
    // No session (401), or a request authenticated otherwise (404): sign in.
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) return null;
    throw err;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const query = useQuery(sessionQuery);
  const info = query.data ?? null;
  setCsrfToken(info?.csrf_token ?? null);

  const forget = useCallback(() => {
    setCsrfToken(null);
    forgetEmbedded();
    // The session query stays in the cache (its observer would not see a new one); all else
    // the signed-out agent could see goes.
    client.setQueryData(SESSION_KEY, null);
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
  }, [client]);

  useEffect(() => {
    // An expired session answers 401 anywhere: drop everything cached and show sign-in.
    setUnauthorizedHandler(forget);
  }, [forget]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const created = await api<SessionInfo>('/session', {
        method: 'POST',
        body: { email, password },
        quiet401: true,
      });
      setCsrfToken(created.csrf_token);
      forgetEmbedded();
      client.setQueryData(SESSION_KEY, created);
    },
    [client],
  );

  const signOut = useCallback(async () => {
    try {
      await api('/session', { method: 'DELETE', quiet401: true });
    } finally {
      forget();
    }
  }, [forget]);

  return (
    <SessionContext.Provider
      value={{
        user: info?.user ?? null,
        permissions: info ? permissionsOf(info) : null,
        loading: query.isPending,
        signIn,
        signOut,
      }}
    >
      {children}
    </SessionContext.Provider>
  );
}

function permissionsOf(info: SessionInfo): Permissions {
  return info.permissions ?? { manage_channels: info.user.role === 'admin' };
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}
