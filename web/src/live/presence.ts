import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { api } from '../api.ts';
import { presenceKey, type PresenceEntry, type PresenceState } from './events.ts';

/** How often "viewing" is renewed (the server forgets an agent after 30 s). */
export const HEARTBEAT_MS = 20_000;
/** "typing" is sent at most this often while keys come… */
export const TYPING_THROTTLE_MS = 3_000;
/** …and goes back to "viewing" after this long without a key. */
export const TYPING_IDLE_MS = 5_000;

/** When this tab last told each ticket "typing" (the heartbeat does not undo it). */
const typingSince = new Map<number, number>();

function share(ticketId: number, state: PresenceState): Promise<unknown> {
  return api(`/tickets/${ticketId}/presence`, {
    method: 'POST',
    body: { presence: { state } },
  }).catch(() => {
    // Presence is a courtesy: a failed one is renewed by the next heartbeat.
  });
}

/** Who is on a ticket: read on open, kept current by the stream's presence events. */
export function usePresenceList(ticketId: number) {
  return useQuery({
    queryKey: presenceKey(ticketId),
    enabled: Number.isInteger(ticketId) && ticketId > 0,
    staleTime: Infinity,
    queryFn: () =>
      api<{ presence: PresenceEntry[] }>(`/tickets/${ticketId}/presence`).then((r) => r.presence),
  });
}

/**
 * Tells the other agents this one is on the ticket: "viewing" on open and every 20 s, "left"
 * on leaving the page, and on closing the tab (a keepalive request that outlives the page).
 */
export function useViewingReporter(ticketId: number): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!Number.isInteger(ticketId) || ticketId <= 0) return;
    void share(ticketId, 'viewing');
    const timer = setInterval(() => {
      const typed = typingSince.get(ticketId);
      const typing = typed !== undefined && Date.now() - typed < TYPING_IDLE_MS;
      void share(ticketId, typing ? 'typing' : 'viewing');
    }, HEARTBEAT_MS);
    const pagehide = () => {
      const session = client.getQueryData<{ csrf_token?: string } | null>(['session']);
      void fetch(`/api/v2/tickets/${ticketId}/presence`, {
        method: 'POST',
        keepalive: true,
        credentials: 'same-origin',
        headers: {
          'content-type': 'application/json',
          ...(session?.csrf_token ? { 'x-csrf-token': session.csrf_token } : {}),
        },
        body: JSON.stringify({ presence: { state: 'left' } }),
      }).catch(() => {});
    };
    window.addEventListener('pagehide', pagehide);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pagehide', pagehide);
      typingSince.delete(ticketId);
      void share(ticketId, 'left');
    };
  }, [client, ticketId]);
}

/**
 * A function to call on every keystroke in the composer: it tells the others "typing" at most
 * every 3 s, and "viewing" again 5 s after the last key.
 */
export function useTypingReporter(ticketId: number): () => void {
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastSent = useRef(0);
  useEffect(
    () => () => {
      if (idle.current) clearTimeout(idle.current);
      idle.current = null;
      lastSent.current = 0;
    },
    [ticketId],
  );
  return useCallback(() => {
    if (!Number.isInteger(ticketId) || ticketId <= 0) return;
    const now = Date.now();
    typingSince.set(ticketId, now);
    if (now - lastSent.current >= TYPING_THROTTLE_MS) {
      lastSent.current = now;
      void share(ticketId, 'typing');
    }
    if (idle.current) clearTimeout(idle.current);
    idle.current = setTimeout(() => {
      idle.current = null;
      lastSent.current = 0;
      typingSince.delete(ticketId);
      void share(ticketId, 'viewing');
    }, TYPING_IDLE_MS);
  }, [ticketId]);
}
