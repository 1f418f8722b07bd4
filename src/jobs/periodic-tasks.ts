import type { Db } from '../db/index.ts';
import { forgetIdlePaces } from './pace.ts';
import type { PeriodicTask } from './scheduler.ts';

/**
 * Parley's periodic tasks, run by nodes with the scheduler role (`--role all` or `scheduler`).
 * A new one goes here: a stable name, a period, and a run that is safe to repeat.
 */
export function periodicTasks(db: Db): PeriodicTask[] {
  return [
    {
      // A key whose pace has caught up with now allows a full burst, row or no row.
      name: 'jobs.forget-idle-paces',
      everyMs: 60 * 60 * 1000,
      run: async (now) => {
        await forgetIdlePaces(db, now.toISOString());
      },
    },
  ];
}
