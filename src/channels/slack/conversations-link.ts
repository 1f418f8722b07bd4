import type { SlackConversation } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';

/** A DM between a connection and a Slack user, and the Parley user behind that Slack user. */
export interface SlackDm {
  connectionId: number;
  channel: string;
  slackUserId: string;
  userId: number;
}

/**
 * The DM's conversation row, for `dm.userId`. `existing` is the row the caller has just looked
 * up (by connection and channel), so it is not looked up again; without one, a row is made.
 * When the profile behind the DM was deleted and the person came back as a new user, the row
 * moves to the new user: their old tickets stay with the old profile, and the conversation
 * starts afresh. `existing` is updated in place.
 */
export async function openConversation(
  trx: Conn,
  existing: SlackConversation | undefined,
  dm: SlackDm,
  now: string,
): Promise<SlackConversation> {
  if (existing && existing.user_id !== dm.userId) {
    const moved = { user_id: dm.userId, current_ticket_id: null, updated_at: now };
    await trx.updateTable('slack_conversations').set(moved).where('id', '=', existing.id).execute();
    Object.assign(existing, moved);
    return existing;
  }
  if (existing) return existing;
  return trx
    .insertInto('slack_conversations')
    .values({
      connection_id: dm.connectionId,
      channel_id: dm.channel,
      slack_user_id: dm.slackUserId,
      user_id: dm.userId,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Links a ticket to the conversation: one of its tickets, and the current one (where the
 * person's next message goes while it is open). `conv` is updated in place.
 */
export async function linkConversationTicket(
  trx: Conn,
  conv: SlackConversation,
  ticketId: number,
  now: string,
): Promise<void> {
  await trx
    .insertInto('slack_conversation_tickets')
    .values({ ticket_id: ticketId, conversation_id: conv.id })
    .execute();
  await trx
    .updateTable('slack_conversations')
    .set({ current_ticket_id: ticketId, updated_at: now })
    .where('id', '=', conv.id)
    .execute();
  conv.current_ticket_id = ticketId;
  conv.updated_at = now;
}
