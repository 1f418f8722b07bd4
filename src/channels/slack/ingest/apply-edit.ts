import type { Classified } from '../classify.ts';
import type { ChannelComment } from '../../../desk/comments/channel-comment.ts';
import { editCommentFromChannel } from '../../../desk/comments/edit-comment-from-channel.ts';
import { markCommentDeleted } from '../../../desk/comments/mark-comment-deleted.ts';
import type { Actor, Conn } from '../../../desk/context.ts';
import { slackToMarkdown } from '../format.ts';
import { type ApplyScope, writeMessages } from './apply-state.ts';
import { slackVia } from './via.ts';

type EditOrDelete = Extract<Classified, { kind: 'edit' | 'delete' }>;

/** A message edited or deleted in Slack: its comment follows, and the audit says so. */
export async function applyEditOrDelete(
  trx: Conn,
  scope: ApplyScope,
  c: EditOrDelete,
): Promise<string> {
  const { state, connection, now } = scope;
  // The message may have come in earlier in this transaction.
  await writeMessages(trx, state);
  const conv = await trx
    .selectFrom('slack_conversations')
    .selectAll()
    .where('connection_id', '=', connection.id)
    .where('channel_id', '=', c.channel)
    .executeTakeFirst();
  if (!conv) return 'ignored: unknown conversation';
  // The comment with its author (who acts in the audit), in the one query.
  const known = await trx
    .selectFrom('slack_messages')
    .innerJoin('comments', 'comments.id', 'slack_messages.comment_id')
    .innerJoin('users', 'users.id', 'comments.author_id')
    .selectAll('users')
    .select(['comments.id as comment_id', 'comments.ticket_id', 'comments.body'])
    .where('slack_messages.conversation_id', '=', conv.id)
    .where('slack_messages.ts', '=', c.ts)
    .executeTakeFirst();
  if (!known) return 'ignored: message not known';
  const { comment_id, ticket_id, body, ...author } = known;
  const actor: Actor = {
    user: author,
    via: slackVia(connection, { user: conv.slack_user_id, channel: c.channel }, ''),
  };
  const comment: ChannelComment = {
    id: comment_id,
    ticketId: ticket_id,
    body,
    channel: 'slack',
    reference: { slack_ts: c.ts },
  };
  if (c.kind === 'delete') {
    await markCommentDeleted(trx, actor, comment, now);
    return `comment ${comment_id} marked deleted`;
  }
  const edited = slackToMarkdown(c.message, { userName: (id) => scope.p.names.get(id) });
  await editCommentFromChannel(trx, actor, comment, edited, now);
  return `comment ${comment_id} edited`;
}
