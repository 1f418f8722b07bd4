import type { Ticket } from '../../db/types.ts';
import type { Actor, Conn } from '../context.ts';
import { authorize } from '../policies/authorize.ts';
import {
  type TicketScope,
  ticketScope,
  visibleComments,
  visibleTickets,
} from '../policies/tickets.ts';
import { countLiveTickets } from './count-tickets.ts';
import { loadTicket } from './write-ticket.ts';

/** One live ticket `actor` may read; any other is one that does not exist. */
export async function showTicket(db: Conn, actor: Actor, id: number): Promise<Ticket> {
  const ticket = await loadTicket(db, id);
  await authorize(db, actor, 'ticket:read', ticket);
  return ticket;
}

/**
 * The live tickets `actor` may see, counted. Everyone who sees them all takes the cheap kept
 * count; only agents whose role hides messaging tickets count with a filter.
 */
export async function countTickets(db: Conn, actor: Actor): Promise<number> {
  await authorize(db, actor, 'ticket:count');
  const scope = await ticketScope(db, actor);
  if (scope.kind === 'all') return countLiveTickets(db);
  const row = await visibleTickets(
    db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('deleted_at', 'is', null),
    scope,
  ).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The comments of a ticket `actor` may read, as far as they see them (end users: public ones). */
export async function ticketCommentsQuery(db: Conn, actor: Actor, id: number) {
  const ticket = await showTicket(db, actor, id);
  return visibleComments(
    db.selectFrom('comments').selectAll().where('ticket_id', '=', ticket.id),
    actor,
  );
}

/** The audits of a ticket `actor` may read (agents only). */
export async function ticketAuditsQuery(db: Conn, actor: Actor, id: number) {
  await authorize(db, actor, 'ticket:read-audits');
  const ticket = await showTicket(db, actor, id);
  return db.selectFrom('audits').selectAll().where('ticket_id', '=', ticket.id);
}

/**
 * Which tickets a list of someone's (requested or assigned) or an organization's tickets may
 * show `actor`: the list's own rule first, then the actor's scope, which the reader applies.
 */
export async function ticketListScope(
  db: Conn,
  actor: Actor,
  of: { userId: number } | { organizationId: number },
): Promise<TicketScope> {
  if ('userId' in of) await authorize(db, actor, 'ticket:list-by-user', { userId: of.userId });
  else await authorize(db, actor, 'ticket:list-by-organization');
  return ticketScope(db, actor);
}
