import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { api } from '../api.ts';
import { useSession } from '../session.tsx';
import {
  EVENT_KINDS,
  LOGGED_KINDS,
  presenceKey,
  type LiveEvent,
  type PresenceEntry,
} from './events.ts';
import { Invalidator } from './invalidator.ts';
import { LiveOverlay } from './LiveOverlay.tsx';
import { forgetStart, streamStart } from './position.ts';

/** 'connecting' until the first open; 'down' while the stream is lost and being retried. */
export type StreamStatus = 'connecting' | 'open' | 'down';

type Listener = (event: LiveEvent) => void;

interface Live {
  status: StreamStatus;
  /** Every event the stream delivers (each logged one once), after the cache has been told. */
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live | null>(null);

/** Retries after the stream was refused (not a network error, which EventSource retries). */
const RETRY_MS = [1_000, 3_000, 10_000, 30_000];

/** The queries the stream keeps current. */
const LIVE_ROOTS = new Set(['view', 'view-counts', 'ticket']);

/**
 * The tab's one realtime stream (GET /api/v2/stream) while an agent is signed in: its events
 * become TanStack Query invalidations (coalesced), presence updates, and notification toasts.
 * Mounted once around the app (main.tsx), inside the session and the router.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const { user } = useSession();
  // Agents and admins only: the stream refuses end users (who see no workspace anyway).
  const me = user && user.role !== 'end-user' ? user.id : null;
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const listeners = useRef(new Set<Listener>());
  const [notifications, setNotifications] = useState<number[]>([]);

  useEffect(() => {
    if (me === null) return;
    const invalidate = new Invalidator(client);
    let source: EventSource | null = null;
    // Everything live loaded before an answer read behind the stream's start (position.ts).
    const refetchLive = () =>
      void client.invalidateQueries({
        predicate: ({ queryKey: [first], state }) =>
          LIVE_ROOTS.has(String(first)) && state.dataUpdatedAt > 0,
      });
    // The first stream resumes from where the loaded data was read, when the answers said:
    // it is replayed what changed since, and nothing loaded is refetched wholesale.
    let lastId: number | null = streamStart(() => setTimeout(refetchLive, 0));
    const resumed = lastId !== null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let failures = 0;
    let wasOpen = false;
    let stopped = false;

    const apply = (event: LiveEvent) => {
      switch (event.kind) {
        case 'ticket.created':
        case 'ticket.updated':
          // The counts wait for view.counts_changed, which the server sends at most once a
          // second however many tickets change: counting is the costly query.
          invalidate.ticket(event.data.ticket_id);
          invalidate.views();
          break;
        case 'comment.delivery':
          invalidate.ticket(event.data.ticket_id);
          break;
        case 'view.counts_changed':
          invalidate.counts();
          break;
        case 'presence': {
          const key = presenceKey(event.data.ticket_id);
          if (client.getQueryData(key) !== undefined) {
            client.setQueryData<PresenceEntry[]>(key, (old) =>
              old === undefined ? undefined : mergePresence(old, event.data),
            );
          } else if (client.getQueryState(key)?.fetchStatus === 'fetching') {
            // The list is being read: that read may predate this change, so read it again
            // (invalidating cancels the read in flight) rather than lose the change.
            void client.invalidateQueries({ queryKey: key, exact: true });
          }
          break;
        }
        case 'notification.created':
          if (event.data.user_id === me) {
            setNotifications((n) => [...n.slice(-2), event.data.notification_id]);
          }
          break;
        case 'reset':
          invalidate.all();
          break;
      }
      for (const l of listeners.current) l(event);
    };

    const receive = (kind: LiveEvent['kind']) => (msg: MessageEvent<string>) => {
      const id = msg.lastEventId === '' ? null : Number(msg.lastEventId);
      if (LOGGED_KINDS.has(kind) && id !== null && lastId !== null && id <= lastId) return;
      if (id !== null) lastId = Math.max(lastId ?? 0, id);
      let data: unknown;
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      apply({ kind, id: id ?? 0, data } as LiveEvent);
    };

    const down = () => {
      setStatus('down');
    };

    const connect = () => {
      if (stopped) return;
      retry = null;
      const url = lastId === null ? '/api/v2/stream' : `/api/v2/stream?last_event_id=${lastId}`;
      const es = new EventSource(url);
      source = es;
      for (const kind of EVENT_KINDS) es.addEventListener(kind, receive(kind));
      es.onopen = () => {
        failures = 0;
        setStatus('open');
        // What changed while down comes as replayed events; presence is not replayed.
        if (wasOpen) {
          invalidate.allPresence();
          invalidate.counts();
        } else if (!resumed) {
          // The first stream starts from now: what was loaded before it opened may have
          // missed a change made meanwhile (usually nothing: the stream opens first).
          const openedAt = Date.now();
          void client.invalidateQueries({
            predicate: ({ queryKey: [first], state }) =>
              LIVE_ROOTS.has(String(first)) &&
              state.dataUpdatedAt > 0 &&
              state.dataUpdatedAt < openedAt,
          });
        }
        wasOpen = true;
      };
      es.onerror = () => {
        down();
        // CONNECTING: EventSource retries by itself, sending Last-Event-ID. CLOSED: it was
        // refused (signed out, too many streams, server gone): find out why, then retry.
        if (es.readyState === EventSource.CLOSED) void refused(es);
      };
    };

    const reconnectSoon = (ms: number) => {
      if (stopped || retry) return;
      retry = setTimeout(connect, ms);
    };

    const refused = async (es: EventSource) => {
      if (source !== es) return;
      source = null;
      try {
        // A 401 here signs the tab out (api's unauthorized handler), which ends this effect.
        await api('/session');
      } catch {
        // Offline or the server is down: try again below.
      }
      reconnectSoon(RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]!);
    };

    // The browser knows the network is gone before the socket does: say so, and reconnect
    // (from the last id seen) as soon as it is back rather than at EventSource's next retry.
    const offline = () => {
      source?.close();
      source = null;
      down();
    };
    const online = () => {
      if (source && source.readyState === EventSource.OPEN) return;
      source?.close();
      source = null;
      if (retry) clearTimeout(retry);
      retry = null;
      connect();
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    connect();

    return () => {
      stopped = true;
      forgetStart();
      // Signed out (or another agent signs in here): nothing of this session stays on screen.
      setStatus('connecting');
      setNotifications([]);
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      if (retry) clearTimeout(retry);
      source?.close();
      invalidate.dispose();
    };
  }, [client, me]);

  const subscribe = useCallback((l: Listener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);
  const live = useMemo(() => ({ status, subscribe }), [status, subscribe]);

  return (
    <LiveContext.Provider value={live}>
      {children}
      <LiveOverlay
        status={status}
        notifications={notifications}
        onDismiss={(id) => setNotifications((n) => n.filter((x) => x !== id))}
      />
    </LiveContext.Provider>
  );
}

/** A presence change applied to who is on the ticket. */
export function mergePresence(list: PresenceEntry[], change: PresenceEntry): PresenceEntry[] {
  const others = list.filter((p) => p.user.id !== change.user.id);
  return change.state === 'left' ? others : [...others, change];
}

function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveProvider');
  return live;
}

/** Whether the stream is up (the views sidebar polls only while it is not). */
export function useStreamStatus(): StreamStatus {
  return useContext(LiveContext)?.status ?? 'down';
}

/** Calls `listener` with every stream event while mounted. */
export function useLiveEvents(listener: Listener): void {
  const { subscribe } = useLive();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => subscribe((e) => latest.current(e)), [subscribe]);
}
