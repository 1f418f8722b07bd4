import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/index.ts';

/**
 * Periodic tasks (sweeps, and later the rules engine's automations), run by the nodes that
 * have the scheduler role. Each task has a row in scheduled_tasks: when it is next due, and a
 * lease. A node runs a due task only after taking its lease with a conditional UPDATE, so of
 * several nodes on one database one runs it; a node that dies mid-run loses the lease when it
 * runs out, and another takes the task over. The clock is injectable for tests.
 */
export interface PeriodicTask {
  /** Unique and stable: it names the task's row. */
  name: string;
  everyMs: number;
  /** How long a run may take before another node may start it again. Default: everyMs, at least a minute. */
  leaseMs?: number;
  run(now: Date): Promise<void>;
}

export interface SchedulerOptions {
  db: Db;
  logger: Logger;
  /** Default: the system clock. */
  clock?: () => Date;
  /** How often to look for due tasks. Default 1 s. */
  tickMs?: number;
}

export interface Scheduler {
  register(task: PeriodicTask): void;
  /** Looks for due tasks once and runs those this node leases; resolves with their names when they finished. */
  tick(): Promise<string[]>;
  start(): void;
  /** Stops looking, and waits for runs in progress. */
  stop(): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { db, logger } = opts;
  const clock = opts.clock ?? (() => new Date());
  const tickMs = opts.tickMs ?? 1000;
  const nodeId = randomUUID();
  const tasks = new Map<string, PeriodicTask>();
  const running = new Map<string, Promise<void>>();
  // When each task may next be due, as far as this node knows: ticks ask the database only
  // then, so an idle scheduler writes nothing (on SQLite every write takes the file's lock).
  const notBefore = new Map<string, number>();
  const known = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function lease(task: PeriodicTask, now: number): Promise<boolean> {
    if (!known.has(task.name)) {
      // A new task is due at once; an existing row keeps its schedule.
      await db
        .insertInto('scheduled_tasks')
        .values({ name: task.name, next_run_at: iso(now) })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      known.add(task.name);
    }
    const leaseMs = task.leaseMs ?? Math.max(task.everyMs, 60_000);
    const res = await db
      .updateTable('scheduled_tasks')
      .set({ locked_by: nodeId, locked_until: iso(now + leaseMs), last_started_at: iso(now) })
      .where('name', '=', task.name)
      .where('next_run_at', '<=', iso(now))
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', iso(now))]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return true;
    // Not due, or another node holds it: look again when it is due or that lease runs out.
    const row = await db
      .selectFrom('scheduled_tasks')
      .select(['next_run_at', 'locked_until'])
      .where('name', '=', task.name)
      .executeTakeFirst();
    if (row) {
      const lockedUntil = row.locked_until ? Date.parse(row.locked_until) + 1 : 0;
      notBefore.set(task.name, Math.max(Date.parse(row.next_run_at), lockedUntil));
    }
    return false;
  }

  async function runLeased(task: PeriodicTask, startedAt: number): Promise<void> {
    let error: string | null = null;
    try {
      await task.run(new Date(startedAt));
    } catch (err) {
      error = String((err as Error)?.message ?? err).slice(0, 1000);
      logger.error({ err, task: task.name }, 'scheduled task failed');
    }
    // Due again one period after this run began (a failed run too: the next one retries).
    // Only while the lease is still ours: a node that took the task over owns its schedule.
    await db
      .updateTable('scheduled_tasks')
      .set({
        next_run_at: iso(startedAt + task.everyMs),
        locked_by: null,
        locked_until: null,
        last_finished_at: clock().toISOString(),
        last_error: error,
      })
      .where('name', '=', task.name)
      .where('locked_by', '=', nodeId)
      .execute();
  }

  async function tick(): Promise<string[]> {
    const ran: string[] = [];
    const runs: Promise<void>[] = [];
    for (const task of tasks.values()) {
      if (stopped) break;
      if (running.has(task.name)) continue;
      const now = clock().getTime();
      if (now < (notBefore.get(task.name) ?? 0)) continue;
      if (!(await lease(task, now))) continue;
      notBefore.set(task.name, now + task.everyMs);
      ran.push(task.name);
      const p = runLeased(task, now)
        .catch((err) => logger.error({ err, task: task.name }, 'could not record a task run'))
        .finally(() => running.delete(task.name));
      running.set(task.name, p);
      runs.push(p);
    }
    await Promise.all(runs);
    return ran;
  }

  const loop = () => {
    if (stopped) return;
    // Runs are not awaited here: a long task must not keep the others from their time.
    tick().catch((err) => {
      if (!stopped) logger.error({ err }, 'scheduler tick failed');
    });
    timer = setTimeout(loop, tickMs);
  };

  return {
    register(task) {
      if (tasks.has(task.name)) throw new Error(`scheduled task ${task.name} is registered twice`);
      if (!(task.everyMs > 0)) throw new Error(`scheduled task ${task.name} needs everyMs > 0`);
      tasks.set(task.name, task);
    },
    tick,
    start() {
      if (timer || stopped) return;
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...running.values()]);
    },
  };
}
