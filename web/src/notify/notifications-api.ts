import { api } from '../api.ts';

/** One in-app notification as GET /api/v2/notifications lists it. */
export interface AppNotification {
  id: number;
  ticket_id: number | null;
  subject: string | null;
  body: string | null;
  read: boolean;
  created_at: string;
}

/** The bell's list; the live toasts keep their own ['notification', id]. */
export const NOTIFICATIONS_KEY = ['notifications', 'latest'] as const;

/** How many of the latest the bell lists. */
const LATEST = 20;

export async function loadNotifications(
  signal?: AbortSignal,
): Promise<{ notifications: AppNotification[]; unread: number }> {
  const res = await api<{ notifications: AppNotification[]; meta: { unread_count: number } }>(
    `/notifications?per_page=${LATEST}`,
    { signal },
  );
  return { notifications: res.notifications, unread: res.meta.unread_count };
}

export function markRead(id: number): Promise<unknown> {
  return api(`/notifications/${id}`, { method: 'PUT', body: { notification: { read: true } } });
}

export function markAllRead(): Promise<unknown> {
  return api('/notifications/mark_all_read', { method: 'PUT' });
}
