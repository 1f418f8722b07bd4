/**
 * Who is on a ticket right now ("Giulia is viewing / typing"): kept in memory on every node,
 * never stored. Each entry lives `ttlMs` unless renewed, so a closed browser tab disappears
 * by itself; on PostgreSQL every node hears every change through NOTIFY and keeps the same
 * board.
 */

export type PresenceState = 'viewing' | 'typing' | 'left';

export interface PresenceChange {
  ticketId: number;
  /** The ticket is of a messaging channel (agents without chat access are not told). */
  messaging: boolean;
  user: { id: number; name: string };
  state: PresenceState;
  /** Epoch ms after which the entry is gone (for `left`: now). */
  expiresAt: number;
}

export class PresenceBoard {
  private readonly tickets = new Map<number, Map<number, PresenceChange>>();

  /** Applies a change; `left` removes the user from the ticket. */
  apply(change: PresenceChange): void {
    let users = this.tickets.get(change.ticketId);
    if (change.state === 'left') {
      users?.delete(change.user.id);
      if (users?.size === 0) this.tickets.delete(change.ticketId);
      return;
    }
    if (!users) this.tickets.set(change.ticketId, (users = new Map()));
    users.set(change.user.id, change);
  }

  /** Who is on the ticket at `now`. */
  on(ticketId: number, now: number): PresenceChange[] {
    const users = this.tickets.get(ticketId);
    if (!users) return [];
    return [...users.values()].filter((p) => p.expiresAt > now);
  }

  /** Removes the entries expired at `now` and returns them, as `left` changes to tell. */
  sweep(now: number): PresenceChange[] {
    const gone: PresenceChange[] = [];
    for (const [ticketId, users] of this.tickets) {
      for (const [userId, p] of users) {
        if (p.expiresAt > now) continue;
        users.delete(userId);
        gone.push({ ...p, state: 'left', expiresAt: now });
      }
      if (users.size === 0) this.tickets.delete(ticketId);
    }
    return gone;
  }
}
