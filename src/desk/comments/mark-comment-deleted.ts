import type { Actor, Conn } from '../context.ts';
import { auditChannelCommentChange, type ChannelComment } from './channel-comment.ts';

/**
 * The person deleted their message in the channel: the comment is marked deleted (the row
 * stays; the API shows it as `deleted`) and the audit says so.
 */
export async function markCommentDeleted(
  trx: Conn,
  actor: Actor,
  comment: ChannelComment,
  now: string,
): Promise<void> {
  await trx.updateTable('comments').set({ deleted_at: now }).where('id', '=', comment.id).execute();
  await auditChannelCommentChange(
    trx,
    actor,
    comment,
    {
      action: `comment_deleted_in_${comment.channel}`,
      comment_id: comment.id,
      ...comment.reference,
    },
    now,
  );
}
