import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { api } from '../api.ts';
import { presenceKey, type PresenceEntry, type PresenceState } from './events.ts';
import { TypingReporter } from './typing.ts';

/** How often "viewing" is renewed (the server forgets an agent after 30 s). */
export const HEARTBEAT_MS = 20_000;
/** Each open ticket's typing reporter (the heartbeat renews "typing", not "viewing", then). */
const typingOn = new Map<number, TypingReporter>();

const validTicket = (id: number) => Number.isInteger(id) && id > 0;

/** Each ticket's last presence request: the next one leaves only after it has been answered. */
const inFlight = new Map<number, Promise<unknown>>();

/**
 * Sends this agent's state on a ticket. One ticket's states are sent one after another: sent at
 * once, a "left" (the page unmounting) and the "viewing" that follows it (mounting again) could
 * reach the server in either order and leave the agent shown as gone while on the ticket.
 */
function share(ticketId: number, state: PresenceState): Promise<unknown> {
  const previous = inFlight.get(ticketId) ?? Promise.resolve();
  const sent = previous.then(() =>
    api(`/tickets/${ticketId}/presence`, {
      method: 'POST',
      body: { presence: { state } },
    }).catch(() => {
      // Presence is a courtesy: a failed one is renewed by the next heartbeat.
    }),
  );
  inFlight.set(ticketId, sent);
  void sent.then(() => {
    if (inFlight.get(ticketId) === sent) inFlight.delete(ticketId);
  });
  return sent;
}

/** Who is on a ticket: read on open, kept current by the stream's presence events. */
export function usePresenceList(ticketId: number) {
  return useQuery({
    queryKey: presenceKey(ticketId),
    enabled: validTicket(ticketId),
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
    if (!validTicket(ticketId)) return;
    void share(ticketId, 'viewing');
    const timer = setInterval(() => {
      void share(ticketId, typingOn.get(ticketId)?.typing ? 'typing' : 'viewing');
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
      void share(ticketId, 'left');
    };
  }, [client, ticketId]);
}

/**
 * A function to call on every keystroke in the composer (its `onTyping`): the other agents see
 * "… is typing" while keys come, and "viewing" again a few seconds after the last one.
 */
export function useTypingReporter(ticketId: number): () => void {
  const reporter = useRef<TypingReporter | null>(null);
  useEffect(() => {
    if (!validTicket(ticketId)) return;
    const r = new TypingReporter((state) => void share(ticketId, state));
    reporter.current = r;
    typingOn.set(ticketId, r);
    return () => {
      r.dispose();
      if (typingOn.get(ticketId) === r) typingOn.delete(ticketId);
      if (reporter.current === r) reporter.current = null;
    };
  }, [ticketId]);
  return useCallback(() => reporter.current?.keystroke(), []);
}
