import { transaction } from '../../db/transaction.ts';
import type { Comment } from '../../db/types.ts';
import type { Actor } from '../../desk/context.ts';
import { NotFoundError, ValidationError } from '../../desk/errors.ts';
import { EventsAfterCommit } from '../../desk/events.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { showTicket } from '../../desk/tickets/ticket-queries.ts';
import { enqueueJob } from '../../jobs/queue.ts';
import type { SlackContext } from './context.ts';
import { DELIVERY_QUEUE } from './delivery.ts';

const refuse = (description: string) => ValidationError.field('comment_id', description);

/**
 * An agent asks for a failed reply to be sent to the Slack DM again. Only a public agent reply
 * of a Slack ticket whose delivery failed qualifies. In one transaction the reply goes back to
 * `pending` (told on the desk's bus as `comment.delivery`, as the first attempt's states are)
 * and a new delivery job joins the conversation's queue, behind whatever it already holds. The
 * job is a redelivery: before posting a part it looks for that part in the DM's history (each
 * post carries its comment id and part in message metadata), so a retry never posts twice,
 * even after a failure that left it unknown whether Slack had the post.
 */
export async function redeliverComment(
  ctx: SlackContext,
  actor: Actor,
  ticketId: number,
  commentId: number,
  now: string,
): Promise<Comment> {
  const { db } = ctx;
  await authorize(db, actor, 'conversation:redeliver');
  await showTicket(db, actor, ticketId);
  const comment = await db
    .selectFrom('comments')
    .selectAll()
    .where('id', '=', commentId)
    .where('ticket_id', '=', ticketId)
    .executeTakeFirst();
  if (!comment) throw new NotFoundError('Comment');
  const link = await db
    .selectFrom('slack_conversation_tickets')
    .select('conversation_id')
    .where('ticket_id', '=', ticketId)
    .executeTakeFirst();
  if (!link) throw refuse('Comment: the ticket is not a Slack conversation');
  if (comment.public !== 1) throw refuse('Comment: an internal note is never sent to Slack');
  if (comment.delivery_status === null) {
    throw refuse('Comment: only an agent’s public reply is delivered to Slack');
  }
  if (comment.delivery_status !== 'failed') {
    throw refuse(`Comment: its delivery is ${comment.delivery_status}, not failed`);
  }

  const events = new EventsAfterCommit(ctx.events);
  const committed = transaction(db, async (trx) => {
    const run = events.attempt();
    // Conditional: of two agents pressing Retry at once, one re-queues and the other is told.
    const changed = await trx
      .updateTable('comments')
      .set({ delivery_status: 'pending', delivery_error: null })
      .where('id', '=', commentId)
      .where('delivery_status', '=', 'failed')
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) return null;
    await run.emit(trx, {
      name: 'comment.delivery',
      commentId,
      ticketId,
      status: 'pending',
      reason: null,
    });
    await enqueueJob(
      trx,
      {
        queue: DELIVERY_QUEUE,
        orderKey: `conv:${link.conversation_id}`,
        payload: { kind: 'comment', comment_id: commentId, redelivery: true },
        // The first attempt's job keeps `comment:{id}`; each redelivery is a job of its own.
        dedupeKey: `comment:${commentId}:redelivery:${now}`,
      },
      ctx.jobs,
    );
    return trx.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst();
  });
  const after = await events.publishAfter(committed);
  if (!after) throw refuse('Comment: its delivery is no longer failed');
  ctx.logger.info({ commentId, ticketId, userId: actor.user.id }, 'slack delivery re-queued');
  return after;
}
