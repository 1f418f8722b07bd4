import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/index.ts';
import type { Db } from '../db/index.ts';
import { forgetIdlePaces } from './pace.ts';
import type { PeriodicTask } from './scheduler.ts';
import { SWEEP_EVERY_MS, sweepExpiredUploads } from './sweep-uploads.ts';

/**
 * Parley's periodic tasks, run by nodes with the scheduler role (`--role all` or `scheduler`).
 * A new one goes here: a stable name, a period, and a run that is safe to repeat.
 */
export function periodicTasks(db: Db, blobs: BlobStore, logger: Logger): PeriodicTask[] {
  return [
    {
      // A key whose pace has caught up with now allows a full burst, row or no row.
      name: 'jobs.forget-idle-paces',
      everyMs: 60 * 60 * 1000,
      run: async (now) => {
        await forgetIdlePaces(db, now.toISOString());
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
