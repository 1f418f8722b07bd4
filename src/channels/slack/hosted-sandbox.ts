/**
 * The built-in Slack sandbox as a web node hosts it next to Parley, when Parley runs without
 * Slack credentials: mounted on Parley's own app, reached over HTTP like any Slack, and
 * installed from the first start through the same OAuth code path a real install takes.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Config, DEFAULT_SLACK_API_URL } from '../../config.ts';
import { defaultBrand } from '../../desk/brands.ts';
import { nowIso } from '../../desk/time.ts';
import { type AppCredentials, setAppToken } from './apps.ts';
import { createConnection } from './connections.ts';
import type { SlackContext } from './context.ts';
import { beginInstall, completeInstall, redirectUri } from './install.ts';
import { registerSandbox, type Sandbox, sandboxAppToken } from './sandbox/server.ts';

/**
 * A node's Slack settings in sandbox mode. The web node hosting the sandbox reaches it over
 * HTTP like any Slack, and the person's browser at the public URL; other nodes fetch files
 * from the web node's sandbox. `config.port` is the port this node listens on.
 */
export function sandboxSlackSettings(
  config: Config,
  node: { hostsSandbox: boolean; internalUrl: string },
): Config {
  if (config.slack.sandbox && !node.hostsSandbox && config.slack.apiUrl !== DEFAULT_SLACK_API_URL) {
    // The web node's sandbox serves files too: downloads go to the host of its API.
    const host = new URL(config.slack.apiUrl).host;
    config = {
      ...config,
      slack: { ...config.slack, fileHosts: [...config.slack.fileHosts, host] },
    };
  }
  if (node.hostsSandbox) {
    // Parley reaches the sandbox over HTTP like any Slack; the person's browser uses the public URL.
    config = {
      ...config,
      slack: {
        ...config.slack,
        apiUrl: `${node.internalUrl}/sandbox/api/`,
        authorizeUrl: `${config.publicUrl}/sandbox/oauth/v2/authorize`,
        // Only the sandbox's file path: the rest of Parley's port (its API, the sandbox's
        // control endpoints, /healthz) is never fetched as a "file".
        fileHosts: [...config.slack.fileHosts, `127.0.0.1:${config.port}/sandbox/files/`],
      },
    };
  }
  return config;
}

/** The sandbox's own Slack app (made by ensureConfiguredApps), if there is one. */
export async function findSandboxApp(ctx: SlackContext): Promise<AppCredentials | undefined> {
  return (await ctx.apps()).find((a) => a.source === 'sandbox');
}

/** Mounts the sandbox under /sandbox on Parley's app, for that app's credentials. */
export function mountSandbox(
  app: FastifyInstance,
  ctx: SlackContext,
  creds: AppCredentials,
  opts: {
    /** Where this process reaches itself (http://127.0.0.1:port). */
    internalUrl: string;
    /** Sandbox event retry schedule (tests shorten Slack's minutes to milliseconds). */
    retrySchedule?: number[];
    logger: Logger;
  },
): Promise<Sandbox> {
  const { config } = ctx;
  return registerSandbox(app, {
    prefix: '/sandbox',
    publicUrl: opts.internalUrl,
    eventsUrl: `${opts.internalUrl}/slack/events`,
    signingSecret: creds.signingSecret,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    stateFile: path.join(config.dataDir, 'sandbox.json'),
    appName: 'Parley Help Desk',
    maxFileBytes: config.uploadLimit,
    socketMode: config.slack.socketMode,
    open: config.slack.sandboxOpen,
    ...(config.slack.sandboxSecret ? { controlSecret: config.slack.sandboxSecret } : {}),
    hostNames: [new URL(config.publicUrl).hostname],
    redirectUris: [redirectUri(ctx)],
    ...(opts.retrySchedule ? { retrySchedule: opts.retrySchedule } : {}),
    logger: opts.logger.child({ component: 'slack-sandbox' }),
  });
}

/**
 * PARLEY_SLACK_SOCKET_MODE: the sandbox app's app-level token turns Parley's Socket Mode
 * client on for it (or off, without the setting). Run once the sandbox listens, before the
 * channel starts connecting.
 */
export async function applySandboxAppToken(
  ctx: SlackContext,
  creds: AppCredentials,
): Promise<void> {
  const token = ctx.config.slack.socketMode ? sandboxAppToken(creds.clientSecret) : null;
  if (creds.appToken !== token) {
    await setAppToken(ctx.db, ctx.box, creds.id, token);
    ctx.forgetApps();
  }
}

/**
 * In sandbox mode a connection to the sandbox workspace exists and is installed from the first
 * start, through the same OAuth code path a real install takes.
 */
export async function installSandboxConnection(
  ctx: SlackContext,
  sandbox: Sandbox,
  logger: Logger,
): Promise<void> {
  const { db } = ctx;
  const app = await db
    .selectFrom('slack_apps')
    .select('id')
    .where('source', '=', 'sandbox')
    .executeTakeFirst();
  if (!app) return;
  const existing = await db
    .selectFrom('slack_connections')
    .select('id')
    .where('app_id', '=', app.id)
    .executeTakeFirst();
  if (existing) return;
  const connection = await createConnection(
    db,
    {
      name: 'Sandbox Help Desk',
      brand_id: (await defaultBrand(db)).id,
      mode: 'bot',
      app_id: app.id,
    },
    nowIso(),
  );
  // Bound to Parley itself: the state never leaves this process, and no browser can finish it.
  const started = await beginInstall(ctx, connection.id, { kind: 'system' });
  const authorize = new URL(started.url);
  const decision = sandbox.decideAuthorization({
    allow: true,
    redirectUri: authorize.searchParams.get('redirect_uri')!,
    state: authorize.searchParams.get('state'),
    scopes: (authorize.searchParams.get('scope') ?? '').split(',').filter(Boolean),
    userScopes: [],
  });
  if (!('redirect' in decision)) throw new Error('sandbox install is waiting for approval');
  const back = new URL(decision.redirect);
  await completeInstall(
    ctx,
    {
      code: back.searchParams.get('code') ?? undefined,
      state: back.searchParams.get('state') ?? undefined,
    },
    { kind: 'system' },
  );
  logger.info({ connectionId: connection.id }, 'sandbox Slack connection installed');
}
