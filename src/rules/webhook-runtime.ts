import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createSecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/index.ts';
import type { DeskEvents } from '../desk/events.ts';
import { startWorker, type Worker } from '../jobs/queue.ts';
import { JobSignals } from '../jobs/signals.ts';
import type { Resolver } from './webhook-address.ts';
import { WEBHOOK_QUEUE, webhookHandler, webhookProcessor } from './webhook-delivery.ts';

/** Webhooks as one running thing: the processor every node registers, the worker some run. */
export interface WebhookRuntime {
  /** The worker calling webhooks (nodes with workers), else null. */
  worker: Worker | null;
  stop(): Promise<void>;
}

export function startWebhookRuntime(args: {
  db: Db;
  config: Config;
  logger: Logger;
  events: DeskEvents;
  workers: boolean;
  /** Tests simulate DNS answers; production resolves with the system's resolver. */
  resolver?: Resolver;
}): WebhookRuntime {
  const signals = new JobSignals();
  // Every node writes tickets, so every node turns webhook effects into jobs.
  const unregister = args.events.register(webhookProcessor(signals));
  const logger = args.logger.child({ component: 'webhooks' });
  const worker = args.workers
    ? startWorker({
        db: args.db,
        queue: WEBHOOK_QUEUE,
        handler: webhookHandler({
          db: args.db,
          box: createSecretBox(args.config.secretKey),
          guard: {
            allowPrivate: args.config.webhooks.allowPrivate,
            ...(args.resolver ? { resolver: args.resolver } : {}),
          },
          publicUrl: args.config.publicUrl,
          logger,
        }),
        logger,
        concurrency: 8,
        signals,
      })
    : null;
  return {
    worker,
    async stop() {
      unregister();
      await worker?.stop();
    },
  };
}
