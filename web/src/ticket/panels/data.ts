import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api.ts';
import type { Brand, GroupMembership, PanelTicket, PanelUser, SlackProfile } from './types.ts';

/** Everything about ticket `id` starts with ['ticket', id]; this key holds its JSON. */
export const ticketKey = (id: number) => ['ticket', id] as const;

export function useTicket(id: number) {
  return useQuery({
    queryKey: ticketKey(id),
    queryFn: () => api<{ ticket: PanelTicket }>(`/tickets/${id}`).then((r) => r.ticket),
  });
}

/**
 * Refetches everything cached about ticket `id`, whether a page keyed it by number or by the
 * route's string.
 */
export function refreshTicket(client: QueryClient, id: number) {
  return client.invalidateQueries({
    predicate: (q) => q.queryKey[0] === 'ticket' && String(q.queryKey[1]) === String(id),
  });
}

export function useUser(id: number | null | undefined) {
  return useQuery({
    queryKey: ['user', id],
    enabled: typeof id === 'number',
    queryFn: () => api<{ user: PanelUser }>(`/users/${id}`).then((r) => r.user),
  });
}

export function useMe() {
  return useQuery({
    queryKey: ['user', 'me'],
    queryFn: () => api<{ user: PanelUser }>('/users/me').then((r) => r.user),
    staleTime: 60_000,
  });
}

export function useMemberships(userId: number | undefined) {
  return useQuery({
    queryKey: ['user', userId, 'group_memberships'],
    enabled: userId !== undefined,
    queryFn: () =>
      api<{ group_memberships: GroupMembership[] }>(
        `/users/${userId}/group_memberships?per_page=100`,
      ).then((r) => r.group_memberships),
  });
}

/** The agents of a group: the assignees it offers. */
export function groupMembersQuery(groupId: number) {
  return {
    queryKey: ['groups', groupId, 'users'],
    queryFn: () =>
      api<{ users: PanelUser[] }>(`/groups/${groupId}/users?per_page=100`).then((r) => r.users),
    staleTime: 60_000,
  };
}

export function useGroupMembers(groupId: number | null | undefined) {
  return useQuery({
    ...groupMembersQuery(groupId ?? 0),
    enabled: typeof groupId === 'number',
  });
}

export function useBrands() {
  return useQuery({
    queryKey: ['brands'],
    queryFn: () => api<{ brands: Brand[] }>('/brands').then((r) => r.brands),
    staleTime: 5 * 60_000,
  });
}

export function useSlackProfiles(userId: number | null | undefined) {
  return useQuery({
    queryKey: ['user', userId, 'slack_profiles'],
    enabled: typeof userId === 'number',
    queryFn: () =>
      api<{ slack_profiles: SlackProfile[] }>(`/users/${userId}/slack_profiles`).then(
        (r) => r.slack_profiles,
      ),
  });
}

/** Their tickets, newest first (one page: the panel lists the latest). */
export function useRequestedTickets(userId: number | null | undefined) {
  return useQuery({
    queryKey: ['user', userId, 'tickets', 'requested'],
    enabled: typeof userId === 'number',
    queryFn: () =>
      api<{ tickets: PanelTicket[]; count: number }>(
        `/users/${userId}/tickets/requested?sort_by=created_at&sort_order=desc&per_page=25`,
      ),
  });
}

/**
 * The server's own words for a refused request (Zendesk's envelope: the details' descriptions,
 * else the description), or null when it gave none.
 */
export function serverMessage(err: unknown): string | null {
  if (!(err instanceof ApiError) || typeof err.body !== 'object' || err.body === null) return null;
  const body = err.body as {
    error?: unknown;
    description?: unknown;
    details?: Record<string, { description?: unknown }[]>;
  };
  const details = Object.values(body.details ?? {})
    .flat()
    .map((d) => d.description)
    .filter((d): d is string => typeof d === 'string');
  if (details.length > 0) return details.join(' ');
  if (typeof body.description === 'string') return body.description;
  if (typeof body.error === 'string') return body.error;
  return null;
}
