import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import type { Brand, ConnectionChanges, ConnectionMode, SlackConnection } from './types.ts';

export const CONNECTIONS_KEY = ['admin', 'slack-connections'] as const;

export function useConnections() {
  return useQuery({
    queryKey: CONNECTIONS_KEY,
    queryFn: () =>
      api<{ connections: SlackConnection[] }>('/slack/connections').then((r) => r.connections),
    // An install may finish in Slack, or a workspace admin approve it, while the page is open.
    refetchInterval: 15_000,
  });
}

export function useBrands() {
  return useQuery({
    queryKey: ['brands'],
    queryFn: () => api<{ brands: Brand[] }>('/brands').then((r) => r.brands),
  });
}

/** Replaces one connection in the list with the server's answer. */
function useStoreConnection() {
  const client = useQueryClient();
  return (connection: SlackConnection) => {
    client.setQueryData<SlackConnection[]>(CONNECTIONS_KEY, (list) => {
      if (!list) return [connection];
      const known = list.some((c) => c.id === connection.id);
      return known
        ? list.map((c) => (c.id === connection.id ? connection : c))
        : [...list, connection];
    });
  };
}

export function useCreateConnection() {
  const store = useStoreConnection();
  return useMutation({
    mutationFn: (input: { name: string; brand_id?: number; mode: ConnectionMode }) =>
      api<{ connection: SlackConnection }>('/slack/connections', {
        method: 'POST',
        body: { connection: input },
      }).then((r) => r.connection),
    onSuccess: store,
  });
}

export function useUpdateConnection(id: number) {
  const store = useStoreConnection();
  return useMutation({
    mutationFn: (changes: ConnectionChanges) =>
      api<{ connection: SlackConnection }>(`/slack/connections/${id}`, {
        method: 'PUT',
        body: { connection: changes },
      }).then((r) => r.connection),
    onSuccess: store,
  });
}

export function useDisconnect(id: number) {
  const store = useStoreConnection();
  return useMutation({
    mutationFn: () =>
      api<{ connection: SlackConnection }>(`/slack/connections/${id}`, {
        method: 'DELETE',
      }).then((r) => r.connection),
    onSuccess: store,
  });
}

/**
 * Starts an install bound to this browser's session and sends the browser to Slack's (or the
 * sandbox's) Allow page; Slack sends it back to Parley, which lands it on this page again.
 */
export function useInstall(id: number) {
  return useMutation({
    mutationFn: (reauthorize: boolean) =>
      api<{ authorize_url: string }>(`/slack/connections/${id}/install`, {
        method: 'POST',
        body: reauthorize ? { reauthorize: true } : {},
      }),
    onSuccess: (r) => {
      window.location.assign(r.authorize_url);
    },
  });
}

export function useManifest(enabled: boolean) {
  return useQuery({
    queryKey: ['admin', 'slack-manifest'],
    enabled,
    queryFn: () =>
      api<{ manifest: unknown }>('/slack/manifest').then((r) =>
        JSON.stringify(r.manifest, null, 2),
      ),
  });
}
