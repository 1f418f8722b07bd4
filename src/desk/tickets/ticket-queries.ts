import type { Ticket } from '../../db/types.ts';
import type { Actor, Conn } from '../context.ts';
import { authorize } from '../policies/authorize.ts';
import { ticketScope, visibleTickets } from '../policies/tickets.ts';
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
