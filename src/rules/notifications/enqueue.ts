import type { Conn } from '../../desk/context.ts';
import type { FiredEffect, Processor, TicketWritten } from '../../desk/events.ts';
import { enqueueJob } from '../../jobs/queue.ts';
import type { JobSignals } from '../../jobs/signals.ts';
import { isForRequester, isNotifyEffect, type NotifyEffect } from './recipients.ts';

export const NOTIFY_QUEUE = 'rules.notify';

/** What one notification job carries: the effect as fired, resolved and rendered when sent. */
export interface NotifyPayload {
  ticket_id: number;
  audit_id: number;
  index: number;
  actor_user_id: number;
  rule: FiredEffect['rule'];
  effect: NotifyEffect;
}

/**
 * A channel that tells a ticket's requester in the channel the ticket came through (Slack: a
 * message in their DM). Channels register one with the composition root; the rules never
 * import a channel.
 */
export interface RequesterChannel {
  name: string;
  /**
   * Takes the notification for the requester of this ticket, writing its own outbox row in
   * `trx`, when the ticket is one of this channel's; false leaves it to the generic path.
   */
  claim(trx: Conn, notification: NotifyPayload): Promise<boolean>;
}

/**
 * The rules' processor of `ticket.written`: each notification a rule fired becomes one job,
 * written in the write's transaction, so it is sent once the write commits and never for a
 * write rolled back. The dedupe key (audit id and the effect's place) keeps a rerun from
 * doubling it.
 */
export function notificationProcessor(
  signals: JobSignals,
  requesterChannels: readonly RequesterChannel[],
): Processor {
  return {
    name: 'rules.notifications',
    handles: ['ticket.written'],
    async inTransaction(trx, event) {
      if (event.name !== 'ticket.written' || event.effects.length === 0) return;
      let ticket: { requester_id: number; assignee_id: number | null } | undefined;
      for (const [index, fired] of event.effects.entries()) {
        const { effect } = fired;
        if (!isNotifyEffect(effect)) continue;
        const payload = payloadOf(event, fired, effect, index);
        ticket ??= await trx
          .selectFrom('tickets')
          .select(['requester_id', 'assignee_id'])
          .where('id', '=', event.ticketId)
          .executeTakeFirstOrThrow();
        if (isForRequester(effect, ticket, event.actor.userId)) {
          if (await claimedByChannel(trx, requesterChannels, payload)) continue;
        }
        await enqueueJob(
          trx,
          {
            queue: NOTIFY_QUEUE,
            orderKey: `ticket:${event.ticketId}`,
            payload,
            dedupeKey: `notify:${event.auditId}:${index}`,
          },
          signals,
        );
      }
    },
  };
}

function payloadOf(
  event: TicketWritten,
  fired: FiredEffect,
  effect: NotifyEffect,
  index: number,
): NotifyPayload {
  return {
    ticket_id: event.ticketId,
    audit_id: event.auditId,
    index,
    actor_user_id: event.actor.userId,
    rule: fired.rule,
    effect,
  };
}

async function claimedByChannel(
  trx: Conn,
  channels: readonly RequesterChannel[],
  payload: NotifyPayload,
): Promise<boolean> {
  for (const channel of channels) if (await channel.claim(trx, payload)) return true;
  return false;
}
