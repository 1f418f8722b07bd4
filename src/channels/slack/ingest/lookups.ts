import type { SlackConnection, SlackInboxRow } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import type { SlackEnvelope } from '../classify.ts';

/** What one pass reads once for all its events instead of once per event. */
export interface PassLookups {
  /** Connections by `team app`, read at most once per pass. */
  connections: Map<string, Promise<SlackConnection[]>>;
  /** Slack users that already are Parley users (no users.info needed). */
  knownUsers: Set<string>;
}

function teamOf(env: SlackEnvelope): string | null {
  return env.authorizations?.[0]?.team_id ?? env.team_id ?? null;
}

/** Slack users of these events who are Parley users already, and a connection cache. */
export async function passLookups(db: Conn, envs: (SlackEnvelope | null)[]): Promise<PassLookups> {
  const users = new Set<string>();
  for (const env of envs) {
    const ev = env?.event as { user?: unknown; message?: { user?: unknown } } | undefined;
    for (const u of [ev?.user, ev?.message?.user]) if (typeof u === 'string') users.add(u);
  }
  const known =
    users.size === 0
      ? []
      : await db
          .selectFrom('user_identities')
          .innerJoin('users', 'users.id', 'user_identities.user_id')
          .select('user_identities.value')
          .where('user_identities.type', '=', 'slack')
          .where('user_identities.value', 'in', [...users])
          .execute();
  return { connections: new Map(), knownUsers: new Set(known.map((k) => k.value)) };
}

/** Which of our connections an event is for: the app that signed it, the team, our identity. */
export async function connectionsFor(
  db: Conn,
  lookups: PassLookups,
  row: SlackInboxRow,
  env: SlackEnvelope,
): Promise<SlackConnection[]> {
  const teamId = teamOf(env);
  if (!teamId) return [];
  const found = await connectionsOf(db, lookups, env, teamId, { appId: row.app_id });
  if (found.length > 0 || row.app_id === null || !env.api_app_id) return found;
  // Slack spreads one app's Socket Mode envelopes over every connection opened with its
  // app-level token. When two Parley app records share that token, an envelope can come in
  // on the record without the installation; the Slack app id it carries still finds it.
  return connectionsOf(db, lookups, env, teamId, { slackAppId: env.api_app_id });
}

async function connectionsOf(
  db: Conn,
  lookups: PassLookups,
  env: SlackEnvelope,
  teamId: string,
  by: { appId: number | null } | { slackAppId: string },
): Promise<SlackConnection[]> {
  const key = 'appId' in by ? `${teamId} ${by.appId}` : `${teamId} slack:${by.slackAppId}`;
  let read = lookups.connections.get(key);
  if (!read) {
    let q = db.selectFrom('slack_connections').selectAll().where('team_id', '=', teamId);
    if ('slackAppId' in by) q = q.where('slack_app_id', '=', by.slackAppId);
    else if (by.appId !== null) q = q.where('app_id', '=', by.appId);
    read = q.orderBy('id').execute();
    lookups.connections.set(key, read);
  }
  const all = await read;
  if (['app_uninstalled', 'tokens_revoked'].includes(env.event.type)) return all;
  const auth = env.authorizations?.[0];
  const active = all.filter((c) => c.status === 'active');
  const exact = active.filter((c) => auth?.user_id && c.identity_user_id === auth.user_id);
  return exact.length > 0 ? exact : active.length === 1 ? active : [];
}
