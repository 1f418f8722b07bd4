import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../crypto/digest.ts';
import { WebAPIPlatformError } from '@slack/web-api';
import { hasPermission } from '../../desk/custom-roles.ts';
import { nowIso } from '../../desk/time.ts';
import { getApp } from './apps.ts';
import { slackClient } from './client.ts';
import { getConnection } from './connections.ts';
import type { SlackContext } from './context.ts';
import { BOT_SCOPES, USER_SCOPES } from './scopes.ts';

/** Why an install was refused: the API answers each differently. */
export type InstallRefusal =
  | 'already_active'
  | 'state_invalid'
  | 'not_bound'
  | 'wrong_workspace'
  | 'slack_refused'
  | 'cancelled';

/** A refused or failed install, told to the admin in plain words. */
export class InstallError extends Error {
  /** The connection the attempt was for, once its state has been found. */
  connectionId: number | null = null;
  constructor(
    message: string,
    readonly reason: InstallRefusal = 'slack_refused',
    /** Slack's own error code, when Slack refused. */
    readonly slackError: string | null = null,
  ) {
    super(message);
  }
}

/**
 * An install attempt lives ten minutes: long enough to click through Slack's page, short
 * enough that a leaked authorize URL is soon worthless. When the workspace holds an install
 * for admin approval, the admin starts a new attempt from the connection once it is approved.
 */
export const STATE_TTL_MS = 10 * 60_000;

/**
 * Who starts an install, and so who may finish it: an admin in a browser session, an admin's
 * API credential (a scripted install; `credentialHash` is the API token's hash, null for
 * `email:password`), or Parley itself installing its sandbox at start.
 */
export type Installer =
  | { kind: 'session'; userId: number; credentialHash: string }
  | { kind: 'api'; userId: number; credentialHash: string | null }
  | { kind: 'system' };

/** Who arrives at the OAuth callback. */
export type Finisher =
  { kind: 'browser'; userId: number | null; sessionHash: string | null } | { kind: 'system' };

/** Where an admin's browser starts an install; it asks them to sign in first. */
export function installUrl(ctx: SlackContext, connectionId: number): string {
  return `${ctx.config.publicUrl}/slack/install/${connectionId}`;
}

export function redirectUri(ctx: SlackContext): string {
  return `${ctx.config.publicUrl}/slack/oauth_redirect`;
}

/**
 * Starts an install: a ten-minute, single-use state bound to the connection and to the
 * installer, and Slack's authorize URL. An active connection is re-authorized only when asked.
 */
export async function beginInstall(
  ctx: SlackContext,
  connectionId: number,
  installer: Installer,
  opts: { reauthorize?: boolean } = {},
): Promise<{ url: string; expiresAt: string }> {
  const connection = await getConnection(ctx.db, connectionId);
  if (connection.status === 'active' && !opts.reauthorize) {
    throw new InstallError(
      `The connection "${connection.name}" is already active. Ask for a re-authorization to install it again.`,
      'already_active',
    );
  }
  const app = await getApp(ctx.db, ctx.box, connection.app_id);
  const state = randomBytes(24).toString('base64url');
  const now = Date.now();
  const expiresAt = new Date(now + STATE_TTL_MS).toISOString();
  // Expired attempts are of no further use (a spent one still refuses its replay until then).
  await ctx.db
    .deleteFrom('slack_oauth_states')
    .where('expires_at', '<', new Date(now).toISOString())
    .execute();
  await ctx.db
    .insertInto('slack_oauth_states')
    .values({
      state_hash: sha256Hex(state),
      connection_id: connectionId,
      created_at: new Date(now).toISOString(),
      expires_at: expiresAt,
      user_id: installer.kind === 'system' ? null : installer.userId,
      bound_to: installer.kind,
      credential_hash: installer.kind === 'system' ? null : installer.credentialHash,
      reauthorize: opts.reauthorize ? 1 : 0,
    })
    .execute();
  const url = new URL(ctx.config.slack.authorizeUrl);
  url.searchParams.set('client_id', app.clientId);
  if (connection.mode === 'bot') url.searchParams.set('scope', BOT_SCOPES.join(','));
  else url.searchParams.set('user_scope', USER_SCOPES.join(','));
  url.searchParams.set('redirect_uri', redirectUri(ctx));
  url.searchParams.set('state', state);
  if (connection.team_id) url.searchParams.set('team', connection.team_id);
  return { url: url.toString(), expiresAt };
}

/** The installer may still manage channels: active, not suspended, with the permission. */
async function installerStillAllowed(ctx: SlackContext, userId: number | null): Promise<boolean> {
  if (userId === null) return false;
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.active !== 1 || user.suspended !== 0) return false;
  return hasPermission(ctx.db, user, 'manage_extensions_and_channels');
}

/**
 * Whoever arrives with the state must be who started the install.
 *
 * - A browser install is bound to the admin's session, and Slack's redirect back is a
 *   navigation of that same browser, which carries the session cookie (SameSite=Lax allows it
 *   on a top-level GET): the cookie must be the very session the install began with.
 * - A scripted install (an API token, or `email:password`) has no browser session to compare:
 *   the person who opens the authorize URL is often not the script. There the state is the
 *   proof: it was handed only to that credential, in the API answer, and is single-use and
 *   short-lived. What is checked is that the credential and its admin are still good.
 * - Parley's own sandbox install at start never leaves the process and takes no HTTP callback.
 */
async function checkBinding(
  ctx: SlackContext,
  row: { bound_to: string | null; user_id: number | null; credential_hash: string | null },
  finisher: Finisher,
): Promise<void> {
  const refuse = (message: string) => {
    throw new InstallError(message, 'not_bound');
  };
  if (row.bound_to === 'system') {
    if (finisher.kind !== 'system') refuse('This install attempt cannot be finished here.');
    return;
  }
  if (finisher.kind === 'system') refuse('This install attempt belongs to an admin.');
  if (row.bound_to === 'session') {
    const browser = finisher as Extract<Finisher, { kind: 'browser' }>;
    if (
      !browser.sessionHash ||
      browser.sessionHash !== row.credential_hash ||
      browser.userId !== row.user_id
    ) {
      refuse(
        'This install was started in another sign-in. Finish it in the browser where you started it, signed in to Parley as the same admin.',
      );
    }
  } else if (row.bound_to === 'api') {
    if (row.credential_hash) {
      const token = await ctx.db
        .selectFrom('api_tokens')
        .select('id')
        .where('token_hash', '=', row.credential_hash)
        .where('active', '=', 1)
        .executeTakeFirst();
      if (!token) refuse('The API token that started this install is no longer active.');
    }
  } else {
    refuse('This install attempt has expired. Start again from the connection.');
  }
  if (!(await installerStillAllowed(ctx, row.user_id))) {
    refuse('The admin who started this install may no longer manage Slack connections.');
  }
}

/**
 * Slack's redirect back: checks and spends the state, checks that it is finished by whoever
 * started it, exchanges the code with oauth.v2.access, and stores the (encrypted) token and
 * identity. A denial or failure leaves the connection as it was.
 */
export async function completeInstall(
  ctx: SlackContext,
  query: { code?: string; state?: string; error?: string },
  finisher: Finisher,
): Promise<{ connectionId: number; teamName: string | null }> {
  if (!query.state)
    throw new InstallError(
      'Slack did not send back the install state. Start again from the connection.',
      'state_invalid',
    );
  const now = nowIso();
  const row = await ctx.db
    .selectFrom('slack_oauth_states')
    .selectAll()
    .where('state_hash', '=', sha256Hex(query.state))
    .executeTakeFirst();
  if (!row || row.used_at || row.expires_at < now) {
    throw new InstallError(
      'This install attempt has expired or was already used. Start again from the connection.',
      'state_invalid',
    );
  }
  const spent = await ctx.db
    .updateTable('slack_oauth_states')
    .set({ used_at: now })
    .where('state_hash', '=', row.state_hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1)
    throw new InstallError('This install attempt was already used.', 'state_invalid');
  try {
    return await finishInstall(ctx, row, query, finisher, now);
  } catch (err) {
    // The admin's page shows which connection a refused attempt was for.
    if (err instanceof InstallError) err.connectionId = row.connection_id;
    throw err;
  }
}

async function finishInstall(
  ctx: SlackContext,
  row: {
    connection_id: number;
    reauthorize: number;
    bound_to: string | null;
    user_id: number | null;
    credential_hash: string | null;
  },
  query: { code?: string; error?: string },
  finisher: Finisher,
  now: string,
): Promise<{ connectionId: number; teamName: string | null }> {
  await checkBinding(ctx, row, finisher);
  if (query.error) {
    if (query.error === 'access_denied') {
      throw new InstallError(
        'The installation was cancelled in Slack. Nothing changed; start again from the connection to try again.',
        'cancelled',
      );
    }
    throw new InstallError(
      `Slack refused the installation (${query.error}). Nothing changed.`,
      'slack_refused',
      query.error,
    );
  }
  if (!query.code) throw new InstallError('Slack did not send an authorization code.');

  const connection = await getConnection(ctx.db, row.connection_id);
  // Another attempt may have finished first: only a re-authorization replaces a live install.
  if (connection.status === 'active' && row.reauthorize !== 1) {
    throw new InstallError(
      `The connection "${connection.name}" is already active; nothing changed.`,
      'already_active',
    );
  }
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
      `Slack could not complete the installation (${code}). Nothing changed.`,
      'slack_refused',
      err instanceof WebAPIPlatformError ? err.data.error : null,
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
  if (connection.team_id && teamId !== connection.team_id) {
    // Slack installed the app in another workspace than this connection serves: give the
    // token straight back, so nothing of that workspace stays reachable from here.
    await slackClient(ctx.config.slack, token)
      .auth.revoke()
      .catch((err: unknown) => {
        ctx.logger.warn(
          { connectionId: connection.id, error: (err as Error).message },
          'could not revoke the token of a refused workspace',
        );
      });
    throw new InstallError(
      `This connection serves the Slack workspace ${connection.team_name ?? connection.team_id}, but Slack installed into ${access.team?.name ?? teamId ?? 'another workspace'}. Nothing changed; install into the connection's own workspace, or create a new connection for the other one.`,
      'wrong_workspace',
    );
  }
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
