import type { Job } from '../../db/types.ts';
import { nowIso } from '../../desk/time.ts';
import { enqueueJob } from '../../jobs/queue.ts';
import type { NotifyPayload, RequesterChannel } from '../../rules/notifications/enqueue.ts';
import { recordDeliveryFailure } from '../../rules/notifications/failures.ts';
import { loadPlaceholderContext } from '../../rules/placeholder-context.ts';
import { escapeMrkdwn, renderPlaceholders } from '../../rules/placeholders.ts';
import type { SlackContext } from './context.ts';
import { awaitTurn, DELIVERY_QUEUE, Permanent, target, type Target } from './delivery.ts';
import { splitForSlack } from './format.ts';

/**
 * A rule's notification to the requester of a Slack ticket is a message in that person's DM,
 * sent by the connection's bot or dedicated account through the delivery outbox: in order with
 * the agents' replies, paced, retried, and never sent twice.
 */

export const RULE_NOTIFICATION = 'rule_notification';

type RuleNotificationJob = NotifyPayload & {
  kind: typeof RULE_NOTIFICATION;
  /** Null when the ticket was not linked yet (its write created it): found when sent. */
  conversation_id: number | null;
};

/**
 * Claims the notifications for requesters of messaging tickets (Slack is Parley's only
 * messaging channel). A ticket the same write created is linked to its conversation only after
 * its `ticket.written` (ingest links it next), so the conversation may be found when sending.
 */
export function slackRequesterChannel(ctx: SlackContext): RequesterChannel {
  return {
    name: 'slack',
    async claim(trx, notification) {
      const ticket = await trx
        .selectFrom('tickets')
        .leftJoin(
          'slack_conversation_tickets',
          'slack_conversation_tickets.ticket_id',
          'tickets.id',
        )
        .select(['tickets.from_messaging_channel', 'slack_conversation_tickets.conversation_id'])
        .where('tickets.id', '=', notification.ticket_id)
        .executeTakeFirst();
      if (!ticket?.from_messaging_channel) return false;
      const conversationId = ticket.conversation_id ?? null;
      const payload: RuleNotificationJob = {
        kind: RULE_NOTIFICATION,
        conversation_id: conversationId,
        ...notification,
      };
      await enqueueJob(
        trx,
        {
          queue: DELIVERY_QUEUE,
          // In order with the agents' replies in that DM when the link is known.
          orderKey:
            conversationId === null ? `ticket:${notification.ticket_id}` : `conv:${conversationId}`,
          payload,
          dedupeKey: `notify:${notification.audit_id}:${notification.index}`,
        },
        ctx.jobs,
      );
      return true;
    },
  };
}

async function conversationOf(ctx: SlackContext, p: RuleNotificationJob): Promise<number> {
  if (p.conversation_id !== null) return p.conversation_id;
  const link = await ctx.db
    .selectFrom('slack_conversation_tickets')
    .select('conversation_id')
    .where('ticket_id', '=', p.ticket_id)
    .executeTakeFirst();
  if (!link) throw new Permanent('conversation_not_found');
  return link.conversation_id;
}

/**
 * The subject is a title line: rendered as text and escaped whole, so neither a value nor the
 * rule's own words can ping anyone; the body keeps the rule author's mrkdwn, values escaped.
 */
async function render(ctx: SlackContext, p: RuleNotificationJob): Promise<string[]> {
  const values = await loadPlaceholderContext(ctx.db, p.ticket_id, p.actor_user_id, {
    publicUrl: ctx.config.publicUrl,
  });
  const subject = escapeMrkdwn(
    renderPlaceholders(p.effect.subject, values, 'text')
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .trim(),
  );
  const body = renderPlaceholders(p.effect.body, values, 'mrkdwn').trim();
  const text = [subject ? `*${subject}*` : '', body].filter(Boolean).join('\n');
  return text ? splitForSlack(text) : [];
}

/** After a post whose answer was lost, whether Slack has it already (its metadata tells). */
async function postedParts(t: Target, key: string, since: string): Promise<Set<number>> {
  const oldest = (Date.parse(since) / 1000 - 60).toFixed(6);
  const res = await t.client.conversations.history({
    channel: t.channel,
    oldest,
    limit: 200,
    include_all_metadata: true,
  });
  const parts = new Set<number>();
  for (const m of (res.messages ?? []) as any[]) {
    const p = m.metadata?.event_payload;
    if (m.metadata?.event_type === 'parley_notification' && p?.key === key)
      parts.add(Number(p.part));
  }
  return parts;
}

export async function deliverRuleNotification(
  ctx: SlackContext,
  job: Job,
  p: RuleNotificationJob,
): Promise<void> {
  const ticket = await ctx.db
    .selectFrom('tickets')
    .select('id')
    .where('id', '=', p.ticket_id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!ticket) return;
  const parts = await render(ctx, p);
  const t = await target(ctx, await conversationOf(ctx, p));
  const key = `${p.audit_id}:${p.index}`;
  // A retry may follow a post Slack took but whose answer never came back.
  const done = job.attempts > 0 ? await postedParts(t, key, job.created_at) : new Set<number>();
  for (const [part, text] of parts.entries()) {
    if (done.has(part)) continue;
    await awaitTurn(ctx, t);
    await t.client.chat.postMessage({
      channel: t.channel,
      text,
      unfurl_links: false,
      metadata: { event_type: 'parley_notification', event_payload: { key, part } },
    });
  }
}

/** The DM finally could not be sent: shown to the assignee (or the admins) in-app. */
export async function ruleNotificationFailed(
  ctx: SlackContext,
  p: RuleNotificationJob,
  reason: string,
): Promise<void> {
  const requester = await ctx.db
    .selectFrom('tickets')
    .innerJoin('users', 'users.id', 'tickets.requester_id')
    .select('users.name')
    .where('tickets.id', '=', p.ticket_id)
    .executeTakeFirst();
  await recordDeliveryFailure(
    ctx.db,
    ctx.events,
    {
      ticketId: p.ticket_id,
      recipient: requester?.name ?? 'the requester',
      how: 'Slack',
      subject: p.effect.subject,
      reason,
      key: `slack:${p.audit_id}:${p.index}`,
    },
    nowIso(),
  );
}
