import type { User } from '../../../db/types.ts';
import { isAgent } from '../../../desk/context.ts';
import { MAX_ID } from '../schemas/common.ts';

/**
 * Who a ticket is rendered for. A rendering is kept in the cache under its ticket's id, version
 * and audience (`RenderedTickets`), so what one audience reads can never answer another.
 */
export const AUDIENCES = ['agent', 'end-user'] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * Everything about a ticket's JSON that depends on who reads it. The renderers
 * (`presentTicket`, `ticketJsonSql`) are given an audience and read its view here, nothing else
 * of the reader: a field shown only to some readers is a property of these views, and readers
 * who must see something the others do not are a new audience, with a cache key of their own.
 */
export interface TicketView {
  /** Whether a first comment that was an internal note shows as the ticket's description. */
  readonly internalDescription: boolean;
}

export const TICKET_VIEWS: Readonly<Record<Audience, TicketView>> = {
  // Agents see every field.
  agent: { internalDescription: true },
  // A requester sees what Zendesk shows end users: an internal note is not their description.
  'end-user': { internalDescription: false },
};

/** The one decision of what `user` sees of a ticket: the audience they read it as. */
export function audienceOf(user: Pick<User, 'role'>): Audience {
  return isAgent(user) ? 'agent' : 'end-user';
}

const SLOTS = Object.fromEntries(AUDIENCES.map((a, i) => [a, i])) as Record<Audience, number>;

/**
 * The cache's key of a ticket's rendering for `audience`: distinct for every id and audience.
 * Agents' is the id itself and end users' its negative (ids are positive, at most MAX_ID), so
 * keys stay small integers, which a Map hashes without allocating; a further audience would
 * take the next MAX_ID negatives.
 */
export function renderingKey(id: number, audience: Audience): number {
  const slot = SLOTS[audience];
  return slot === 0 ? id : -(id + (slot - 1) * MAX_ID);
}
