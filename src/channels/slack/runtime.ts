import type { Logger } from 'pino';
import type { BlobStore } from '../../blobs/index.ts';
import type { Config } from '../../config.ts';
import { createSecretBox } from '../../crypto/secret-box.ts';
import type { Db } from '../../db/index.ts';
import { startWorker, type Worker } from '../../jobs/queue.ts';
import { ensureConfiguredApps } from './apps.ts';
import { createSlackContext, type SlackContext } from './context.ts';
import { DELIVERY_QUEUE, deliveryHandler, registerSlackDelivery } from './delivery.ts';
import { InboxWriter } from './inbox.ts';
import { IngestWorker } from './ingest.ts';

/** The Slack channel as one running thing: its context, inbox, and (when this node works) workers. */
export interface SlackRuntime {
  ctx: SlackContext;
  inbox: InboxWriter;
  ingest: IngestWorker | null;
  delivery: Worker | null;
  stop(): Promise<void>;
}

export async function startSlackRuntime(args: {
  db: Db;
  config: Config;
  blobs: BlobStore;
  logger: Logger;
  workers: boolean;
}): Promise<SlackRuntime> {
  const box = createSecretBox(args.config.secretKey);
  const ctx = createSlackContext({
    db: args.db,
    box,
    config: args.config,
    blobs: args.blobs,
    logger: args.logger.child({ channel: 'slack' }),
  });
  await ensureConfiguredApps(args.db, box, args.config);
  const inbox = new InboxWriter(args.db);
  let ingest: IngestWorker | null = null;
  let delivery: Worker | null = null;
  let unhook: (() => void) | null = null;
  unhook = registerSlackDelivery();
  if (args.workers) {
    ingest = new IngestWorker(ctx);
    inbox.onWritten = () => ingest?.kick();
    ingest.start();
    delivery = startWorker({
      db: args.db,
      queue: DELIVERY_QUEUE,
      handler: deliveryHandler(ctx),
      logger: ctx.logger,
      concurrency: 8,
    });
  }
  return {
    ctx,
    inbox,
    ingest,
    delivery,
    async stop() {
      unhook?.();
      await ingest?.stop();
      await delivery?.stop();
    },
  };
}
