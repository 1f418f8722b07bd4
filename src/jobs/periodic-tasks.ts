import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/index.ts';
import type { Db } from '../db/index.ts';
import type { DeskEvents } from '../desk/events.ts';
import { type AutomationRunOptions, runAutomations } from '../rules/automation-run.ts';
import { pruneStreamEvents, STREAM_RETENTION_MS } from '../realtime/stream-log.ts';
import { forgetIdlePaces } from './pace.ts';
import type { PeriodicTask } from './scheduler.ts';
import { SWEEP_EVERY_MS, sweepExpiredUploads } from './sweep-uploads.ts';

/**
 * Parley's periodic tasks, run by nodes with the scheduler role (`--role all` or `scheduler`).
 * A new one goes here: a stable name, a period, and a run that is safe to repeat.
 */
export function periodicTasks(
  db: Db,
  blobs: BlobStore,
  logger: Logger,
  /** The rules' tasks (automations) need the desk's bus: none without it. */
  rules?: { events: DeskEvents; automationIntervalMinutes: number },
): PeriodicTask[] {
  return [
    ...(rules
      ? [automationTask(db, rules.events, logger, rules.automationIntervalMinutes * 60_000)]
      : []),
    {
      // A key whose pace has caught up with now allows a full burst, row or no row.
      name: 'jobs.forget-idle-paces',
      everyMs: 60 * 60 * 1000,
      run: async (now) => {
        await forgetIdlePaces(db, now.toISOString());
      },
    },
    {
      // Stream events are kept for replay on reconnect, not for ever.
      name: 'stream.prune',
      everyMs: 60 * 60 * 1000,
      run: async (now) => {
        const before = new Date(now.getTime() - STREAM_RETENTION_MS).toISOString();
        const removed = await pruneStreamEvents(db, before);
        if (removed > 0) logger.info({ removed }, 'old stream events pruned');
      },
    },
    {
      // Upload tokens live an hour; what was never attached is removed with its bytes.
      name: 'uploads.sweep-expired',
      everyMs: SWEEP_EVERY_MS,
      run: async (now) => {
        const removed = await sweepExpiredUploads(db, blobs, now);
        if (removed.attachments > 0 || removed.blobs > 0) {
          logger.info(removed, 'expired uploads removed');
        }
      },
    },
  ];
}

/**
 * Zendesk's automations: hourly by default (PARLEY_AUTOMATION_INTERVAL_MINUTES), at the same
 * minute each period. `limits` lets tests and benchmarks shrink the per-run caps.
 */
export function automationTask(
  db: Db,
  events: DeskEvents,
  logger: Logger,
  everyMs: number,
  limits: Pick<AutomationRunOptions, 'maxTicketsPerAutomation' | 'pageSize'> = {},
): PeriodicTask {
  const log = logger.child({ component: 'automations' });
  return {
    name: 'rules.automations',
    everyMs,
    // A run over many tickets may take longer than a short period; another node must not
    // start it again meanwhile.
    leaseMs: Math.max(everyMs, 30 * 60_000),
    run: async (now) => {
      const result = await runAutomations({ db, events, log, now, ...limits });
      const changed = Object.values(result.changed).reduce((n, c) => n + c, 0);
      if (changed > 0 || result.failed > 0) {
        log.info({ changed: result.changed, failed: result.failed }, 'automations ran');
      }
    },
  };
}
