import type { WebClient } from '@slack/web-api';
import type { SlackConnection, User } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';
import { createEndUserFromChannel } from '../../desk/create-end-user-from-channel.ts';
import type { ExternalTeam } from '../../desk/external-team-organization.ts';
import { findUserByIdentity } from '../../desk/users.ts';

/** What Slack tells us of a person (users.info), reduced to what a requester profile needs. */
export interface SlackProfile {
  id: string;
  teamId: string | null;
  name: string;
  displayName: string | null;
  /** The person's job title in their Slack profile. */
  title: string | null;
  email: string | null;
  photoUrl: string | null;
  timeZone: string | null;
  locale: string | null;
  isBot: boolean;
}

export async function fetchProfile(client: WebClient, userId: string): Promise<SlackProfile> {
  const res = await client.users.info({ user: userId, include_locale: true });
  const u = res.user as any;
  const p = u?.profile ?? {};
  // Profile fields "may not be present at all, may be null or may contain the empty string".
  const pick = (...vals: unknown[]) =>
    vals.find((v): v is string => typeof v === 'string' && v.trim() !== '') ?? null;
  return {
    id: userId,
    teamId: pick(u?.team_id, p.team),
    name: pick(p.real_name, u?.real_name, p.display_name, u?.name) ?? userId,
    displayName: pick(p.display_name, u?.name),
    title: pick(p.title),
    email: pick(p.email),
    photoUrl: pick(p.image_192, p.image_512, p.image_72, p.image_48),
    timeZone: pick(u?.tz),
    locale: pick(u?.locale),
    isBot: u?.is_bot === true,
  };
}

export async function fetchTeamName(client: WebClient, teamId: string): Promise<string | null> {
  try {
    const res = await client.team.info({ team: teamId });
    return ((res.team as any)?.name as string | undefined) ?? null;
  } catch {
    // Other organisations' teams are not always visible; the id then names the organisation.
    return null;
  }
}

export function findSlackUser(db: Conn, slackUserId: string): Promise<User | undefined> {
  return findUserByIdentity(db, 'slack', slackUserId);
}

/**
 * The Parley user behind a Slack user: found by Slack identity, else by email (the Slack
 * identity then joins that user), else created as an end user. People from another Slack team
 * (Slack Connect) are marked external and put in their team's organization.
 */
export async function ensureRequester(
  trx: Conn,
  args: {
    connection: SlackConnection;
    profile: SlackProfile;
    teamName: string | null;
    now: string;
  },
): Promise<User> {
  const { profile, connection, now } = args;
  const known = await findSlackUser(trx, profile.id);
  if (known) return known;
  const external =
    profile.teamId !== null && connection.team_id !== null && profile.teamId !== connection.team_id;
  return createEndUserFromChannel(
    trx,
    {
      identity: { type: 'slack', value: profile.id },
      name: profile.name,
      email: profile.email,
      photoUrl: profile.photoUrl,
      timeZone: profile.timeZone,
      locale: profile.locale,
      externalTeam:
        external && profile.teamId ? slackConnectTeam(profile.teamId, args.teamName) : null,
      userFields: {
        slack_user_id: profile.id,
        slack_team_id: profile.teamId,
        slack_display_name: profile.displayName,
        slack_title: profile.title,
      },
    },
    now,
  );
}

/** Slack Connect partners are grouped under one organization per Slack team. */
function slackConnectTeam(teamId: string, teamName: string | null): ExternalTeam {
  const name = teamName ?? `Slack team ${teamId}`;
  return {
    externalId: `slack:${teamId}`,
    name,
    nameIfTaken: `${name} (${teamId})`,
    details: `Slack Connect team ${teamId}`,
  };
}
