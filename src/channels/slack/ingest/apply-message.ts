import type { SlackConversation, Ticket, User } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import { writeTicket } from '../../../desk/tickets/write-ticket.ts';
import { enqueueJob } from '../../../jobs/queue.ts';
import type { SlackMessage } from '../classify.ts';
import type { SlackContext } from '../context.ts';
import { linkConversationTicket } from '../conversations-link.ts';
import { DELIVERY_QUEUE } from '../delivery.ts';
import { slackToMarkdown } from '../format.ts';
import { filesOnlyBody } from '../refused-files.ts';
import type { ApplyScope } from './apply-state.ts';
import { conversationFor, requesterFor, ticketFor } from './conversation.ts';
import { noteRefusedFiles } from './note-refused-files.ts';
import { slackVia } from './via.ts';
import { conversationSubject } from '../../../desk/locale-strings.ts';

/**
 * A message in a DM: a comment on the conversation's open ticket, or a new ticket (a follow-up
 * when the last one is closed). Thread replies only earn a hint.
 */
export async function applyMessage(
  ctx: SlackContext,
  trx: Conn,
  scope: ApplyScope,
  kind: 'message' | 'thread_reply',
  m: SlackMessage,
): Promise<string> {
  const { p, state, connection, now } = scope;
  const requester = await requesterFor(trx, scope, m);
  const conv = await conversationFor(trx, scope, m.channel, m.user!, requester.id);
  if (kind === 'thread_reply') return threadHint(trx, ctx, conv, m, now);
  if (state.seen.has(`${conv.id} ${m.ts}`)) return 'ignored: message already applied';

  const ticket = await ticketFor(trx, state, conv.current_ticket_id);
  const result = await writeMessageTicket(trx, scope, conv, requester, m, ticket, {
    subjectLocale: ctx.config.defaultLocale,
  });
  state.tickets.set(result.ticket.id, result.ticket);
  state.seen.add(`${conv.id} ${m.ts}`);
  state.messages.push({
    conversation_id: conv.id,
    ts: m.ts,
    comment_id: result.commentId,
    created_at: now,
  });
  if (p.refused.length > 0) {
    // The note reads the ticket as written so far.
    await state.batch?.flush();
    const uploadLimit = ctx.config.uploadLimit;
    await noteRefusedFiles(trx, connection, conv.id, result.ticket.id, requester, p.refused, {
      now,
      uploadLimit,
      signals: ctx.jobs,
      events: state.events,
    });
    // The note changed the ticket: a later event of this transaction reads it afresh.
    state.tickets.delete(result.ticket.id);
  }
  const notFetched = p.refused.filter((f) => f.problem !== 'policy').length;
  return (
    `${ticket && ticket.status !== 'closed' ? 'comment on' : 'created'} ticket ${result.ticket.id}` +
    (notFetched > 0 ? `; ${notFetched} file(s) not fetched from Slack` : '')
  );
}

/** Thread replies are not forwarded; once per thread the person is told where to write. */
async function threadHint(
  trx: Conn,
  ctx: SlackContext,
  conv: SlackConversation,
  m: SlackMessage,
  now: string,
): Promise<string> {
  const hint = await trx
    .insertInto('slack_messages')
    .values({
      conversation_id: conv.id,
      ts: `hint:${m.thread_ts}`,
      direction: 'hint',
      thread_ts: m.thread_ts ?? null,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['conversation_id', 'ts']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (hint) {
    await enqueueJob(
      trx,
      {
        queue: DELIVERY_QUEUE,
        orderKey: `conv:${conv.id}`,
        payload: {
          kind: 'notice',
          conversation_id: conv.id,
          thread_ts: m.thread_ts,
          text: 'Replies in threads do not reach the help desk. Please write in the main conversation.',
        },
      },
      ctx.jobs,
    );
  }
  return hint ? 'ignored: thread reply (hint sent)' : 'ignored: thread reply';
}

/** Writes the message as a comment: on `ticket` while it is open, else on a new ticket. */
async function writeMessageTicket(
  trx: Conn,
  scope: ApplyScope,
  conv: SlackConversation,
  requester: User,
  m: SlackMessage,
  ticket: Ticket | null,
  opts: { subjectLocale: string },
) {
  const { p, state, connection, now } = scope;
  let body = slackToMarkdown(m, { userName: (id) => p.names.get(id) });
  if (p.refused.length > 0 && !body.trim() && p.files.length === 0) body = filesOnlyBody(p.refused);
  const requesterVia = slackVia(connection, m, requester.name);
  const comment = {
    body,
    public: true,
    files: p.files,
    metadata: { slack: { channel: m.channel, ts: m.ts, client_msg_id: m.client_msg_id ?? null } },
  };
  if (ticket && ticket.status !== 'closed') {
    // Solved, pending or on-hold tickets reopen by the desk's native rules.
    return writeTicket(trx, {
      before: ticket,
      patch: {},
      comment,
      actor: requester,
      via: requesterVia,
      now,
      batch: state.batch,
      events: state.events,
    });
  }
  const viaSource = ticket
    ? slackVia(connection, m, requester.name, {
        rel: 'follow_up',
        from: { slack_user_id: m.user, name: requester.name, ticket_id: ticket.id },
      })
    : requesterVia;
  const result = await writeTicket(trx, {
    before: null,
    patch: {
      // The desk's language: the subject is for the agents who read the queue.
      subject: conversationSubject(requester.name, opts.subjectLocale),
      requester_id: requester.id,
      submitter_id: requester.id,
      brand_id: connection.brand_id,
    },
    comment,
    actor: requester,
    via: requesterVia,
    now,
    create: { fromMessagingChannel: true, followupSourceId: ticket?.id ?? null, viaSource },
    batch: state.batch,
    events: state.events,
  });
  await linkConversationTicket(trx, conv, result.ticket.id, now);
  return result;
}
