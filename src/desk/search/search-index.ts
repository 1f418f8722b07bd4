import { writeTicketDocuments, writeUserDocuments } from '../../db/search-documents.ts';
import type { Conn } from '../context.ts';
import type { Processor } from '../events.ts';

/** Ticket fields a ticket's search document holds (search-documents.ts). */
const INDEXED_FIELDS = new Set(['subject', 'description', 'tags', 'requester_id']);

/**
 * Keeps ticket documents in step with ticket writes: inside the write's transaction, so a
 * search never sees a ticket its index disagrees with, and a rolled-back write leaves none.
 */
export const searchIndexProcessor: Processor = {
  name: 'search-index',
  handles: ['ticket.written'],
  async inTransaction(trx, event) {
    if (event.name !== 'ticket.written') return;
    const touched =
      event.created ||
      event.comments.length > 0 ||
      event.changes.some((c) => INDEXED_FIELDS.has(c.field));
    if (touched) await writeTicketDocuments(trx, [event.ticketId]);
  },
};

/** A user's document again, after a write to the user or their identities. */
export async function reindexUser(trx: Conn, userId: number): Promise<void> {
  await writeUserDocuments(trx, [userId]);
}

/**
 * A user's document and those of the tickets they requested, whose documents hold the
 * requester's name and email: after a rename or a new primary email.
 */
export async function reindexUserAndTickets(trx: Conn, userId: number): Promise<void> {
  await writeUserDocuments(trx, [userId]);
  const requested = await trx
    .selectFrom('tickets')
    .select('id')
    .where('requester_id', '=', userId)
    .where('deleted_at', 'is', null)
    .execute();
  for (let i = 0; i < requested.length; i += 500) {
    await writeTicketDocuments(
      trx,
      requested.slice(i, i + 500).map((r) => r.id),
    );
  }
}

/**
 * A ticket's document again, for writes that are not ticket writes: a deletion (the ticket
 * leaves the index), a channel message edited or deleted (its comment's text changes).
 */
export async function reindexTicket(trx: Conn, ticketId: number): Promise<void> {
  await writeTicketDocuments(trx, [ticketId]);
}
