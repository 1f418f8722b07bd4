import type { User } from '../db/types.ts';
import type { TicketScope } from '../desk/policies/tickets.ts';
import type { PresenceChange } from './presence.ts';
import type { StreamItem } from './stream-log.ts';

/** Where a connection's text goes (an HTTP response); the hub knows nothing of HTTP. */
export interface StreamSink {
  write(text: string): void;
  end(): void;
}

/** One SSE frame. Data is one JSON line, so no `data:` line break can be smuggled in. */
export function frame(event: string, id: number, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * One agent's open stream. Events reach it in id order, from its replay first and the hub's
 * live reading after; `cursor` is the last id it has dealt with (sent, or withheld from this
 * agent), so an event is never sent twice, and while the replay runs the live events wait in
 * `pending` until the replay has caught up with them.
 */
export class StreamConnection {
  cursor: number;
  private replaying = true;
  private pending: StreamItem[] = [];
  /** Presence changes told during the replay (the newest per agent and ticket), sent after it. */
  private pendingPresence = new Map<string, PresenceChange>();
  private countsTimer: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    readonly user: User,
    public scope: TicketScope,
    from: number,
    private readonly sink: StreamSink,
    private readonly countsThrottleMs: number,
    private readonly onClose: (c: StreamConnection) => void,
  ) {
    this.cursor = from;
  }

  /** Whether this agent may be told about something with this audience. */
  sees(audience: { messaging?: boolean; userId?: number }): boolean {
    if (audience.userId !== undefined && audience.userId !== this.user.id) return false;
    if (audience.messaging && this.scope.kind !== 'all') return false;
    return true;
  }

  /** A live event from the hub: held while replaying, else sent unless already dealt with. */
  live(item: StreamItem): void {
    if (this.closed) return;
    if (this.replaying) this.pending.push(item);
    else this.send(item);
  }

  /** An event read by the replay. */
  replayed(item: StreamItem): void {
    this.send(item);
  }

  /** The replay is done: what arrived live meanwhile follows, minus what the replay sent. */
  caughtUp(): void {
    this.replaying = false;
    const held = this.pending;
    this.pending = [];
    for (const item of held) this.send(item);
    const presence = [...this.pendingPresence.values()];
    this.pendingPresence.clear();
    for (const change of presence) this.presence(change);
  }

  private send(item: StreamItem): void {
    if (this.closed || item.id <= this.cursor) return;
    this.cursor = item.id;
    if (!this.sees(item.audience)) return;
    this.sink.write(frame(item.kind, item.id, item.data));
    if (item.kind.startsWith('ticket.')) this.countsChanged();
  }

  /**
   * View counts moved: a hint to refetch them, at most one per throttle window, however many
   * tickets changed (a burst of Slack messages is one refetch, not hundreds).
   */
  private countsChanged(): void {
    if (this.countsTimer) return;
    this.countsTimer = setTimeout(() => {
      this.countsTimer = null;
      if (!this.closed) this.sink.write(frame('view.counts_changed', this.cursor, {}));
    }, this.countsThrottleMs);
  }

  /**
   * Presence is not logged, so it cannot be replayed: a change told while the replay runs is
   * held (only the newest per agent and ticket matters) and sent once the replay is done, not
   * dropped — the agent would not see a colleague arrive until their next heartbeat.
   */
  presence(change: PresenceChange): void {
    if (this.closed || !this.sees({ messaging: change.messaging })) return;
    if (this.replaying) {
      this.pendingPresence.set(`${change.ticketId}:${change.user.id}`, change);
      return;
    }
    this.sink.write(
      frame('presence', this.cursor, {
        ticket_id: change.ticketId,
        user: change.user,
        state: change.state,
        expires_at: new Date(change.expiresAt).toISOString(),
      }),
    );
  }

  /** A plain SSE comment: keeps proxies and the client's idle timers from closing the stream. */
  heartbeat(): void {
    if (!this.closed) this.sink.write(': heartbeat\n\n');
  }

  /**
   * The client's last id is gone (pruned, or of another database): it is told to reload what
   * it shows, and the stream goes on from `latest`, the newest id there is.
   */
  reset(latest: number): void {
    if (this.closed) return;
    this.sink.write(frame('reset', latest, { reason: 'last_event_id_expired' }));
    this.cursor = Math.max(this.cursor, latest);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.countsTimer) clearTimeout(this.countsTimer);
    this.pending = [];
    this.sink.end();
    this.onClose(this);
  }
}
