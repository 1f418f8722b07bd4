/**
 * The scheduler's periodic tasks on a real database: of several nodes (here, connection pools)
 * one runs a due task; a task runs again one period later; a node that stops in the middle of
 * a run loses the task to another once its lease runs out. The clock is a test clock.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { type Db, openDatabase } from '../../src/db/index.ts';
import { createScheduler, type PeriodicTask } from '../../src/jobs/scheduler.ts';
import { forEachDatabase } from '../helpers/harness.ts';
import { waitFor } from '../slack/helpers.ts';

type Scheduler = ReturnType<typeof createScheduler>;

const silent = pino({ level: 'silent' });
const MINUTE = 60_000;

forEachDatabase('Scheduler', (ctx) => {
  let clockMs = Date.parse('2030-01-01T00:00:00.000Z');
  const clock = () => new Date(clockMs);
  let n = 0;

  /** `count` nodes, each with its own connection pool and scheduler, sharing the test clock. */
  function nodes(count: number) {
    const dbs: Db[] = [];
    const list = Array.from({ length: count }, () => {
      const db = openDatabase(ctx.desk.parley.config.database);
      dbs.push(db);
      return createScheduler({ db, logger: silent, clock });
    });
    return {
      list,
      async close() {
        await Promise.all(list.map((s) => s.stop()));
        await Promise.all(dbs.map((db) => db.destroy()));
      },
    };
  }

  it('runs a due task on one node of several, then again one period later', async () => {
    const name = `test.count.${++n}`;
    const runs: string[] = [];
    const { list, close } = nodes(3);
    try {
      for (const s of list) {
        s.register({
          name,
          everyMs: 10 * MINUTE,
          run: async (now) => void runs.push(now.toISOString()),
        });
      }
      const first = await Promise.all(list.map((s) => s.tick()));
      assert.equal(first.flat().length, 1, 'one node ran it');
      assert.equal(runs.length, 1);
      // Not due again until the period is over.
      clockMs += 10 * MINUTE - 1;
      assert.deepEqual((await Promise.all(list.map((s) => s.tick()))).flat(), []);
      clockMs += 1;
      const second = await Promise.all(list.map((s) => s.tick()));
      assert.equal(second.flat().length, 1);
      assert.equal(runs.length, 2);
      assert.equal(Date.parse(runs[1]!) - Date.parse(runs[0]!), 10 * MINUTE);
    } finally {
      await close();
    }
  });

  it('hands a task over when the node running it lets its lease run out', async () => {
    const name = `test.lease.${++n}`;
    const ran: string[] = [];
    let release!: () => void;
    let started!: () => void;
    const startedA = new Promise<void>((r) => (started = r));
    const { list, close } = nodes(2);
    const [a, b] = list as [Scheduler, Scheduler]; // nodes(2)
    try {
      const task = (node: string): PeriodicTask => ({
        name,
        everyMs: 5 * MINUTE,
        leaseMs: 10 * MINUTE,
        run: async () => {
          ran.push(node);
          if (node === 'a') {
            started();
            await new Promise<void>((r) => (release = r));
          }
        },
      });
      a.register(task('a'));
      b.register(task('b'));
      const aTick = a.tick();
      await startedA;
      // A holds the lease: B does not run the task, even once it is due again.
      clockMs += 5 * MINUTE;
      assert.deepEqual(await b.tick(), []);
      // A's lease has run out (A is stuck, or gone): B takes the task over.
      clockMs += 5 * MINUTE + 1;
      assert.deepEqual(await b.tick(), [name]);
      const row = await ctx.desk.parley.db
        .selectFrom('scheduled_tasks')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      assert.equal(row.locked_by, null);
      assert.equal(row.next_run_at, new Date(clockMs + 5 * MINUTE).toISOString());
      // A finishing late does not overwrite the schedule B set.
      release();
      assert.deepEqual(await aTick, [name]);
      const after = await ctx.desk.parley.db
        .selectFrom('scheduled_tasks')
        .select('next_run_at')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      assert.equal(after.next_run_at, row.next_run_at);
      assert.deepEqual(ran, ['a', 'b']);
    } finally {
      release?.();
      await close();
    }
  });

  it('records a failed run and runs the task again next period', async () => {
    const name = `test.fail.${++n}`;
    let calls = 0;
    const { list, close } = nodes(1);
    const [s] = list as [Scheduler]; // nodes(1)
    try {
      s.register({
        name,
        everyMs: MINUTE,
        run: async () => {
          calls++;
          if (calls === 1) throw new Error('disk full');
        },
      });
      assert.deepEqual(await s.tick(), [name]);
      const failed = await ctx.desk.parley.db
        .selectFrom('scheduled_tasks')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      assert.equal(failed.last_error, 'disk full');
      clockMs += MINUTE;
      assert.deepEqual(await s.tick(), [name]);
      const ok = await ctx.desk.parley.db
        .selectFrom('scheduled_tasks')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      assert.equal(ok.last_error, null);
      assert.equal(calls, 2);
      assert.throws(() => s.register({ name, everyMs: MINUTE, run: async () => {} }), /twice/);
    } finally {
      await close();
    }
  });

  it('registers the built-in sweeps on a node with the scheduler role', async () => {
    // The test desk runs with the default role (all), whose scheduler starts at once.
    const finished = await waitFor('the pace sweep to run once', async () => {
      const row = await ctx.desk.parley.db
        .selectFrom('scheduled_tasks')
        .select('last_finished_at')
        .where('name', '=', 'jobs.forget-idle-paces')
        .executeTakeFirst();
      return row?.last_finished_at;
    });
    assert.ok(finished);
  });
});
