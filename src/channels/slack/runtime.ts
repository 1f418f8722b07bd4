import type { Logger } from 'pino';
import type { BlobStore } from '../../blobs/index.ts';
import type { Config } from '../../config.ts';
import { createSecretBox } from '../../crypto/secret-box.ts';
import type { Db } from '../../db/index.ts';
import type { DeskEvents } from '../../desk/events.ts';
import { startWorker, type Worker } from '../../jobs/queue.ts';
import { JobSignals } from '../../jobs/signals.ts';
import { ensureConfiguredApps } from './apps.ts';
import { createSlackContext, type SlackContext } from './context.ts';
import { DELIVERY_QUEUE, deliveryHandler, slackDeliveryProcessor } from './delivery.ts';
import { InboxWriter } from './inbox.ts';
import { IngestWorker } from './ingest/worker.ts';
import { SocketModeTransport } from './socket-mode.ts';

/** The Slack channel as one running thing: its context, inbox, and (when this node works) workers. */
export interface SlackRuntime {
  ctx: SlackContext;
  inbox: InboxWriter;
  ingest: IngestWorker | null;
  delivery: Worker | null;
  /** Socket Mode connections for apps with an app-level token (nodes that run workers). */
  socketMode: SocketModeTransport | null;
  stop(): Promise<void>;
}

export async function startSlackRuntime(args: {
  db: Db;
  config: Config;
  blobs: BlobStore;
  logger: Logger;
  /** The instance's desk events: Slack delivery is one of their processors. */
  events: DeskEvents;
  workers: boolean;
  /**
   * Leave Socket Mode unconnected until the caller runs `socketMode.start()`: the built-in
   * sandbox is this process's own Slack and is not listening yet.
   */
  deferSocketMode?: boolean;
  /** How long a failing event is retried (DEFAULT_RETRY_BOUND_MS); tests shorten it. */
  retryBoundMs?: number;
}): Promise<SlackRuntime> {
  const box = createSecretBox(args.config.secretKey);
  const ctx = createSlackContext({
    db: args.db,
    box,
    config: args.config,
    blobs: args.blobs,
    logger: args.logger.child({ channel: 'slack' }),
    events: args.events,
    jobs: new JobSignals(),
  });
  await ensureConfiguredApps(args.db, box, args.config);
  const inbox = new InboxWriter(args.db, {
    sqliteFile: args.config.database.kind === 'sqlite' ? args.config.database.file : null,
  });
  let ingest: IngestWorker | null = null;
  let delivery: Worker | null = null;
  let socketMode: SocketModeTransport | null = null;
  // Every node writes replies (web nodes through the API), so every node enqueues deliveries.
  const stopListening: (() => void)[] = [args.events.register(slackDeliveryProcessor(ctx))];
  if (args.workers) {
    ingest = new IngestWorker(
      ctx,
      args.retryBoundMs === undefined ? {} : { retryBoundMs: args.retryBoundMs },
    );
    inbox.onWritten = (events) => ingest?.kick(events);
    ingest.start();
    delivery = startWorker({
      db: args.db,
      queue: DELIVERY_QUEUE,
      handler: deliveryHandler(ctx),
      logger: ctx.logger,
      concurrency: 8,
      signals: ctx.jobs,
    });
    // Socket Mode runs where the workers run (`--role all` and `worker`): web and scheduler
    // nodes hold none, while every node with workers holds its own connections (Slack spreads an app's envelopes over them).
    // The envelopes go into the same inbox as HTTP events, so either kind of node may take them.
    socketMode = new SocketModeTransport(ctx, inbox);
    // Apps added or changed through the API in this process reconnect at once (other nodes
    // pick them up at the transport's next poll).
    const transport = socketMode;
    stopListening.push(ctx.onAppsChanged(() => void transport.refresh()));
    if (!args.deferSocketMode) await socketMode.start();
  }
  return {
    ctx,
    inbox,
    ingest,
    delivery,
    socketMode,
    async stop() {
      for (const stop of stopListening) stop();
      // First stop taking envelopes, then finish applying what is in the inbox.
      await socketMode?.stop();
      await ingest?.stop();
      await delivery?.stop();
      await inbox.close();
    },
  };
}
