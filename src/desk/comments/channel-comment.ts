import { writeAudit, writeAuditEvents } from '../audits.ts';
import type { Actor, Conn } from '../context.ts';
import { reindexTicket } from '../search/search-index.ts';

/**
 * A comment a messaging channel brought in, as the channel knows it: the channel's name (it
 * names the audit event's action, e.g. `comment_edited_in_slack`) and the channel's own
 * reference to the message (e.g. `{ slack_ts }`), kept in the audit event.
 */
export interface ChannelComment {
  id: number;
  ticketId: number;
  /** The body as stored now (Markdown): an edit keeps it in the audit. */
  body: string;
  channel: string;
  reference: Record<string, unknown>;
}

/**
 * The audit of a change the person made to their own message in the channel: one audit by the
 * actor with one `Info` event. Comment edits and deletions are not ticket field changes, so
 * they have no `Change` event; `Info` is the event the audits endpoint shows as it was written
 * (its `data` spread into the event), which is how the original text stays readable.
 */
export async function auditChannelCommentChange(
  trx: Conn,
  actor: Actor,
  comment: ChannelComment,
  data: Record<string, unknown>,
  now: string,
): Promise<void> {
  const auditId = await writeAudit(trx, {
    ticketId: comment.ticketId,
    authorId: actor.user.id,
    via: actor.via,
    now,
  });
  await writeAuditEvents(trx, auditId, comment.ticketId, [{ type: 'Info', data }]);
  // The comment's text changed or left: so does the ticket's search document.
  await reindexTicket(trx, comment.ticketId);
}
