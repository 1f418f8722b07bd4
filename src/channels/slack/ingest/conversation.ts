import type { SlackConversation, Ticket, User } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import type { SlackMessage } from '../classify.ts';
import { openConversation } from '../conversations-link.ts';
import { ensureRequester } from '../requesters.ts';
import type { ApplyScope, ApplyState } from './apply-state.ts';

/** The Parley user who wrote `m`: known already, or made from the profile fetched for it. */
export async function requesterFor(trx: Conn, scope: ApplyScope, m: SlackMessage): Promise<User> {
  const { p, state, connection, now } = scope;
  const known = state.requesters.get(m.user!);
  if (known) return known;
  if (!p.profile) throw new Error(`no profile fetched for Slack user ${m.user}`);
  const user = await ensureRequester(trx, {
    connection,
    profile: p.profile,
    teamName: p.teamName ?? null,
    now,
  });
  state.requesters.set(m.user!, user);
  return user;
}

/** The DM's conversation row, kept in `state` (its current ticket changes as events apply). */
export async function conversationFor(
  trx: Conn,
  scope: ApplyScope,
  channel: string,
  slackUser: string,
  userId: number,
): Promise<SlackConversation> {
  const { state, connection, now } = scope;
  const key = `${connection.id} ${channel}`;
  const existing = state.conversations.get(key);
  const dm = { connectionId: connection.id, channel, slackUserId: slackUser, userId };
  const conv = await openConversation(trx, existing, dm, now);
  if (!existing) state.conversations.set(key, conv);
  return conv;
}

/** The conversation's current ticket, or null when it has none that can take a comment. */
export async function ticketFor(
  trx: Conn,
  state: ApplyState,
  id: number | null,
): Promise<Ticket | null> {
  if (id === null) return null;
  const t =
    state.tickets.get(id) ??
    (await trx.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst());
  // A deleted ticket ends the conversation like a closed one, without a follow-up link.
  if (!t || t.deleted_at) return null;
  return t;
}
