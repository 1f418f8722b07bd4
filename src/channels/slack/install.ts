import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WebAPIPlatformError } from '@slack/web-api';
import { nowIso } from '../../desk/time.ts';
import { getApp } from './apps.ts';
import { slackClient } from './client.ts';
import { getConnection } from './connections.ts';
import type { SlackContext } from './context.ts';
import { BOT_SCOPES, USER_SCOPES } from './scopes.ts';

/** A refused or failed install, told to the admin in plain words. */
export class InstallError extends Error {}

// Slack's "Require app approval" can hold an install for days, so a state lives two weeks.
const STATE_TTL_MS = 14 * 86400_000;

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** The install link carries a MAC of the connection id, so only admins who saw it can use it. */
function linkMac(ctx: SlackContext, connectionId: number): string {
  return createHmac('sha256', ctx.config.secretKey)
    .update(`slack-install:${connectionId}`)
    .digest('base64url')
    .slice(0, 32);
}

export function installUrl(ctx: SlackContext, connectionId: number): string {
  return `${ctx.config.publicUrl}/slack/install/${connectionId}?k=${linkMac(ctx, connectionId)}`;
}

export function redirectUri(ctx: SlackContext): string {
  return `${ctx.config.publicUrl}/slack/oauth_redirect`;
}

/** Starts an install: a single-use state bound to the connection, and Slack's authorize URL. */
export async function beginInstall(
  ctx: SlackContext,
  connectionId: number,
  mac: string,
): Promise<string> {
  const expected = Buffer.from(linkMac(ctx, connectionId));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InstallError('This install link is not valid. Copy it again from the connection.');
  }
  const connection = await getConnection(ctx.db, connectionId);
  const app = await getApp(ctx.db, ctx.box, connection.app_id);
  const state = randomBytes(24).toString('base64url');
  const now = Date.now();
  await ctx.db
    .insertInto('slack_oauth_states')
    .values({
      state_hash: sha256(state),
      connection_id: connectionId,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + STATE_TTL_MS).toISOString(),
    })
    .execute();
  const url = new URL(ctx.config.slack.authorizeUrl);
  url.searchParams.set('client_id', app.clientId);
  if (connection.mode === 'bot') url.searchParams.set('scope', BOT_SCOPES.join(','));
  else url.searchParams.set('user_scope', USER_SCOPES.join(','));
  url.searchParams.set('redirect_uri', redirectUri(ctx));
  url.searchParams.set('state', state);
  if (connection.team_id) url.searchParams.set('team', connection.team_id);
  return url.toString();
}

/**
 * Slack's redirect back: checks and spends the state, exchanges the code with oauth.v2.access,
 * and stores the (encrypted) token and identity. A denial or failure leaves the connection
 * pending, with its install link still usable.
 */
export async function completeInstall(
  ctx: SlackContext,
  query: { code?: string; state?: string; error?: string },
): Promise<{ connectionId: number; teamName: string | null }> {
  if (!query.state)
    throw new InstallError(
      'Slack did not send back the install state. Start again from the install link.',
    );
  const now = nowIso();
  const row = await ctx.db
    .selectFrom('slack_oauth_states')
    .selectAll()
    .where('state_hash', '=', sha256(query.state))
    .executeTakeFirst();
  if (!row || row.used_at || row.expires_at < now) {
    throw new InstallError(
      'This install attempt has expired or was already used. Start again from the install link.',
    );
  }
  const spent = await ctx.db
    .updateTable('slack_oauth_states')
    .set({ used_at: now })
    .where('state_hash', '=', row.state_hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1)
    throw new InstallError('This install attempt was already used.');
  if (query.error) {
    throw new InstallError(
      query.error === 'access_denied'
        ? 'The installation was cancelled in Slack. The connection stays pending; use its install link to try again.'
        : `Slack refused the installation (${query.error}). The connection stays pending.`,
    );
  }
  if (!query.code) throw new InstallError('Slack did not send an authorization code.');

  const connection = await getConnection(ctx.db, row.connection_id);
  const app = await getApp(ctx.db, ctx.box, connection.app_id);
  const client = slackClient(ctx.config.slack);
  let access: any;
  try {
    access = await client.oauth.v2.access({
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code: query.code,
      redirect_uri: redirectUri(ctx),
    });
  } catch (err) {
    const code = err instanceof WebAPIPlatformError ? err.data.error : (err as Error).message;
    ctx.logger.warn({ connectionId: connection.id, error: code }, 'slack oauth exchange failed');
    throw new InstallError(
      `Slack could not complete the installation (${code}). The connection stays pending.`,
    );
  }

  let token: string | undefined;
  let identity: string | undefined;
  let scopes: string | undefined;
  let botId: string | null = null;
  if (connection.mode === 'bot') {
    token = access.access_token;
    identity = access.bot_user_id;
    scopes = access.scope;
  } else {
    token = access.authed_user?.access_token;
    identity = access.authed_user?.id;
    scopes = access.authed_user?.scope;
  }
  if (!token || !identity) {
    throw new InstallError(
      connection.mode === 'bot'
        ? 'Slack returned no bot token. Check that the app has a bot user.'
        : 'Slack returned no user token. Install while signed in as the dedicated account.',
    );
  }
  if (connection.mode === 'bot') {
    // Echo filtering needs the bot id (B…) as well as the bot user id (U…).
    const who = await slackClient(ctx.config.slack, token).auth.test();
    botId = (who.bot_id as string | undefined) ?? null;
  }
  const teamId: string | null = access.team?.id ?? null;
  const clash = await ctx.db
    .selectFrom('slack_connections')
    .select(['id', 'name'])
    .where('team_id', '=', teamId)
    .where('identity_user_id', '=', identity)
    .where('status', '=', 'active')
    .where('id', '!=', connection.id)
    .executeTakeFirst();
  if (clash) {
    throw new InstallError(
      `This Slack identity already serves the connection "${clash.name}". Disconnect it first.`,
    );
  }
  await ctx.db
    .updateTable('slack_connections')
    .set({
      status: 'active',
      status_reason: null,
      team_id: teamId,
      team_name: access.team?.name ?? null,
      enterprise_id: access.enterprise?.id ?? null,
      slack_app_id: access.app_id ?? null,
      identity_user_id: identity,
      bot_id: botId,
      token_enc: ctx.box.seal(token),
      scopes: scopes ?? null,
      installed_at: now,
      updated_at: now,
    })
    .where('id', '=', connection.id)
    .execute();
  ctx.logger.info(
    { connectionId: connection.id, teamId, mode: connection.mode },
    'slack connection installed',
  );
  return { connectionId: connection.id, teamName: access.team?.name ?? null };
}
