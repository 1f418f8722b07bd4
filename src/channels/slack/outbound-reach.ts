import type { SlackConnection } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';
import { parseJson } from '../../desk/time.ts';

/** Why a person cannot be written to from a connection. */
export type Unreachable = 'no_slack_identity' | 'other_workspace';

/** How a person is reached from one connection: the Slack user to open a DM with, or why not. */
export type Reach =
  { slackUserId: string; unreachable: null } | { slackUserId: null; unreachable: Unreachable };

interface SlackFields {
  slack_user_id?: unknown;
  slack_team_id?: unknown;
}

const NO_IDENTITY: Reach = { slackUserId: null, unreachable: 'no_slack_identity' };
const ELSEWHERE: Reach = { slackUserId: null, unreachable: 'other_workspace' };

/**
 * Which of `userIds` the connection can open a DM with, and through which Slack identity. A
 * Slack identity carries a Slack user, not a connection: it is reachable from `connection`
 * when that Slack user already has a DM with the connection's Slack account (a Slack Connect
 * partner too), or when the user's Slack team is the connection's workspace. The team is the
 * one the channel recorded with the profile (kept on a merged-away profile too), else the
 * workspace of the person's latest DM with any connection (an identity that joined a user by
 * email). An identity whose workspace Parley has never seen reaches no connection.
 */
export async function reachOn(
  db: Conn,
  connection: Pick<SlackConnection, 'id' | 'team_id'>,
  userIds: number[],
): Promise<Map<number, Reach>> {
  const out = new Map<number, Reach>();
  if (userIds.length === 0) return out;
  const identities = await db
    .selectFrom('user_identities')
    .select(['user_id', 'value'])
    .where('type', '=', 'slack')
    .where('user_id', 'in', userIds)
    .orderBy('id')
    .execute();
  const slackIds = [...new Set(identities.map((i) => i.value))];
  const hasDm = new Set<string>();
  const teamOf = new Map<string, string>();
  if (slackIds.length > 0) {
    const dms = await db
      .selectFrom('slack_conversations')
      .innerJoin('slack_connections', 'slack_connections.id', 'slack_conversations.connection_id')
      .select([
        'slack_conversations.slack_user_id',
        'slack_conversations.connection_id',
        'slack_connections.team_id',
      ])
      .where('slack_conversations.slack_user_id', 'in', slackIds)
      // The latest last, so that it is the one kept below.
      .orderBy('slack_conversations.updated_at')
      .orderBy('slack_conversations.id')
      .execute();
    for (const dm of dms) {
      if (dm.connection_id === connection.id) hasDm.add(dm.slack_user_id);
      if (dm.team_id) teamOf.set(dm.slack_user_id, dm.team_id);
    }
    // The team recorded with the profile says more than a DM's workspace: it wins.
    const holders = await db
      .selectFrom('users')
      .select('user_fields')
      .where((eb) => eb.or([eb('id', 'in', userIds), eb('merged_into_id', 'in', userIds)]))
      .execute();
    for (const h of holders) {
      const fields = parseJson<SlackFields>(h.user_fields, {});
      if (typeof fields.slack_user_id === 'string' && typeof fields.slack_team_id === 'string') {
        teamOf.set(fields.slack_user_id, fields.slack_team_id);
      }
    }
  }
  for (const id of userIds) {
    const own = identities.filter((i) => i.user_id === id).map((i) => i.value);
    const via = own.find(
      (s) => hasDm.has(s) || (connection.team_id !== null && teamOf.get(s) === connection.team_id),
    );
    out.set(
      id,
      via ? { slackUserId: via, unreachable: null } : own.length ? ELSEWHERE : NO_IDENTITY,
    );
  }
  return out;
}

/** The 422's words for a person the connection cannot reach (on `user_id`). */
export function unreachableMessage(why: Unreachable): string {
  return why === 'no_slack_identity'
    ? 'User: has no Slack identity'
    : "User: has no Slack identity in this connection's workspace";
}
