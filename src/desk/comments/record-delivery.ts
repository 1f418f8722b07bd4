import { transaction } from '../../db/transaction.ts';
import type { Conn } from '../context.ts';
import { type DeskEvents, EventsAfterCommit } from '../events.ts';

export interface DeliveryChange {
  /** The new state; left as it is when absent (only the error changes). */
  status?: 'pending' | 'sending' | 'delivered' | 'failed';
  /** The channel's error code; null clears it; absent leaves it. */
  error?: string | null;
  /** Change only a comment in this state (a wait puts back only a reply still `sending`). */
  onlyFrom?: string;
}

/**
 * Records a public reply's delivery state as a channel's worker learns it, and tells the desk's
 * bus when the state changed (a reply posted in several parts is `sending` once, not per part),
 * in one transaction, so the realtime log and the comment agree.
 */
export async function recordCommentDelivery(
  db: Conn,
  bus: DeskEvents,
  commentId: number,
  change: DeliveryChange,
): Promise<void> {
  const events = new EventsAfterCommit(bus);
  const committed = transaction(db, async (trx) => {
    const run = events.attempt();
    let q = trx
      .selectFrom('comments')
      .select(['ticket_id', 'delivery_status', 'delivery_error'])
      .where('id', '=', commentId);
    if (change.onlyFrom !== undefined) q = q.where('delivery_status', '=', change.onlyFrom);
    const before = await q.executeTakeFirst();
    if (!before) return;
    const status = change.status ?? before.delivery_status;
    const reason = change.error === undefined ? before.delivery_error : change.error;
    if (status === before.delivery_status && reason === before.delivery_error) return;
    await trx
      .updateTable('comments')
      .set({ delivery_status: status, delivery_error: reason })
      .where('id', '=', commentId)
      .execute();
    if (status === before.delivery_status || status === null) return;
    await run.emit(trx, {
      name: 'comment.delivery',
      commentId,
      ticketId: before.ticket_id,
      status,
      reason,
    });
  });
  await events.publishAfter(committed);
}
