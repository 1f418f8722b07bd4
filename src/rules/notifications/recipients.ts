import type { Ticket, User } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';
import type { RuleEffect } from '../../desk/events.ts';
import { grantsOfUser, seesMessaging } from '../../desk/policies/grants.ts';
import { SYSTEM_EMAIL } from '../../desk/system-user.ts';

/**
 * Who a notification_user / notification_group reaches, resolved when it is sent (Zendesk's
 * recipients: a user id, `requester_id`, `assignee_id`, `current_user`, `all_agents`; a group id
 * or `group_id`). Only people who can act on it: active, not suspended, not merged away.
 */

export type NotifyEffect = Extract<
  RuleEffect,
  { type: 'notification_user' | 'notification_group' }
>;

export function isNotifyEffect(effect: RuleEffect): effect is NotifyEffect {
  return effect.type === 'notification_user' || effect.type === 'notification_group';
}

/** A recipient given as a number or a string of digits: that id; anything else: null. */
function idOf(value: string | number): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  return /^\d{1,10}$/.test(value) ? Number(value) : null;
}

/**
 * The user a notification_user names, if one user (not `all_agents`); null when the ticket has
 * none there (no assignee) or the value names no one.
 */
export function namedUserId(
  effect: NotifyEffect,
  ticket: Pick<Ticket, 'requester_id' | 'assignee_id'>,
  actorUserId: number,
): number | null {
  if (effect.type !== 'notification_user') return null;
  switch (effect.recipient) {
    case 'requester_id':
      return ticket.requester_id;
    case 'assignee_id':
      return ticket.assignee_id;
    case 'current_user':
      return actorUserId;
    default:
      return idOf(effect.recipient);
  }
}

/** Whether the notification is for the ticket's requester (who may be told in their channel). */
export function isForRequester(
  effect: NotifyEffect,
  ticket: Pick<Ticket, 'requester_id' | 'assignee_id'>,
  actorUserId: number,
): boolean {
  return namedUserId(effect, ticket, actorUserId) === ticket.requester_id;
}

/**
 * Users who can be told anything: active, not suspended, not merged away, and not Parley's own
 * system user (an agent by role, whose address is undeliverable by design).
 */
export function reachable(db: Conn) {
  return db
    .selectFrom('users')
    .selectAll()
    .where('active', '=', 1)
    .where('suspended', '=', 0)
    .where('merged_into_id', 'is', null)
    .where((eb) => eb.or([eb('email', 'is', null), eb('email', '!=', SYSTEM_EMAIL)]));
}

async function groupAgents(db: Conn, groupId: number): Promise<User[]> {
  return reachable(db)
    .where('role', 'in', ['agent', 'admin'])
    .where('id', 'in', (eb) =>
      eb.selectFrom('group_memberships').select('user_id').where('group_id', '=', groupId),
    )
    .orderBy('id')
    .execute();
}

/** Everyone the effect reaches now, each once, in id order. */
export async function resolveRecipients(
  db: Conn,
  effect: NotifyEffect,
  ticket: Pick<Ticket, 'requester_id' | 'assignee_id' | 'group_id'>,
  actorUserId: number,
): Promise<User[]> {
  if (effect.type === 'notification_group') {
    const groupId = effect.recipient === 'group_id' ? ticket.group_id : idOf(effect.recipient);
    return groupId === null ? [] : groupAgents(db, groupId);
  }
  if (effect.recipient === 'all_agents') {
    return reachable(db).where('role', 'in', ['agent', 'admin']).orderBy('id').execute();
  }
  const userId = namedUserId(effect, ticket, actorUserId);
  if (userId === null) return [];
  const user = await reachable(db).where('id', '=', userId).executeTakeFirst();
  return user ? [user] : [];
}

/**
 * Whether `user`, an agent or admin, may be told about `ticket`: an agent whose role withholds
 * chat access does not see messaging tickets, so is not told about them either.
 */
export async function maySee(
  db: Conn,
  user: User,
  ticket: Pick<Ticket, 'from_messaging_channel'>,
): Promise<boolean> {
  if (!ticket.from_messaging_channel) return true;
  return seesMessaging(await grantsOfUser(db, user));
}
