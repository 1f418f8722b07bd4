import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type BlobStore, dbBlobStore, fsBlobStore } from './blobs/index.ts';
import { type AppCredentials, setAppToken } from './channels/slack/apps.ts';
import { createConnection } from './channels/slack/connections.ts';
import { beginInstall, completeInstall, installUrl } from './channels/slack/install.ts';
import { type SlackRuntime, startSlackRuntime } from './channels/slack/runtime.ts';
import { registerSandbox, type Sandbox, sandboxAppToken } from './channels/slack/sandbox/server.ts';
import type { Config } from './config.ts';
import { type Db, migrateToLatest, openDatabase } from './db/index.ts';
import { defaultBrand, ensureDefaultBrand } from './desk/brands.ts';
import type { SignInLimits } from './desk/sign-in-throttle.ts';
import { nowIso } from './desk/time.ts';
import { countAdmins } from './desk/users.ts';
import { buildApp } from './http/app.ts';
import { RenderedTickets } from './http/rendered-tickets.ts';
import { createLogger } from './log.ts';

export interface Parley {
  app: FastifyInstance;
  db: Db;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
  slack: SlackRuntime;
  /** The built-in Slack sandbox, when Parley runs without Slack credentials. */
  sandbox: Sandbox | null;
  /** Tickets rendered for the API, kept for the next page that shows them. */
  renderedTickets: RenderedTickets;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Run the ingest and delivery workers in this process (default); `--role web` turns them off. */
  workers?: boolean;
  /** Sandbox event retry schedule (tests shorten Slack's minutes to milliseconds). */
  sandboxRetrySchedule?: number[];
  /** Password sign-in throttling (tests set small limits and their own clock). */
  signInLimits?: SignInLimits;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * In sandbox mode a connection to the sandbox workspace exists and is installed from the first
 * start, through the same OAuth code path a real install takes.
 */
async function installSandboxConnection(parley: Parley, sandbox: Sandbox): Promise<void> {
  const { db } = parley;
  const { ctx } = parley.slack;
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
  const mac = new URL(installUrl(ctx, connection.id)).searchParams.get('k')!;
  const authorize = new URL(await beginInstall(ctx, connection.id, mac));
  const decision = sandbox.decideAuthorization({
    allow: true,
    redirectUri: authorize.searchParams.get('redirect_uri')!,
    state: authorize.searchParams.get('state'),
    scopes: (authorize.searchParams.get('scope') ?? '').split(',').filter(Boolean),
    userScopes: [],
  });
  if (!('redirect' in decision)) throw new Error('sandbox install is waiting for approval');
  const back = new URL(decision.redirect);
  await completeInstall(ctx, {
    code: back.searchParams.get('code') ?? undefined,
    state: back.searchParams.get('state') ?? undefined,
  });
  parley.logger.info({ connectionId: connection.id }, 'sandbox Slack connection installed');
}

/** The composition root: database, services, channel runtime, HTTP. Nothing else lives here. */
export async function startParley(initial: Config, opts: StartOptions = {}): Promise<Parley> {
  const logger = opts.logger ?? createLogger(initial.logLevel);
  const port =
    initial.port === 0
      ? await freePort(initial.host === '0.0.0.0' ? '127.0.0.1' : initial.host)
      : initial.port;
  const internalUrl = `http://127.0.0.1:${port}`;
  let config: Config = { ...initial, port };
  if (config.slack.sandbox) {
    // Parley reaches the sandbox over HTTP like any Slack; the person's browser uses the public URL.
    config = {
      ...config,
      slack: {
        ...config.slack,
        apiUrl: `${internalUrl}/sandbox/api/`,
        authorizeUrl: `${config.publicUrl}/sandbox/oauth/v2/authorize`,
        fileHosts: [...config.slack.fileHosts, `127.0.0.1:${port}`],
      },
    };
  }
  const db = openDatabase(config.database, { backgroundCheckpoints: true });
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    await ensureDefaultBrand(db, nowIso());
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const blobs =
    config.blobStore === 'db' ? dbBlobStore(db) : fsBlobStore(path.join(config.dataDir, 'files'));
  const slack = await startSlackRuntime({
    db,
    config,
    blobs,
    logger,
    workers: opts.workers !== false,
    deferSocketMode: config.slack.sandbox,
  });

  let sandbox: Sandbox | null = null;
  let sandboxApp: AppCredentials | undefined;
  const plugins: ((app: FastifyInstance) => Promise<void>)[] = [];
  if (config.slack.sandbox) {
    const creds = (await slack.ctx.apps()).find((a) => a.source === 'sandbox');
    sandboxApp = creds;
    if (creds) {
      plugins.push(async (app) => {
        sandbox = await registerSandbox(app, {
          prefix: '/sandbox',
          publicUrl: internalUrl,
          eventsUrl: `${internalUrl}/slack/events`,
          signingSecret: creds.signingSecret,
          clientId: creds.clientId,
          clientSecret: creds.clientSecret,
          stateFile: path.join(config.dataDir, 'sandbox.json'),
          appName: 'Parley Help Desk',
          maxFileBytes: config.uploadLimit,
          socketMode: config.slack.socketMode,
          ...(opts.sandboxRetrySchedule ? { retrySchedule: opts.sandboxRetrySchedule } : {}),
          logger: logger.child({ component: 'slack-sandbox' }),
        });
      });
    }
  }
  const readiness = { ready: false };
  const renderedTickets = new RenderedTickets(config.ticketCacheMb * 1024 * 1024);
  const app = await buildApp(
    { db, config, blobs, slack, readiness, renderedTickets, signInLimits: opts.signInLimits },
    logger,
    plugins,
  );
  await app.listen({ port, host: config.host });
  const parley: Parley = {
    app,
    db,
    blobs,
    config,
    logger,
    slack,
    sandbox,
    renderedTickets,
    url: internalUrl,
    async close() {
      await slack.stop();
      const sb = parley.sandbox;
      if (sb) await sb.close();
      await app.close();
      await db.destroy();
    },
  };
  if (sandbox && sandboxApp) {
    // PARLEY_SLACK_SOCKET_MODE: the sandbox app's app-level token turns Parley's Socket Mode
    // client on for it; connecting waits until now, when the sandbox listens.
    const token = config.slack.socketMode ? sandboxAppToken(sandboxApp.clientSecret) : null;
    if (sandboxApp.appToken !== token) {
      await setAppToken(db, slack.ctx.box, sandboxApp.id, token);
      slack.ctx.forgetApps();
    }
  } else if (config.slack.socketMode) {
    logger.warn(
      'PARLEY_SLACK_SOCKET_MODE applies to the Slack sandbox only; with Slack, an app-level token (SLACK_APP_TOKEN) turns Socket Mode on',
    );
  }
  await slack.socketMode?.start();
  if (sandbox) {
    try {
      await installSandboxConnection(parley, sandbox);
    } catch (err) {
      logger.error({ err }, 'could not install the sandbox Slack connection');
    }
  }
  readiness.ready = true;
  return parley;
}

/** What a person sees in the terminal on start: where Parley is, and how to get in. */
export async function firstRunMessage(parley: Parley): Promise<string> {
  const lines = [`Parley is running at ${parley.config.publicUrl}`];
  if (parley.sandbox) {
    lines.push(
      `Slack sandbox: open ${parley.config.publicUrl}/sandbox and send the help desk a direct message.`,
    );
  }
  if ((await countAdmins(parley.db)) === 0) {
    lines.push(
      '',
      'No admin exists yet. Create one with:',
      '  npx parley admin create --email you@example.com --password <password> --name "Your Name"',
      `or open ${parley.config.publicUrl}/setup in a browser.`,
    );
  }
  return lines.join('\n');
}
