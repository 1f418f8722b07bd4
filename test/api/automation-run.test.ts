import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TicketWritten } from '../../src/desk/events.ts';
import { findSystemUser, systemUser } from '../../src/desk/system-user.ts';
import { NotApplicable, updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { via } from '../../src/desk/via.ts';
import { automationTask } from '../../src/jobs/periodic-tasks.ts';
import { createScheduler } from '../../src/jobs/scheduler.ts';
import { runAutomations } from '../../src/rules/automation-run.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

// The automations' run (reference §4) on a real database, with the scheduler's clock moved
// instead of waiting: what fires when, the audit it leaves, its caps, its lease, its effects.

const HOUR = 3_600_000;

async function newTicket(desk: TestDesk, ticket: Record<string, unknown>) {
  const res = await desk.api('POST', '/api/v2/tickets', {
    ticket: { subject: 'Printer', comment: { body: 'It is on fire' }, ...ticket },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket as { id: number; status: string; updated_at: string };
}

async function ticketRow(desk: TestDesk, id: number) {
  return desk.parley.db
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

function schedulerAt(desk: TestDesk, clock: { now: Date }, limits = {}) {
  const { db, events, logger } = desk.parley;
  const scheduler = createScheduler({ db, logger, clock: () => clock.now });
  scheduler.register(automationTask(db, events, logger, HOUR, limits));
  return scheduler;
}

const after = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * HOUR);

forEachDatabase('automations run', (ctx) => {
  it('makes no system user when it has nothing to change', async () => {
    const { db, events, logger } = ctx.desk.parley;
    const result = await runAutomations({ db, events, log: logger, now: new Date() });
    assert.equal(result.failed, 0);
    assert.equal(await findSystemUser(db), undefined);
  });

  it('closes a solved ticket 4 days after it was solved, not before, with an audit via the automation', async () => {
    const desk = ctx.desk;
    const t = await newTicket(desk, { assignee_id: desk.adminId });
    const solved = await desk.api('PUT', `/api/v2/tickets/${t.id}`, {
      ticket: { status: 'solved' },
    });
    assert.equal(solved.status, 200, JSON.stringify(solved.body));
    const solvedAt = (await ticketRow(desk, t.id)).status_updated_at;
    const clock = { now: after(solvedAt, 95) };
    const scheduler = schedulerAt(desk, clock);

    assert.deepEqual(await scheduler.tick(), ['rules.automations']);
    assert.equal((await ticketRow(desk, t.id)).status, 'solved', 'not at 95 hours');

    clock.now = after(solvedAt, 97);
    assert.deepEqual(await scheduler.tick(), ['rules.automations']);
    assert.equal((await ticketRow(desk, t.id)).status, 'closed', 'closed after 96 hours');

    const close = (await desk.api('GET', '/api/v2/automations')).body.automations.find(
      (a: any) => a.title === 'Close ticket 4 days after status is set to solved',
    );
    const audits = (await desk.api('GET', `/api/v2/tickets/${t.id}/audits`)).body.audits;
    const last = audits[audits.length - 1];
    assert.equal(last.via.channel, 'rule');
    assert.equal(last.via.source.rel, 'automation');
    assert.deepEqual(last.via.source.from, { id: close.id, title: close.title });
    assert.ok(
      last.events.some(
        (e: any) => e.type === 'Change' && e.field_name === 'status' && e.value === 'closed',
      ),
      JSON.stringify(last.events),
    );
    await scheduler.stop();
  });

  it('changes at most the cap of tickets per automation per run, the rest at the next runs', async () => {
    const desk = ctx.desk;
    const made = await desk.api('POST', '/api/v2/automations', {
      automation: {
        title: 'Tag old capcase tickets',
        conditions: {
          all: [
            { field: 'current_tags', operator: 'includes', value: 'capcase' },
            { field: 'current_tags', operator: 'not_includes', value: 'capped' },
            { field: 'NEW', operator: 'greater_than', value: '1' },
          ],
        },
        actions: [{ field: 'current_tags', value: 'capped' }],
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await newTicket(desk, { tags: ['capcase'] })).id);
    const newest = (await ticketRow(desk, ids[4]!)).created_at;
    const { db, events, logger } = desk.parley;
    const run = (hours: number) =>
      runAutomations({
        db,
        events,
        log: logger,
        now: after(newest, hours),
        maxTicketsPerAutomation: 2,
        pageSize: 2,
      });
    const capped = async () => {
      const rows = await db
        .selectFrom('tickets')
        .select(['id', 'tags'])
        .where('id', 'in', ids)
        .execute();
      return rows.filter((r) => JSON.parse(r.tags).includes('capped')).length;
    };
    assert.equal(
      (await run(1)).changed[made.body.automation.id],
      0,
      'one hour is not more than one',
    );
    assert.equal((await run(2)).changed[made.body.automation.id], 2);
    assert.equal(await capped(), 2);
    assert.equal((await run(3)).changed[made.body.automation.id], 2);
    assert.equal(await capped(), 4);
    assert.equal((await run(4)).changed[made.body.automation.id], 1);
    assert.equal(await capped(), 5);
    assert.equal((await run(5)).changed[made.body.automation.id], 0);
    await desk.api('DELETE', `/api/v2/automations/${made.body.automation.id}`);
  });

  it("carries the automation's notifications in ticket.written, once in its hour", async () => {
    const desk = ctx.desk;
    const made = await desk.api('POST', '/api/v2/automations', {
      automation: {
        title: 'Remind after 30 pending hours',
        conditions: {
          all: [
            { field: 'PENDING', operator: 'is', value: '30' },
            { field: 'current_tags', operator: 'includes', value: 'remindme' },
          ],
        },
        actions: [{ field: 'notification_user', value: ['requester_id', 'Waiting', 'Any news?'] }],
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const a = made.body.automation;
    const t = await newTicket(desk, { tags: ['remindme'], status: 'pending' });
    const pendingAt = (await ticketRow(desk, t.id)).status_updated_at;
    const seen: TicketWritten[] = [];
    const stop = desk.parley.events.on('ticket.written', (e) => {
      if (e.ticketId === t.id) seen.push(e);
    });
    const { db, events, logger } = desk.parley;
    const run = (hours: number) =>
      runAutomations({ db, events, log: logger, now: after(pendingAt, hours) });
    await run(29.5);
    assert.equal(seen.length, 0, 'not at 29 hours');
    await run(30.2);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]!.effects, [
      {
        rule: { kind: 'automation', id: a.id, title: a.title },
        effect: {
          type: 'notification_user',
          recipient: 'requester_id',
          subject: 'Waiting',
          body: 'Any news?',
        },
      },
    ]);
    assert.equal(seen[0]!.actor.via.source.rel, 'automation');
    await run(30.8);
    assert.equal(seen.length, 1, 'once in its hour window');
    await run(31.2);
    assert.equal(seen.length, 1, 'and not in the next');
    stop();
    await desk.api('DELETE', `/api/v2/automations/${a.id}`);
  });

  it('updates a ticket at most 100 times by automations, the close automation excepted', async () => {
    const desk = ctx.desk;
    const { db, events, logger } = desk.parley;
    const made = await desk.api('POST', '/api/v2/automations', {
      automation: {
        title: 'Escalate hundredcase',
        conditions: {
          all: [
            { field: 'current_tags', operator: 'includes', value: 'hundredcase' },
            { field: 'priority', operator: 'less_than', value: 'high' },
            { field: 'NEW', operator: 'greater_than', value: '2' },
          ],
        },
        actions: [{ field: 'priority', value: 'high' }],
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const a = made.body.automation;
    const worn = await newTicket(desk, { tags: ['hundredcase'], priority: 'low' });
    const fresh = await newTicket(desk, { tags: ['hundredcase'], priority: 'low' });
    // The worn ticket has had its 100 automation updates already.
    await db
      .insertInto('automation_firings')
      .values({
        automation_id: a.id,
        ticket_id: worn.id,
        count: 100,
        last_fired_at: worn.updated_at,
      })
      .execute();
    const created = (await ticketRow(desk, fresh.id)).created_at;
    const result = await runAutomations({ db, events, log: logger, now: after(created, 3) });
    assert.equal(result.changed[a.id], 1);
    assert.equal((await ticketRow(desk, worn.id)).priority, 'low');
    assert.equal((await ticketRow(desk, fresh.id)).priority, 'high');
    const firing = await db
      .selectFrom('automation_firings')
      .selectAll()
      .where('ticket_id', '=', fresh.id)
      .executeTakeFirstOrThrow();
    assert.equal(firing.count, 1);

    // The close automation still closes the worn ticket once it has been solved 4 days.
    await desk.api('PUT', `/api/v2/tickets/${worn.id}`, {
      ticket: { status: 'solved', assignee_id: desk.adminId },
    });
    const solvedAt = (await ticketRow(desk, worn.id)).status_updated_at;
    await runAutomations({ db, events, log: logger, now: after(solvedAt, 97) });
    assert.equal((await ticketRow(desk, worn.id)).status, 'closed');
    await desk.api('DELETE', `/api/v2/automations/${a.id}`);
  });

  it('re-checks on the ticket as locked for the write: a declined guard writes nothing', async () => {
    const desk = ctx.desk;
    const { db, events } = desk.parley;
    const t = await newTicket(desk, { priority: 'low' });
    // The ticket changes after a run would have selected it.
    await desk.api('PUT', `/api/v2/tickets/${t.id}`, { ticket: { priority: 'high' } });
    const system = await systemUser(db, new Date().toISOString());
    const actor = { user: system, via: via('rule', { rel: 'automation' }) };
    const seen: string[] = [];
    await assert.rejects(
      updateTicket(db, actor, t.id, { priority: 'urgent' }, null, new Date().toISOString(), {
        events,
        guard: async (_trx, before) => {
          seen.push(before.priority ?? '');
          return before.priority === 'low';
        },
      }),
      NotApplicable,
    );
    assert.deepEqual(seen, ['high'], 'the guard saw the ticket as it is now');
    assert.equal((await ticketRow(desk, t.id)).priority, 'high');
  });

  it('goes on with the other automations when one cannot run', async () => {
    const desk = ctx.desk;
    const { db, events } = desk.parley;
    const now = new Date().toISOString();
    const broken = await db
      .insertInto('automations')
      .values({
        title: 'From an older catalogue',
        raw_title: 'From an older catalogue',
        position: 0,
        conditions: JSON.stringify({ all: [{ field: 'gone', operator: 'is', value: '1' }] }),
        actions: JSON.stringify([{ field: 'status', value: 'closed' }]),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const t = await newTicket(desk, { assignee_id: desk.adminId, status: 'solved' });
    const solvedAt = (await ticketRow(desk, t.id)).status_updated_at;
    const errors: unknown[] = [];
    const log = { error: (obj: object) => errors.push(obj) };
    const result = await runAutomations({ db, events, log, now: after(solvedAt, 97) });
    assert.equal(result.failed, 1);
    assert.equal(errors.length, 1);
    assert.equal((await ticketRow(desk, t.id)).status, 'closed', 'the close automation ran');
    await db.deleteFrom('automations').where('id', '=', broken.id).execute();
  });

  it('is run by one of two schedulers on the same database', async () => {
    const desk = ctx.desk;
    const clock = { now: new Date(Date.now() + 2000 * HOUR) };
    const one = schedulerAt(desk, clock);
    const two = schedulerAt(desk, clock);
    const [a, b] = await Promise.all([one.tick(), two.tick()]);
    const ran = [...a, ...b].filter((n) => n === 'rules.automations');
    assert.equal(ran.length, 1, JSON.stringify({ a, b }));
    const row = await desk.parley.db
      .selectFrom('scheduled_tasks')
      .selectAll()
      .where('name', '=', 'rules.automations')
      .executeTakeFirstOrThrow();
    assert.equal(row.next_run_at, new Date(clock.now.getTime() + HOUR).toISOString());
    assert.equal(row.last_error, null);
    // Neither runs it again before its hour is up.
    assert.deepEqual([...(await one.tick()), ...(await two.tick())], []);
    await Promise.all([one.stop(), two.stop()]);
  });
});
