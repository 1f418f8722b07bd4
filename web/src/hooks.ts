import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from './api.ts';
import type { ExecuteResult, Group, User, View, ViewCount } from './types.ts';

// Query options shared by the pages and by the first load's early requests (boot.ts): the
// same keys and shapes, so what boot.ts fetched is what the pages find in the cache.

export const activeViewsQuery = queryOptions({
  queryKey: ['views', 'active'],
  // Read by the sidebar and by the view page as it opens: one request, not one each.
  staleTime: 30_000,
  queryFn: () => api<{ views: View[] }>('/views/active').then((r) => r.views),
});

export function viewCountsQuery(ids: number[]) {
  return queryOptions({
    queryKey: ['view-counts', ids],
    queryFn: () =>
      api<{ view_counts: ViewCount[] }>(`/views/count_many?ids=${ids.join(',')}`).then(
        (r) => new Map(r.view_counts.map((c) => [c.view_id, c.value])),
      ),
  });
}

export interface ViewSort {
  by: string;
  order: 'asc' | 'desc';
}

/** Rows a view page shows. */
export const VIEW_PER_PAGE = 25;

export function viewPageQuery(viewId: string, page: number, sort: ViewSort | null) {
  const params = new URLSearchParams({ page: String(page), per_page: String(VIEW_PER_PAGE) });
  if (sort) {
    params.set('sort_by', sort.by);
    params.set('sort_order', sort.order);
  }
  return queryOptions({
    queryKey: ['view', viewId, page, sort],
    queryFn: () => api<ExecuteResult>(`/views/${viewId}/execute?${params.toString()}`),
  });
}

export function usersQuery(ids: number[]) {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  return queryOptions({
    queryKey: ['users', unique],
    enabled: unique.length > 0,
    queryFn: () =>
      api<{ users: User[] }>(`/users/show_many?ids=${unique.join(',')}`).then(
        (r) => new Map(r.users.map((u) => [u.id, u])),
      ),
  });
}

export const groupsQuery = queryOptions({
  queryKey: ['groups'],
  queryFn: () => api<{ groups: Group[] }>('/groups').then((r) => r.groups),
});

export function useActiveViews() {
  return useQuery(activeViewsQuery);
}

/** Names for the ids a table shows: one request for the whole page. */
export function useUsers(ids: number[]) {
  return useQuery(usersQuery(ids));
}

export function useAgents() {
  return useQuery({
    queryKey: ['agents'],
    queryFn: () =>
      api<{ users: User[] }>('/users?role[]=agent&role[]=admin&per_page=100').then((r) => r.users),
  });
}

export function useGroups() {
  return useQuery(groupsQuery);
}
