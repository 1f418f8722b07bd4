/** The realtime stream's events, as GET /api/v2/stream sends them (src/realtime/). */

export interface TicketWritten {
  ticket_id: number;
  audit_id: number | null;
  changes: Array<{ field: string; previous: unknown; value: unknown }>;
  comments: Array<{ id: number; public: boolean }>;
  actor: { id: number | null; via: string };
}

export interface CommentDelivery {
  ticket_id: number;
  comment_id: number;
  status: 'sending' | 'delivered' | 'failed';
  reason: string | null;
}

export interface NotificationCreated {
  notification_id: number;
  user_id: number;
  ticket_id: number | null;
}

export type PresenceState = 'viewing' | 'typing' | 'left';

/** One agent on a ticket (GET /tickets/{id}/presence, and the stream's `presence`). */
export interface PresenceEntry {
  ticket_id: number;
  user: { id: number; name: string };
  state: PresenceState;
  expires_at: string;
}

export type LiveEvent =
  | { kind: 'ticket.created' | 'ticket.updated'; id: number; data: TicketWritten }
  | { kind: 'comment.delivery'; id: number; data: CommentDelivery }
  | { kind: 'notification.created'; id: number; data: NotificationCreated }
  | { kind: 'presence'; id: number; data: PresenceEntry }
  | { kind: 'view.counts_changed'; id: number; data: Record<string, never> }
  | { kind: 'reset'; id: number; data: { reason: string } };

export const EVENT_KINDS: ReadonlyArray<LiveEvent['kind']> = [
  'ticket.created',
  'ticket.updated',
  'comment.delivery',
  'notification.created',
  'presence',
  'view.counts_changed',
  'reset',
];

/** Kinds with an id of their own (replayed on reconnect): each is applied once. */
export const LOGGED_KINDS: ReadonlySet<string> = new Set([
  'ticket.created',
  'ticket.updated',
  'comment.delivery',
  'notification.created',
]);

/** Query keys about one ticket start with ['ticket', N]; its presence has its own key. */
export const presenceKey = (ticketId: number) => ['ticket', ticketId, 'presence'] as const;
