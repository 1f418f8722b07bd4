import { useQuery } from '@tanstack/react-query';
import { api } from './api.ts';
import type { Group, User, View } from './types.ts';

export function useActiveViews() {
  return useQuery({
    queryKey: ['views', 'active'],
    // Read by the sidebar and by the view page as it opens: one request, not one each.
    staleTime: 30_000,
    queryFn: () => api<{ views: View[] }>('/views/active').then((r) => r.views),
  });
}

/** Names for the ids a table shows: one request for the whole page. */
export function useUsers(ids: number[]) {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  return useQuery({
    queryKey: ['users', unique],
    enabled: unique.length > 0,
    queryFn: () =>
      api<{ users: User[] }>(`/users/show_many?ids=${unique.join(',')}`).then(
        (r) => new Map(r.users.map((u) => [u.id, u])),
      ),
  });
}

export function useAgents() {
  return useQuery({
    queryKey: ['agents'],
    queryFn: () =>
      api<{ users: User[] }>('/users?role[]=agent&role[]=admin&per_page=100').then((r) => r.users),
  });
}

export function useGroups() {
  return useQuery({
    queryKey: ['groups'],
    queryFn: () => api<{ groups: Group[] }>('/groups').then((r) => r.groups),
  });
}
