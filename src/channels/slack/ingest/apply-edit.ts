import type { Classified } from '../classify.ts';
import { writeAudit, writeAuditEvents } from '../../../desk/audits.ts';
import type { Conn } from '../../../desk/context.ts';
import { renderMarkdown } from '../../../desk/markdown.ts';
import { slackToMarkdown } from '../format.ts';
import { type ApplyScope, writeMessages } from './apply-state.ts';
import { slackVia } from './via.ts';

type EditOrDelete = Extract<Classified, { kind: 'edit' | 'delete' }>;

/** The comment a Slack message became, when Parley knows it. */
interface KnownComment {
  comment_id: number;
  ticket_id: number;
  body: string;
  author_id: number;
}

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
  const known = await trx
    .selectFrom('slack_messages')
    .innerJoin('comments', 'comments.id', 'slack_messages.comment_id')
    .select([
      'comments.id as comment_id',
      'comments.ticket_id',
      'comments.body',
      'comments.author_id',
      'comments.deleted_at',
    ])
    .where('slack_messages.conversation_id', '=', conv.id)
    .where('slack_messages.ts', '=', c.ts)
    .executeTakeFirst();
  if (!known) return 'ignored: message not known';
  const auditVia = slackVia(connection, { user: conv.slack_user_id, channel: c.channel }, '');
  const auditId = await writeAudit(trx, {
    ticketId: known.ticket_id,
    authorId: known.author_id,
    via: auditVia,
    now,
  });
  if (c.kind === 'delete') return markDeleted(trx, known, auditId, c.ts, now);
  return editComment(trx, scope, known, auditId, c);
}

async function markDeleted(
  trx: Conn,
  known: KnownComment,
  auditId: number,
  ts: string,
  now: string,
): Promise<string> {
  await trx
    .updateTable('comments')
    .set({ deleted_at: now })
    .where('id', '=', known.comment_id)
    .execute();
  await writeAuditEvents(trx, auditId, known.ticket_id, [
    {
      type: 'Info',
      data: { action: 'comment_deleted_in_slack', comment_id: known.comment_id, slack_ts: ts },
    },
  ]);
  return `comment ${known.comment_id} marked deleted`;
}

async function editComment(
  trx: Conn,
  scope: ApplyScope,
  known: KnownComment,
  auditId: number,
  c: Extract<EditOrDelete, { kind: 'edit' }>,
): Promise<string> {
  const body = slackToMarkdown(c.message, { userName: (id) => scope.p.names.get(id) });
  const rendered = renderMarkdown(body);
  await trx
    .updateTable('comments')
    .set({
      body: rendered.body,
      html_body: rendered.html_body,
      plain_body: rendered.plain_body,
    })
    .where('id', '=', known.comment_id)
    .execute();
  // The audit keeps what was first written.
  await writeAuditEvents(trx, auditId, known.ticket_id, [
    {
      type: 'Info',
      data: {
        action: 'comment_edited_in_slack',
        comment_id: known.comment_id,
        slack_ts: c.ts,
        previous_body: known.body,
        body: rendered.body,
      },
    },
  ]);
  return `comment ${known.comment_id} edited`;
}
