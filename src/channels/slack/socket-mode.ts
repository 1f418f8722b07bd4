/**
 * Slack Socket Mode: events for desks with no public URL. Each Slack app that has an app-level
 * token (xapp-) gets one official SocketModeClient; every `events_api` envelope it receives is
 * written to the same inbox `POST /slack/events` writes to, and acked only once it is on disk.
 * So ordering, dedupe (by event_id) and processing are those of HTTP delivery, and an envelope
 * lost before its ack is simply redelivered by Slack. This transport knows nothing of tickets.
 */
import {
  LogLevel,
  type Logger as SlackLogger,
  SocketModeClient,
  UnrecoverableSocketModeStartError,
} from '@slack/socket-mode';
import type { AppsConnectionsOpenResponse } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { valueTooDeep } from '../../json-depth.ts';
import { type AppCredentials, listApps } from './apps.ts';
import type { SlackContext } from './context.ts';
import type { InboxWriter } from './inbox.ts';

/** The envelope fields the inbox needs, as `POST /slack/events` reads them. */
const envelopeHead = z.object({
  type: z.string(),
  event_id: z.string().optional(),
  team_id: z.string().optional(),
  event: z.object({ type: z.string(), channel: z.string().optional() }).passthrough().optional(),
  authorizations: z.array(z.object({ team_id: z.string().nullish() }).passthrough()).optional(),
});

/** What the client emits as `slack_event` for every envelope but hello/disconnect. */
interface SlackEventArgs {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id: string;
  type: string;
  body: unknown;
  retry_num?: number;
  retry_reason?: string;
}

/** Apps added through the API on another node show up here within this time. */
const DEFAULT_POLL_MS = 60_000;
/** Wait before trying again after the client gave up connecting (network, not credentials). */
const DEFAULT_RESTART_MS = 30_000;
const UNRECOVERABLE = new Set<string>(Object.values(UnrecoverableSocketModeStartError));

/**
 * The SDK's own log lines at warn and error, into Parley's logger. Its debug and info lines
 * are dropped: they include whole envelopes, i.e. people's messages.
 */
function sdkLogger(log: Logger): SlackLogger {
  const line = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : String(m)));
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => log.warn(line(msg).join(' ')),
    error: (...msg: unknown[]) => log.error(line(msg).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.WARN,
    setName: () => {},
  };
}

function platformError(err: unknown): string | null {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : null;
}

/**
 * The SDK calls start() again from its reconnect timer without handling a rejection
 * (SocketModeClient.delayReconnectAttempt), so a reconnect that fails for good — a revoked
 * app token, Slack unreachable past the retry budget — would be an unhandled rejection and end
 * the process. Here every failed start becomes a call to `onStartFailure` instead.
 */
class GuardedSocketModeClient extends SocketModeClient {
  onStartFailure: (err: unknown) => void = () => {};

  override async start(): Promise<AppsConnectionsOpenResponse> {
    try {
      return await super.start();
    } catch (err) {
      this.onStartFailure(err);
      return { ok: false, error: platformError(err) ?? 'start_failed' };
    }
  }
}

interface Running {
  app: AppCredentials;
  token: string;
  client: GuardedSocketModeClient;
  restart: NodeJS.Timeout | null;
  stopped: boolean;
}

export class SocketModeTransport {
  private readonly running = new Map<number, Running>();
  private readonly log: Logger;
  private sync: Promise<void> = Promise.resolve();
  private poll: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;

  constructor(
    private readonly ctx: SlackContext,
    private readonly inbox: InboxWriter,
    private readonly opts: { pollMs?: number; restartMs?: number } = {},
  ) {
    this.log = ctx.logger.child({ transport: 'socket-mode' });
  }

  /** Connects every app that has an app token; connections come up in the background. */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    this.poll = setInterval(() => void this.refresh(), this.opts.pollMs ?? DEFAULT_POLL_MS);
    this.poll.unref();
    await this.refresh();
  }

  /**
   * Re-reads the apps and makes the connections match: new tokens connect, removed or changed
   * ones disconnect. Runs one at a time; does nothing before `start`.
   */
  refresh(): Promise<void> {
    this.sync = this.sync
      .then(() => this.reconcile())
      .catch((err: unknown) => this.log.error({ err }, 'Slack Socket Mode: reading apps failed'));
    return this.sync;
  }

  /** App ids with a client running (connected or trying to connect). */
  get appIds(): number[] {
    return [...this.running.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    await this.sync;
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((r) => this.disconnect(r)));
  }

  private async reconcile(): Promise<void> {
    if (this.stopped || !this.started) return;
    // Straight from the database, not the context's cache: another node may have added an app.
    const apps = (await listApps(this.ctx.db, this.ctx.box)).filter((a) => a.appToken);
    const wanted = new Map(apps.map((a) => [a.id, a]));
    for (const [id, r] of this.running) {
      if (wanted.get(id)?.appToken !== r.token) {
        this.running.delete(id);
        await this.disconnect(r);
      }
    }
    for (const app of wanted.values()) {
      if (!this.running.has(app.id) && !this.stopped) this.connect(app);
    }
  }

  private connect(app: AppCredentials): void {
    const log = this.log.child({ slackAppId: app.id });
    const client = new GuardedSocketModeClient({
      appToken: app.appToken!,
      clientOptions: {
        slackApiUrl: this.ctx.config.slack.apiUrl,
        // The SDK's own policy (100 tries, factor 1.3) would wait hours between attempts
        // after a long outage; unref'd so a pending attempt never holds the process open.
        retryConfig: { retries: 100, factor: 1.3, maxTimeout: 30_000, unref: true },
      },
      logger: sdkLogger(log),
    });
    const r: Running = { app, token: app.appToken!, client, restart: null, stopped: false };
    this.running.set(app.id, r);

    client.on('slack_event', (e: SlackEventArgs) => void this.onEnvelope(r, e, log));
    client.on('connected', () => {
      if (r.stopped) void client.disconnect();
      else log.info('Slack Socket Mode connected');
    });
    // The SDK reconnects by itself (after a `disconnect` message, a lost ping, a dropped link).
    client.on('close', () => {
      if (!r.stopped) log.warn('Slack Socket Mode connection closed; reconnecting');
    });
    client.onStartFailure = (err) => {
      if (r.stopped) return;
      const code = platformError(err);
      if (code && UNRECOVERABLE.has(code)) {
        log.error(
          { error: code },
          'Slack refused the app-level token; Socket Mode is off for this app',
        );
        return;
      }
      const wait = this.opts.restartMs ?? DEFAULT_RESTART_MS;
      log.warn({ err, retryInMs: wait }, 'Slack Socket Mode could not connect');
      r.restart = setTimeout(() => {
        r.restart = null;
        if (!r.stopped) void client.start();
      }, wait);
      r.restart.unref();
    };
    void client.start();
  }

  private async onEnvelope(r: Running, e: SlackEventArgs, log: Logger): Promise<void> {
    if (r.stopped) return;
    try {
      // Interactivity and slash commands: Parley subscribes to neither; acking stops redelivery.
      if (e.type === 'events_api') {
        const head = valueTooDeep(e.body) ? null : envelopeHead.safeParse(e.body);
        if (!head) {
          // Acked and dropped, as over HTTP: storing it would overflow JSON.stringify, and
          // an envelope left unacked would come back again and again.
          log.warn(
            { envelopeId: e.envelope_id },
            'Slack Socket Mode: event ignored, its JSON nests deeper than Parley accepts',
          );
        } else if (!head.success) {
          log.warn({ envelopeId: e.envelope_id }, 'Slack Socket Mode: not an Events API payload');
        } else if (head.data.type === 'event_callback' && head.data.event_id) {
          await this.inbox.add({
            eventId: head.data.event_id,
            appId: r.app.id,
            teamId: head.data.authorizations?.[0]?.team_id ?? head.data.team_id ?? null,
            conversationKey: head.data.event?.channel ?? null,
            payload: JSON.stringify(e.body),
          });
        }
      }
    } catch (err) {
      // Not acked: Slack sends the envelope again.
      log.error({ err, envelopeId: e.envelope_id }, 'Slack Socket Mode: could not store an event');
      return;
    }
    try {
      await e.ack();
    } catch (err) {
      log.warn(
        { err, envelopeId: e.envelope_id },
        'Slack Socket Mode: ack not sent; Slack will redeliver',
      );
    }
  }

  private async disconnect(r: Running): Promise<void> {
    r.stopped = true;
    if (r.restart) clearTimeout(r.restart);
    // A peer that never completes the close handshake would hold shutdown for the SDK's 30 s.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      r.client.disconnect(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5000);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}
