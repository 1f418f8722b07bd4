import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type DeskEventOf, EventsAfterCommit } from '../../src/desk/events.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { WriteBatch } from '../../src/desk/tickets/write-batch.ts';
import { loadTicket, writeTicket } from '../../src/desk/tickets/write-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { ALICE, sandboxOf, settle, ticketsOf, userIdForSlack } from '../slack/helpers.ts';

type Written = DeskEventOf<'ticket.written'>;

/** Every `ticket.written` the desk publishes from now on, until `off()`. */
function listen(desk: TestDesk): { seen: Written[]; off: () => void } {
  const seen: Written[] = [];
  const off = desk.parley.events.on('ticket.written', (e) => seen.push(e));
  return { seen, off };
}

const subjectOf = (e: Written) => e.changes.find((c) => c.field === 'subject')?.value;

/** Each committed ticket write publishes exactly one event on its instance's bus. */
forEachDatabase('desk events', (ctx) => {
  it('an API create and an update each publish one ticket.written with their audit', async () => {
    const { api, adminId } = ctx.desk;
    const { seen, off } = listen(ctx.desk);
    try {
      const created = await api('POST', '/api/v2/tickets', {
        ticket: { subject: 'Evented', priority: 'high', comment: { body: 'hello' } },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.ticket.id;
      assert.equal(seen.length, 1, 'published before the response');
      const first = seen[0]!;
      assert.equal(first.ticketId, id);
      assert.equal(first.auditId, created.body.audit.id);
      assert.equal(first.created, true);
      assert.equal(subjectOf(first), 'Evented');
      assert.deepEqual(
        first.changes.find((c) => c.field === 'priority'),
        { field: 'priority', previous: null, value: 'high' },
      );
      assert.equal(first.comments.length, 1);
      assert.equal(first.comments[0]!.public, true);
      assert.equal(first.comments[0]!.authorId, adminId);
      assert.equal(first.comments[0]!.authorIsAgent, true);
      assert.equal(first.actor.userId, adminId);
      assert.equal(first.actor.via.channel, 'api');

      const updated = await api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { priority: 'low', comment: { body: 'internal', public: false } },
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(seen.length, 2);
      const second = seen[1]!;
      assert.equal(second.ticketId, id);
      assert.equal(second.auditId, updated.body.audit.id);
      assert.equal(second.created, false);
      assert.deepEqual(
        second.changes.find((c) => c.field === 'priority'),
        { field: 'priority', previous: 'high', value: 'low' },
      );
      assert.equal(second.comments.length, 1);
      assert.equal(second.comments[0]!.public, false);
      const note = await ctx.desk.parley.db
        .selectFrom('comments')
        .select(['id', 'audit_id'])
        .where('ticket_id', '=', id)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(second.comments[0]!.id, note.id);
      assert.equal(note.audit_id, second.auditId);
    } finally {
      off();
    }
  });

  it('publishes nothing for a write that rolled back', async () => {
    const { parley, api } = ctx.desk;
    const { seen, off } = listen(ctx.desk);
    const remove = parley.events.register({
      name: 'refuses',
      handles: ['ticket.written'],
      async inTransaction(_trx, e) {
        if (e.name === 'ticket.written' && subjectOf(e) === 'Refused')
          throw new Error('refused in the transaction');
      },
    });
    try {
      const res = await api('POST', '/api/v2/tickets', {
        ticket: { subject: 'Refused', comment: { body: 'never' } },
      });
      assert.ok(res.status >= 400, JSON.stringify(res.body));
      const rows = await parley.db
        .selectFrom('tickets')
        .select('id')
        .where('subject', '=', 'Refused')
        .execute();
      assert.equal(rows.length, 0, 'the write rolled back');
      assert.equal(seen.length, 0);
    } finally {
      remove();
      off();
    }
  });

  it('publishes a write run again once, from the attempt that committed', async () => {
    const { parley, kind, adminId } = ctx.desk;
    const admin = await parley.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', adminId)
      .executeTakeFirstOrThrow();
    const actor = { user: admin, via: via('api') };
    const runs = new Map<string, number>();
    const { seen, off } = listen(ctx.desk);
    const remove = parley.events.register({
      name: 'flaky',
      handles: ['ticket.written'],
      async inTransaction(_trx, e) {
        if (e.name !== 'ticket.written') return;
        const subject = String(subjectOf(e));
        runs.set(subject, (runs.get(subject) ?? 0) + 1);
        // PostgreSQL: a deadlock on the first attempt; writeTransaction runs it again.
        if (subject === 'Retried' && runs.get(subject) === 1) {
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        }
        // SQLite: a member that fails rolls its group back; the others run again alone.
        if (subject === 'Group boom') throw new Error('boom');
      },
    });
    const create = (subject: string) =>
      createTicket(parley.db, actor, { subject, comment: { body: subject } }, nowIso(), {
        events: parley.events,
      });
    type Settled = PromiseSettledResult<Awaited<ReturnType<typeof create>>>;
    try {
      if (kind === 'postgres') {
        const { ticket } = await create('Retried');
        assert.equal(runs.get('Retried'), 2, 'the transaction ran twice');
        assert.deepEqual(
          seen.map((e) => e.ticketId),
          [ticket.id],
        );
      } else {
        // Started in one tick, the three writes share one group commit.
        const [a, boom, c] = (await Promise.allSettled(
          ['Group A', 'Group boom', 'Group C'].map(create),
        )) as [Settled, Settled, Settled];

        assert.equal(a.status, 'fulfilled');
        assert.equal(boom.status, 'rejected');
        assert.equal(c.status, 'fulfilled');
        assert.equal(runs.get('Group A'), 2, 'the group ran, then A alone');
        assert.deepEqual(seen.map(subjectOf).sort(), ['Group A', 'Group C']);
        const ids = [a, c].map((r) => (r.status === 'fulfilled' ? r.value.ticket.id : 0));
        assert.deepEqual(
          seen.map((e) => e.ticketId),
          ids,
        );
      }
    } finally {
      remove();
      off();
    }
  });

  it('publishes one event per write a WriteBatch records, after its commit', async () => {
    const { parley, api, adminId } = ctx.desk;
    const created = await api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Batched', comment: { body: 'start' } },
    });
    const id = created.body.ticket.id;
    const admin = await parley.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', adminId)
      .executeTakeFirstOrThrow();
    const { seen, off } = listen(ctx.desk);
    try {
      const events = new EventsAfterCommit(parley.events);
      const committed = parley.db.transaction().execute(async (trx) => {
        const run = events.attempt();
        // The Slack channel batches on PostgreSQL only; the events do not depend on it.
        const batch = ctx.desk.kind === 'postgres' ? new WriteBatch(trx, 2) : undefined;
        let before = await loadTicket(trx, id);
        for (const body of ['one', 'two']) {
          const r = await writeTicket(trx, {
            before,
            patch: {},
            comment: { body },
            actor: admin,
            via: via('api'),
            now: nowIso(),
            batch,
            events: run,
          });
          before = r.ticket;
        }
        await batch?.flush();
        assert.equal(seen.length, 0, 'nothing before the commit');
      });
      await events.publishAfter(committed);
      const audits = await parley.db
        .selectFrom('audits')
        .select('id')
        .where('ticket_id', '=', id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        seen.map((e) => e.auditId),
        audits.slice(1).map((a) => a.id),
      );
      assert.deepEqual(
        seen.map((e) => e.comments.length),
        [1, 1],
      );
    } finally {
      off();
    }
  });

  it('publishes one event per message the Slack channel applies, batched or not', async () => {
    const { parley } = ctx.desk;
    const { seen, off } = listen(ctx.desk);
    try {
      const sb = sandboxOf(ctx.desk);
      await sb.sendMessage({ user: ALICE, text: 'first' });
      await settle(ctx.desk);
      // Sent together, so that on PostgreSQL they are applied in one batched transaction.
      await Promise.all(
        ['two', 'three', 'four', 'five'].map((text) => sb.sendMessage({ user: ALICE, text })),
      );
      await settle(ctx.desk);
      const aliceId = (await userIdForSlack(ctx.desk, ALICE))!;
      const [ticket] = await ticketsOf(ctx.desk, aliceId);
      const audits = await parley.db
        .selectFrom('audits')
        .select('id')
        .where('ticket_id', '=', ticket.id)
        .orderBy('id')
        .execute();
      const mine = seen.filter((e) => e.ticketId === ticket.id);
      assert.equal(mine.length, 5);
      assert.deepEqual(
        mine.map((e) => e.auditId).sort((x, y) => x - y),
        audits.map((a) => a.id),
      );
      assert.equal(mine.filter((e) => e.created).length, 1);
      for (const e of mine) {
        assert.equal(e.comments.length, 1);
        assert.equal(e.comments[0]!.authorId, aliceId);
        assert.equal(e.comments[0]!.authorIsAgent, false);
        assert.equal(e.actor.userId, aliceId);
      }
    } finally {
      off();
    }
  });

  it('publishes one event per ticket a user merge moves', async () => {
    const { api, parley } = ctx.desk;
    const source = await ctx.desk.createEndUser('Sam Source');
    const target = await ctx.desk.createEndUser('Tia Target');
    const ids: number[] = [];
    for (const subject of ['Merged one', 'Merged two']) {
      const res = await api('POST', '/api/v2/tickets', {
        ticket: { subject, requester_id: source.id, comment: { body: subject } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.push(res.body.ticket.id);
    }
    const { seen, off } = listen(ctx.desk);
    try {
      const res = await api('PUT', `/api/v2/users/${source.id}/merge`, {
        user: { id: target.id },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        seen.map((e) => e.ticketId),
        ids,
      );
      for (const e of seen) {
        assert.equal(e.created, false);
        assert.deepEqual(e.changes, [
          { field: 'requester_id', previous: source.id, value: target.id },
        ]);
        assert.deepEqual(e.comments, []);
        assert.equal(e.actor.via.channel, 'merge');
        const audit = await parley.db
          .selectFrom('audits')
          .select('ticket_id')
          .where('id', '=', e.auditId)
          .executeTakeFirstOrThrow();
        assert.equal(audit.ticket_id, e.ticketId);
      }
    } finally {
      off();
    }
  });
});
