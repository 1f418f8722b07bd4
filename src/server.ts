import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type BlobStore, dbBlobStore, fsBlobStore } from './blobs/index.ts';
import type { Channel, ChannelHost } from './channels/channel.ts';
import type { AppCredentials } from './channels/slack/apps.ts';
import { openSlackChannel } from './channels/slack/channel.ts';
import {
  applySandboxAppToken,
  findSandboxApp,
  installSandboxConnection,
  mountSandbox,
  sandboxSlackSettings,
} from './channels/slack/hosted-sandbox.ts';
import { slackRequesterChannel } from './channels/slack/notify-requester.ts';
import type { SlackRuntime } from './channels/slack/runtime.ts';
import type { Sandbox } from './channels/slack/sandbox/server.ts';
import { type Config, ConfigError, DEFAULT_SLACK_API_URL } from './config.ts';
import { type Db, migrateToLatest, openDatabase } from './db/index.ts';
import { ensureDefaultBrand } from './desk/brands.ts';
import { anyAdminExists } from './desk/create-first-admin.ts';
import { DeskEvents } from './desk/events.ts';
import { clearSetupCodes, createSetupCode, SETUP_CODE_HOURS } from './desk/setup-codes.ts';
import type { SignInLimits } from './desk/sign-in-throttle.ts';
import { nowIso } from './desk/time.ts';
import { countAdmins } from './desk/users.ts';
import { buildApp } from './http/app.ts';
import { channelSignIn } from './http/channel-sign-in.ts';
import { buildHealthApp } from './http/health-app.ts';
import { RenderedTickets } from './http/shared/read-model/rendered-tickets.ts';
import { periodicTasks } from './jobs/periodic-tasks.ts';
import { StreamHub, type StreamOptions } from './realtime/hub.ts';
import { createScheduler, type Scheduler } from './jobs/scheduler.ts';
import { createLogger } from './log.ts';
import { triggerWriteRules } from './rules/fire-triggers.ts';
import { startWebhookRuntime, type WebhookRuntime } from './rules/webhook-runtime.ts';
import { type NotificationsRuntime, startNotifications } from './rules/notifications/runtime.ts';
import { searchIndexProcessor } from './desk/search/search-index.ts';

export interface Parley {
  app: FastifyInstance;
  db: Db;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
  /** The configured channels (today: Slack), built, registered and started in this order. */
  channels: Channel[];
  /** This instance's desk events (every committed ticket write), for its processors and listeners. */
  events: DeskEvents;
  /** The Slack channel's runtime (its context, inbox and workers). */
  slack: SlackRuntime;
  /** Webhook calls rules ask for: their outbox processor and (with workers) their worker. */
  webhooks: WebhookRuntime;
  /** Rule notifications (in-app, email, the requester's Slack DM) and their workers. */
  notifications: NotificationsRuntime;
  role: Role;
  /** Periodic tasks, on nodes with the scheduler role. */
  scheduler: Scheduler | null;
  /** The built-in Slack sandbox, when Parley runs without Slack credentials. */
  sandbox: Sandbox | null;
  /** Tickets rendered for the API, kept for the next page that shows them. */
  renderedTickets: RenderedTickets;
  /** The realtime stream (/api/v2/stream) and presence. */
  stream: StreamHub;
  /**
   * The one-time code /setup asks for, made at start while no administrator exists (else
   * null). Printed by firstRunMessage; only its hash is stored.
   */
  setupCode: string | null;
  url: string;
  close(): Promise<void>;
}

/**
 * What a process does. `all`: everything, in one process (the default, and the only choice on
 * SQLite). With PostgreSQL a large install splits the work: `web` serves HTTP (the API, Slack's
 * events into the inbox, the sandbox), `worker` drains the inbox and the delivery outbox and
 * holds Socket Mode connections, `scheduler` runs the periodic tasks.
 */
export type Role = 'all' | 'web' | 'worker' | 'scheduler';
export const ROLES: readonly Role[] = ['all', 'web', 'worker', 'scheduler'];

export interface StartOptions {
  logger?: Logger;
  /** Default `all`. */
  role?: Role;
  /** Sandbox event retry schedule (tests shorten Slack's minutes to milliseconds). */
  sandboxRetrySchedule?: number[];
  /**
   * How long a Slack event that fails for now is retried before its message is applied without
   * the files Slack would not hand over (default 2 minutes; tests shorten it).
   */
  slackRetryBoundMs?: number;
  /** Password sign-in throttling (tests set small limits and their own clock). */
  signInLimits?: SignInLimits;
  /** Realtime heartbeat, presence expiry, counts throttle, per-user stream limit. */
  stream?: StreamOptions;
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

/** Refuses, before anything starts, a role this configuration cannot run. */
function refuseUnrunnableRole(role: Role, config: Config): void {
  if (role !== 'all' && config.database.kind === 'sqlite') {
    // A SQLite file is served by one process: its inbox commits, checkpoints and wake-ups are
    // that process's own, so there is no second process for the other roles to run in.
    throw new ConfigError([
      `--role ${role} needs PostgreSQL (DATABASE_URL=postgres://…); with SQLite, run --role all`,
    ]);
  }
  // A scheduler node only writes to the outbox; a worker calls Slack, here the web node's sandbox.
  if (config.slack.sandbox && role === 'worker' && config.slack.apiUrl === DEFAULT_SLACK_API_URL) {
    throw new ConfigError([
      `PARLEY_SLACK_API_URL: in sandbox mode a --role ${role} node reaches the sandbox of a web node; set it to that node's /sandbox/api/ URL, e.g. http://web-1:3000/sandbox/api/`,
    ]);
  }
}

/**
 * The database migrated and its defaults in place, and the one-time /setup code while no
 * administrator exists (else null).
 */
async function prepareDatabase(
  config: Config,
  logger: Logger,
): Promise<{ db: Db; setupCode: string | null }> {
  const db = openDatabase(config.database, { backgroundCheckpoints: true });
  let setupCode: string | null = null;
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    await ensureDefaultBrand(db, nowIso());
    // Whoever opens /setup first must also be able to read this console (Grafana, Jupyter).
    if (!(await anyAdminExists(db))) setupCode = await createSetupCode(db, new Date());
    // An admin made since (`parley admin create`, another node's /setup): drop the dead codes.
    else await clearSetupCodes(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, setupCode };
}

/** The composition root: database, services, channels, HTTP. Nothing else lives here. */
export async function startParley(initial: Config, opts: StartOptions = {}): Promise<Parley> {
  const role = opts.role ?? 'all';
  const serves = role === 'all' || role === 'web';
  const works = role === 'all' || role === 'worker';
  const schedules = role === 'all' || role === 'scheduler';
  refuseUnrunnableRole(role, initial);
  const hostsSandbox = serves && initial.slack.sandbox;
  const logger = opts.logger ?? createLogger(initial.logLevel);
  const port =
    initial.port === 0
      ? await freePort(initial.host === '0.0.0.0' ? '127.0.0.1' : initial.host)
      : initial.port;
  const internalUrl = `http://127.0.0.1:${port}`;
  const config = sandboxSlackSettings({ ...initial, port }, { hostsSandbox, internalUrl });
  const { db, setupCode } = await prepareDatabase(config, logger);
  const blobs =
    config.blobStore === 'db' ? dbBlobStore(db) : fsBlobStore(path.join(config.dataDir, 'files'));
  const events = new DeskEvents(logger.child({ component: 'desk-events' }));
  // Every ticket write runs the triggers between planning and persisting it.
  events.useWriteRules(triggerWriteRules(logger.child({ component: 'triggers' })));
  // Search documents change with the writes that change them, in the same transaction.
  events.register(searchIndexProcessor);
  const host: ChannelHost = {
    db,
    config,
    blobs,
    logger,
    events,
    workers: works,
    signIn: channelSignIn(db, config),
  };
  const slackChannel = await openSlackChannel(host, {
    deferSocketMode: hostsSandbox,
    ...(opts.slackRetryBoundMs === undefined ? {} : { retryBoundMs: opts.slackRetryBoundMs }),
  });
  const slack = slackChannel.runtime;
  const channels: Channel[] = [slackChannel];
  const webhooks = startWebhookRuntime({ db, config, logger, events, workers: works });
  const notifications = startNotifications({
    db,
    config,
    events,
    logger,
    workers: works,
    requesterChannels: [slackRequesterChannel(slack.ctx)],
  });
  const scheduler = schedules
    ? createScheduler({ db, logger: logger.child({ component: 'scheduler' }) })
    : null;
  if (scheduler) {
    const rules = { events, automationIntervalMinutes: config.automationIntervalMinutes };
    for (const task of periodicTasks(db, blobs, logger, rules)) scheduler.register(task);
  }

  let sandbox: Sandbox | null = null;
  let sandboxApp: AppCredentials | undefined;
  const plugins: ((app: FastifyInstance) => Promise<void>)[] = [];
  if (hostsSandbox) {
    const creds = await findSandboxApp(slack.ctx);
    sandboxApp = creds;
    if (creds) {
      plugins.push(async (app) => {
        sandbox = await mountSandbox(app, slack.ctx, creds, {
          internalUrl,
          ...(opts.sandboxRetrySchedule ? { retrySchedule: opts.sandboxRetrySchedule } : {}),
          logger,
        });
      });
    }
  }
  // Every node writes the stream log with its writes; every node serving HTTP reads it.
  const stream = new StreamHub(db, logger.child({ component: 'stream' }), opts.stream);
  await stream.start(events, config.database, serves);
  const readiness = { ready: false };
  const renderedTickets = new RenderedTickets(config.ticketCacheMb * 1024 * 1024);
  const app = serves
    ? await buildApp(
        {
          db,
          config,
          blobs,
          channels,
          events,
          readiness,
          renderedTickets,
          stream,
          signInLimits: opts.signInLimits,
        },
        logger,
        plugins,
      )
    : await buildHealthApp(role, readiness);
  await app.listen({ port, host: config.host });
  const parley: Parley = {
    app,
    db,
    blobs,
    config,
    logger,
    channels,
    events,
    slack,
    webhooks,
    notifications,
    role,
    scheduler,
    sandbox,
    renderedTickets,
    stream,
    setupCode,
    url: internalUrl,
    async close() {
      await scheduler?.stop();
      await notifications.stop();
      for (const channel of channels) await channel.stop();
      await webhooks.stop();
      const sb = parley.sandbox;
      if (sb) await sb.close();
      // Open streams never end by themselves: closed first, or the server would wait on them.
      await stream.close();
      await app.close();
      await db.destroy();
    },
  };
  if (sandbox && sandboxApp) {
    // Set now that the sandbox listens, before the channels connect.
    await applySandboxAppToken(slack.ctx, sandboxApp);
  } else if (config.slack.socketMode && !config.slack.sandbox) {
    logger.warn(
      'PARLEY_SLACK_SOCKET_MODE applies to the Slack sandbox only; with Slack, an app-level token (SLACK_APP_TOKEN) turns Socket Mode on',
    );
  }
  for (const channel of channels) await channel.start();
  if (sandbox) {
    try {
      await installSandboxConnection(slack.ctx, sandbox, logger);
    } catch (err) {
      logger.error({ err }, 'could not install the sandbox Slack connection');
    }
  }
  scheduler?.start();
  readiness.ready = true;
  return parley;
}

/** What a person sees in the terminal on start: where Parley is, and how to get in. */
export async function firstRunMessage(parley: Parley): Promise<string> {
  if (parley.role === 'worker' || parley.role === 'scheduler') {
    return `Parley ${parley.role} node is running (health check: ${parley.url}/healthz)`;
  }
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
    );
    // /setup never reopens once an admin was created, even if all admins are deactivated.
    if (parley.setupCode && !(await anyAdminExists(parley.db))) {
      lines.push(
        `or open ${parley.config.publicUrl}/setup in a browser and enter this one-time code:`,
        '',
        `  Setup code: ${parley.setupCode}`,
        '',
        `It is valid for ${SETUP_CODE_HOURS} hours and until an admin exists; restarting Parley prints a new one.`,
      );
    }
  }
  return lines.join('\n');
}
