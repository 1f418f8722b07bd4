import type { SelectQueryBuilder } from 'kysely';
import type { DB, Ticket } from '../../db/types.ts';
import { type Actor, type Conn, isAgent } from '../context.ts';
import { grantsOf, seesMessaging } from './grants.ts';
import { agentsOnly, type Rule, type Who } from './rule.ts';

/** What the ticket rules look at. */
export type TicketSubject = Pick<Ticket, 'requester_id' | 'is_public' | 'from_messaging_channel'>;

/**
 * Agents read every ticket but those of messaging channels when their role withholds chat
 * access; end users only the public ones they requested (a ticket with internal notes only is
 * not theirs to see, as in Zendesk). Either way a ticket one may not read does not exist.
 */
function readsTicket(who: Who, t: TicketSubject): boolean {
  if (isAgent(who.user)) return !t.from_messaging_channel || seesMessaging(who.grants);
  return t.requester_id === who.user.id && t.is_public === 1;
}

export const ticketRules = {
  'ticket:read': { allow: readsTicket, hides: 'Ticket' } satisfies Rule<TicketSubject>,
  'ticket:count': agentsOnly,
  'ticket:read-audits': agentsOnly,
  // End users only comment on (and so reopen) their own tickets.
  'ticket:change-fields': agentsOnly,
  'ticket:edit-tags': agentsOnly,
  'ticket:delete': agentsOnly,
  'ticket:list-by-organization': agentsOnly,
  /** Someone's requested or assigned tickets: agents anyone's, end users their own. */
  'ticket:list-by-user': {
    allow: (who, s) => isAgent(who.user) || s.userId === who.user.id,
    hides: 'User',
  } satisfies Rule<{ userId: number }>,
};

/** Which tickets an actor's lists, counts and reads are limited to. */
export type TicketScope =
  { kind: 'all' } | { kind: 'not-messaging' } | { kind: 'requested'; userId: number };

const ALL: TicketScope = { kind: 'all' };

/** Admins and agents without a custom role see every ticket, known without a query. */
export async function ticketScope(db: Conn, actor: Actor): Promise<TicketScope> {
  if (!isAgent(actor.user)) return { kind: 'requested', userId: actor.user.id };
  if (actor.user.role === 'admin' || actor.user.custom_role_id === null) return ALL;
  return seesMessaging(await grantsOf(db, actor)) ? ALL : { kind: 'not-messaging' };
}

/**
 * `q` limited to the tickets `scope` may see, the filter in the query rather than a check
 * after loading. An unlimited scope leaves the query as it is.
 */
export function visibleTickets<O>(
  q: SelectQueryBuilder<DB, 'tickets', O>,
  scope: TicketScope,
): SelectQueryBuilder<DB, 'tickets', O> {
  switch (scope.kind) {
    case 'all':
      return q;
    case 'not-messaging':
      return q.where('from_messaging_channel', '=', 0);
    case 'requested':
      return q.where('requester_id', '=', scope.userId).where('is_public', '=', 1);
  }
}

/**
 * `q` over one readable ticket's comments limited to those `actor` sees: agents every one,
 * end users the public ones.
 */
export function visibleComments<O>(
  q: SelectQueryBuilder<DB, 'comments', O>,
  actor: Actor,
): SelectQueryBuilder<DB, 'comments', O> {
  return isAgent(actor.user) ? q : q.where('public', '=', 1);
}
