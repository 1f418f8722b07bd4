import type { Channel, ChannelHost } from '../channel.ts';
import { slackApiRoutes } from './api-routes.ts';
import { slackPublicRoutes } from './routes.ts';
import { type SlackRuntime, startSlackRuntime } from './runtime.ts';

/** Slack as a channel: its runtime (context, inbox, workers) and its doors on the app. */
export interface SlackChannel extends Channel {
  readonly runtime: SlackRuntime;
}

export interface SlackChannelOptions {
  /**
   * Leave Socket Mode unconnected until `start()`: the built-in sandbox is this process's
   * own Slack and does not listen before the app does.
   */
  deferSocketMode?: boolean;
  /** How long a failing event is retried (DEFAULT_RETRY_BOUND_MS); tests shorten it. */
  retryBoundMs?: number;
}

/**
 * Opens the Slack channel: the configured apps are recorded and, on nodes with workers, the
 * ingest and delivery workers run from here on (and Socket Mode, unless deferred).
 */
export async function openSlackChannel(
  host: ChannelHost,
  opts: SlackChannelOptions = {},
): Promise<SlackChannel> {
  const runtime = await startSlackRuntime({
    db: host.db,
    config: host.config,
    blobs: host.blobs,
    logger: host.logger,
    events: host.events,
    workers: host.workers,
    ...(opts.deferSocketMode === undefined ? {} : { deferSocketMode: opts.deferSocketMode }),
    ...(opts.retryBoundMs === undefined ? {} : { retryBoundMs: opts.retryBoundMs }),
  });
  return {
    name: 'slack',
    runtime,
    registerApi: (api) => slackApiRoutes(api, runtime, host.signIn),
    registerRoutes: (app) => slackPublicRoutes(app, runtime, host.signIn),
    // A Socket Mode transport started already (not deferred) ignores a second start.
    start: async () => {
      await runtime.socketMode?.start();
    },
    stop: () => runtime.stop(),
  };
}
