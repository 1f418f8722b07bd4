import type { Actor, Conn } from '../context.ts';
import { renderMarkdown } from '../markdown.ts';
import { auditChannelCommentChange, type ChannelComment } from './channel-comment.ts';

/**
 * The person edited their message in the channel: the comment takes the new body (Markdown,
 * rendered here) and the audit keeps what was first written, with the new body beside it.
 */
export async function editCommentFromChannel(
  trx: Conn,
  actor: Actor,
  comment: ChannelComment,
  body: string,
  now: string,
): Promise<void> {
  const rendered = renderMarkdown(body);
  await trx
    .updateTable('comments')
    .set({
      body: rendered.body,
      html_body: rendered.html_body,
      plain_body: rendered.plain_body,
    })
    .where('id', '=', comment.id)
    .execute();
  await auditChannelCommentChange(
    trx,
    actor,
    comment,
    {
      action: `comment_edited_in_${comment.channel}`,
      comment_id: comment.id,
      ...comment.reference,
      previous_body: comment.body,
      body: rendered.body,
    },
    now,
  );
}
