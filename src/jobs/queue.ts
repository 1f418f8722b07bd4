import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/index.ts';
import type { Job } from '../db/types.ts';
import type { JobSignals } from './signals.ts';

/**
 * The durable job queue (outbox). Jobs are written inside the transaction whose commit makes
 * them due, and run after commit. Jobs that share an `order_key` run one at a time in id
 * order; a job waiting for a retry holds back the later jobs of its key. Claiming is a
 * conditional UPDATE, so several Parley processes on one PostgreSQL never run a job twice
 * concurrently; a claim is a lease, and a lease that runs out (a crashed process) is reclaimed.
 */

export interface EnqueueArgs {
  queue: string;
  orderKey: string;
  payload: unknown;
  /** Racing writers with the same dedupe key produce one job. */
  dedupeKey?: string;
  runAt?: string;
}

/** Writes the job in `trx` and wakes the instance's workers of its queue (`signals`). */
export async function enqueueJob(trx: Db, args: EnqueueArgs, signals: JobSignals): Promise<void> {
  const now = new Date().toISOString();
  let q = trx.insertInto('jobs').values({
    queue: args.queue,
    order_key: args.orderKey,
    dedupe_key: args.dedupeKey ?? null,
    payload: JSON.stringify(args.payload),
    run_at: args.runAt ?? now,
    created_at: now,
    updated_at: now,
  });
  if (args.dedupeKey) q = q.onConflict((oc) => oc.column('dedupe_key').doNothing()) as typeof q;
  await q.execute();
  // The worker may look before this transaction commits; it looks again shortly after.
  signals.wake(args.queue);
}

export type JobOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'failed'; error: string }
  /**
   * Not a failure: the job may not go on yet (its key is paced). It goes back to pending, due
   * in `delayMs`, without counting an attempt, and frees its worker slot meanwhile; later jobs
   * of its key stay behind it.
   */
  | { kind: 'wait'; delayMs: number };

export type JobHandler = (job: Job, payload: any) => Promise<JobOutcome>;

export interface WorkerOptions {
  db: Db;
  queue: string;
  handler: JobHandler;
  logger: Logger;
  concurrency?: number;
  leaseMs?: number;
  idlePollMs?: number;
  /** The instance's wake-up calls; without them the worker finds new jobs by polling. */
  signals?: JobSignals;
}

export interface Worker {
  stop(): Promise<void>;
  /** Resolves when no job of the queue is pending or running (tests, benchmarks). */
  drained(timeoutMs?: number): Promise<void>;
}

async function claim(
  db: Db,
  queue: string,
  workerId: string,
  limit: number,
  leaseMs: number,
): Promise<Job[]> {
  const now = new Date().toISOString();
  // Runs out leases first: a job whose worker died goes back to pending.
  await db
    .updateTable('jobs')
    .set({ status: 'pending', locked_by: null, locked_until: null })
    .where('queue', '=', queue)
    .where('status', '=', 'running')
    .where('locked_until', '<', now)
    .execute();
  const candidates = await db
    .selectFrom('jobs as j')
    .selectAll('j')
    .where('j.queue', '=', queue)
    .where('j.status', '=', 'pending')
    .where('j.run_at', '<=', now)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('jobs as e')
            .select('e.id')
            .whereRef('e.queue', '=', 'j.queue')
            .whereRef('e.order_key', '=', 'j.order_key')
            .whereRef('e.id', '<', 'j.id')
            .where('e.status', 'in', ['pending', 'running']),
        ),
      ),
    )
    .orderBy('j.id')
    .limit(limit)
    .execute();
  const claimed: Job[] = [];
  const until = new Date(Date.now() + leaseMs).toISOString();
  for (const job of candidates) {
    const res = await db
      .updateTable('jobs')
      .set({ status: 'running', locked_by: workerId, locked_until: until, updated_at: now })
      .where('id', '=', job.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) {
      claimed.push({ ...job, status: 'running', locked_by: workerId, locked_until: until });
    }
  }
  return claimed;
}

async function settle(db: Db, job: Job, outcome: JobOutcome): Promise<void> {
  const now = new Date().toISOString();
  if (outcome.kind === 'wait') {
    await db
      .updateTable('jobs')
      .set({
        status: 'pending',
        locked_by: null,
        locked_until: null,
        updated_at: now,
        run_at: new Date(Date.now() + outcome.delayMs).toISOString(),
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', job.locked_by)
      .execute();
    return;
  }
  const base = { locked_by: null, locked_until: null, updated_at: now, attempts: job.attempts + 1 };
  const set =
    outcome.kind === 'done'
      ? { ...base, status: 'done' as const, last_error: null }
      : outcome.kind === 'failed'
        ? { ...base, status: 'failed' as const, last_error: outcome.error }
        : {
            ...base,
            status: 'pending' as const,
            last_error: outcome.error,
            run_at: new Date(Date.now() + outcome.delayMs).toISOString(),
          };
  await db
    .updateTable('jobs')
    .set(set)
    .where('id', '=', job.id)
    .where('locked_by', '=', job.locked_by)
    .execute();
}

export function startWorker(opts: WorkerOptions): Worker {
  const { db, queue, handler, logger } = opts;
  const concurrency = opts.concurrency ?? 4;
  const leaseMs = opts.leaseMs ?? 60_000;
  const idlePollMs = opts.idlePollMs ?? 500;
  const workerId = randomUUID();
  let stopped = false;
  let running = 0;
  let timer: NodeJS.Timeout | null = null;
  let looping = false;
  let again = false;
  const inFlight = new Set<Promise<void>>();

  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void loop(), ms);
  };

  // A job put back for a while (paced, or retried) is looked for when it is due, not at the
  // next idle poll after: a paced DM then goes out at its pace, not at the poll's. One timer,
  // for the earliest; jobs due later are found by the poll or by the loop that timer runs.
  let wakeTimer: NodeJS.Timeout | null = null;
  let wakeAt = Infinity;
  const wakeIn = (ms: number) => {
    const at = Date.now() + ms;
    if (stopped || at >= wakeAt) return;
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = setTimeout(() => {
      wakeTimer = null;
      wakeAt = Infinity;
      void loop();
    }, ms);
  };

  async function runOne(job: Job) {
    let outcome: JobOutcome;
    try {
      outcome = await handler(job, JSON.parse(job.payload));
    } catch (err) {
      logger.error({ err, jobId: job.id, queue }, 'job handler threw');
      outcome = {
        kind: 'retry',
        delayMs: backoffMs(job.attempts),
        error: String((err as Error)?.message ?? err),
      };
    }
    try {
      await settle(db, job, outcome);
      if (outcome.kind === 'wait' || outcome.kind === 'retry') wakeIn(outcome.delayMs + 1);
    } catch (err) {
      logger.error({ err, jobId: job.id }, 'could not settle job; its lease will run out');
    }
  }

  async function loop(): Promise<void> {
    if (stopped) return;
    if (looping) {
      again = true;
      return;
    }
    looping = true;
    let found = 0;
    try {
      do {
        again = false;
        const room = concurrency - running;
        if (room <= 0) break;
        const jobs = await claim(db, queue, workerId, room, leaseMs);
        found += jobs.length;
        for (const job of jobs) {
          running++;
          const p = runOne(job).finally(() => {
            running--;
            inFlight.delete(p);
            // A finished job may unblock the next one of its key.
            void loop();
          });
          inFlight.add(p);
        }
      } while (again && !stopped);
    } catch (err) {
      if (!stopped) logger.error({ err, queue }, 'job queue poll failed');
    } finally {
      looping = false;
    }
    schedule(found > 0 ? 0 : idlePollMs);
  }

  let followUps: NodeJS.Timeout[] = [];
  const onSignal = () => {
    void loop();
    // A signal can arrive before the enqueuing transaction commits on another connection
    // (PostgreSQL): look again soon, then a little later, for a commit that took longer. Only
    // the latest signal's look-agains are kept, so a stream of jobs adds three polls, not more.
    for (const t of followUps) clearTimeout(t);
    followUps = [3, 8, 20].map((ms) => setTimeout(() => void loop(), ms));
  };
  const unsubscribe = opts.signals?.on(queue, onSignal);
  schedule(0);

  return {
    async stop() {
      stopped = true;
      unsubscribe?.();
      for (const t of followUps) clearTimeout(t);
      if (timer) clearTimeout(timer);
      if (wakeTimer) clearTimeout(wakeTimer);
      await Promise.allSettled([...inFlight]);
    },
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('queue', '=', queue)
          .where('status', 'in', ['pending', 'running'])
          .executeTakeFirstOrThrow();
        if (Number(row.n) === 0) return;
        if (Date.now() > deadline)
          throw new Error(`queue ${queue} not drained after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** 1 s, 2 s, 4 s … capped at 10 minutes, with jitter so retries of many jobs spread out. */
export function backoffMs(attempts: number): number {
  const base = Math.min(600_000, 1000 * 2 ** Math.min(attempts, 20));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
