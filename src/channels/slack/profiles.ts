import type { User } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';
import { externalIdIs } from '../../desk/external-ids.ts';
import { parseJson } from '../../desk/time.ts';
import { conversationConnections } from './connections.ts';
import type { RecordedSlackProfile } from './profile-json.ts';

interface SlackFields {
  slack_user_id?: unknown;
  slack_team_id?: unknown;
  slack_display_name?: unknown;
  slack_title?: unknown;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The Slack profiles behind `user`: one per Slack identity it holds. The channel records a
 * profile on the user it creates for a Slack person (`user_fields`, photo, time zone); after a
 * merge that user stays, inactive, pointing at the one it was merged into, so a profile that
 * arrived by merge is read from there. An identity that joined an existing user by email has
 * no recorded profile: the user's own name, photo and time zone stand in.
 */
export async function recordedSlackProfiles(db: Conn, user: User): Promise<RecordedSlackProfile[]> {
  const identities = await db
    .selectFrom('user_identities')
    .select('value')
    .where('user_id', '=', user.id)
    .where('type', '=', 'slack')
    .orderBy('id')
    .execute();
  if (identities.length === 0) return [];
  const merged = await db
    .selectFrom('users')
    .selectAll()
    .where('merged_into_id', '=', user.id)
    .execute();
  const holders = [user, ...merged];
  const out: RecordedSlackProfile[] = [];
  for (const { value: slackUserId } of identities) {
    const recorder = holders.find(
      (u) => parseJson<SlackFields>(u.user_fields, {}).slack_user_id === slackUserId,
    );
    const fields = recorder ? parseJson<SlackFields>(recorder.user_fields, {}) : {};
    const from = recorder ?? user;
    const conversation = await conversationConnections(db)
      .where('slack_conversations.slack_user_id', '=', slackUserId)
      .orderBy('slack_conversations.updated_at', 'desc')
      .orderBy('slack_conversations.id', 'desc')
      .executeTakeFirst();
    const teamId = text(fields.slack_team_id) ?? conversation?.team_id ?? null;
    const external =
      teamId !== null && conversation?.team_id != null && teamId !== conversation.team_id;
    let teamName: string | null = null;
    if (teamId !== null && !external) teamName = conversation?.team_name ?? null;
    if (teamId !== null && external) {
      const org = await db
        .selectFrom('organizations')
        .select('name')
        .where(externalIdIs(`slack:${teamId}`))
        .executeTakeFirst();
      teamName = org?.name ?? null;
    }
    out.push({
      slack_user_id: slackUserId,
      display_name: text(fields.slack_display_name),
      real_name: from.name,
      title: text(fields.slack_title),
      email: from.email,
      avatar_url: from.photo_url,
      time_zone: from.time_zone,
      team: teamId === null ? null : { id: teamId, name: teamName, external },
      connection: conversation ? { id: conversation.id, name: conversation.name } : null,
    });
  }
  return out;
}
