import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/index.ts';
import type { DeskEvents } from '../../desk/events.ts';
import { startWorker, type Worker } from '../../jobs/queue.ts';
import { JobSignals } from '../../jobs/signals.ts';
import { type Mailer, smtpMailer } from './email.ts';
import { NOTIFY_QUEUE, notificationProcessor, type RequesterChannel } from './enqueue.ts';
import { EMAIL_QUEUE, notifyHandler } from './send.ts';
import { emailHandler } from './send-email.ts';

/** Rule notifications as one running thing: the processor, and workers on nodes that work. */
export interface NotificationsRuntime {
  notify: Worker | null;
  email: Worker | null;
  stop(): Promise<void>;
}

export function startNotifications(args: {
  db: Db;
  config: Config;
  events: DeskEvents;
  logger: Logger;
  workers: boolean;
  /** Channels that tell a requester in their own channel (Slack's DM). */
  requesterChannels: readonly RequesterChannel[];
}): NotificationsRuntime {
  const logger = args.logger.child({ component: 'notifications' });
  const signals = new JobSignals();
  // Every node writes tickets, so every node enqueues their notifications.
  const unregister = args.events.register(notificationProcessor(signals, args.requesterChannels));
  if (!args.workers) {
    return {
      notify: null,
      email: null,
      async stop() {
        unregister();
      },
    };
  }
  const mailer: Mailer | null = args.config.smtp ? smtpMailer(args.config.smtp) : null;
  const deps = {
    db: args.db,
    events: args.events,
    signals,
    publicUrl: args.config.publicUrl,
    mailer,
    logger,
  };
  const common = { db: args.db, logger, signals };
  const notify = startWorker({ ...common, queue: NOTIFY_QUEUE, handler: notifyHandler(deps) });
  const email = startWorker({ ...common, queue: EMAIL_QUEUE, handler: emailHandler(deps) });
  return {
    notify,
    email,
    async stop() {
      unregister();
      await notify.stop();
      await email.stop();
      mailer?.close();
    },
  };
}
