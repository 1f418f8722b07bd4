import { isPostgres } from '../../db/dialect.ts';
import { writeTransaction } from '../../db/group-commit.ts';
import type { Actor, Conn } from '../context.ts';
import { isAgent } from '../context.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import {
  type CommentInput,
  type TicketPatch,
  type WriteResult,
  writeTicket,
} from './write-ticket.ts';

export async function updateTicket(
  db: Conn,
  actor: Actor,
  id: number,
  patch: TicketPatch,
  comment: CommentInput | null,
  now: string,
): Promise<WriteResult> {
  return writeTransaction(db, async (trx) => {
    let q = trx
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null);
    // Two updates of one ticket must not interleave; SQLite serializes writers by itself.
    if (isPostgres(trx)) q = q.forUpdate();
    const before = await q.executeTakeFirst();
    if (!before) throw new NotFoundError('Ticket');
    if (!isAgent(actor.user)) {
      if (before.requester_id !== actor.user.id) throw new NotFoundError('Ticket');
      // End users can only comment on (and so reopen) their own tickets.
      if (Object.keys(patch).length > 0) throw new ForbiddenError();
    }
    return writeTicket(trx, { before, patch, comment, actor: actor.user, via: actor.via, now });
  });
}

/** Zendesk's delete is soft: the ticket leaves lists and reads but its history stays. */
export async function deleteTicket(db: Conn, id: number, now: string): Promise<void> {
  const res = await db
    .updateTable('tickets')
    .set((eb) => ({ deleted_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new NotFoundError('Ticket');
}
