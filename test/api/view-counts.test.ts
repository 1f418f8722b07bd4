/**
 * Views counted from the kept live tickets per status (migration 0024, src/rules/view-count.ts)
 * on both databases: for every status condition and the agent's scope, the count equals the
 * compiled query's count over the tickets, through creates, status changes, soft deletes,
 * restores, hard deletes and a bulk insert; and a recount repairs counts the triggers missed.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/db/index.ts';
import type { TicketScope } from '../../src/desk/policies/tickets.ts';
import { parseConditions } from '../../src/rules/conditions.ts';
import { countViewTickets, recountTicketStatuses } from '../../src/rules/view-count.ts';
import { viewTickets } from '../../src/rules/view-query.ts';
import { forEachDatabase } from '../helpers/harness.ts';

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const c = (field: string, operator: string, value: unknown) => ({ field, operator, value });

/** Every status condition a view can hold, alone, with a second one and as `any`. */
const CASES = [
  ...STATUSES.flatMap((s) =>
    ['is', 'is_not', 'less_than', 'greater_than'].map((op) => ({
      all: [c('status', op, s)],
      any: [],
    })),
  ),
  { all: [c('status', 'less_than', 'solved'), c('status', 'is_not', 'new')], any: [] },
  { all: [], any: [c('status', 'is', 'pending'), c('status', 'is', 'hold')] },
];

const SCOPES: TicketScope[] = [{ kind: 'all' }, { kind: 'not-messaging' }];

forEachDatabase('view counts', (ctx) => {
  let db: Db;
  let requesterId: number;

  before(async () => {
    db = ctx.desk.parley.db;
    requesterId = (await ctx.desk.createEndUser('Cora Counts')).id;
  });

  /** Each case's kept count beside the compiled query's count, for every scope. */
  const assertCountsAgree = async (when: string) => {
    let nonZero = 0;
    for (const raw of CASES) {
      const conditions = parseConditions(raw, { kind: 'view' });
      for (const scope of SCOPES) {
        const run = { userId: ctx.desk.adminId, now: new Date(), scope };
        const row = await viewTickets(db, conditions, run)
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow();
        const kept = await countViewTickets(db, conditions, run);
        assert.equal(kept, Number(row.n), `${when}: ${JSON.stringify(raw)} ${scope.kind}`);
        if (kept > 0) nonZero++;
      }
    }
    assert.ok(nonZero > 10, `${when}: counts are not all zero (${nonZero})`);
  };

  const create = async (status: string) => {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { requester_id: requesterId, subject: status, comment: { body: status }, status },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.ticket.id as number;
  };

  it('agree with the tickets through every kind of write', async () => {
    const ids: number[] = [];
    for (const s of STATUSES.slice(0, 5)) ids.push(await create(s), await create(s));
    // A tenth of the bench's tickets are Slack's; here a few, moved by a direct update.
    await db
      .updateTable('tickets')
      .set({ from_messaging_channel: 1, via_channel: 'business_messaging_slack_connect' })
      .where('id', 'in', ids.slice(0, 5))
      .execute();
    await assertCountsAgree('created');

    for (const [i, status] of ['open', 'pending', 'solved', 'hold'].entries()) {
      const res = await ctx.desk.api('PUT', `/api/v2/tickets/${ids[i]}`, { ticket: { status } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    await assertCountsAgree('status changes');

    assert.equal((await ctx.desk.api('DELETE', `/api/v2/tickets/${ids[5]}`)).status, 204);
    assert.equal((await ctx.desk.api('DELETE', `/api/v2/tickets/${ids[6]}`)).status, 204);
    await assertCountsAgree('soft deleted');
    // A soft-deleted ticket changing status counts nowhere; restored, it counts again.
    await db.updateTable('tickets').set({ status: 'open' }).where('id', '=', ids[5]!).execute();
    await db.updateTable('tickets').set({ deleted_at: null }).where('id', '=', ids[6]!).execute();
    await assertCountsAgree('restored');

    await db.deleteFrom('ticket_tags').where('ticket_id', '=', ids[7]!).execute();
    await db.deleteFrom('tickets').where('id', '=', ids[7]!).execute();
    await sql`insert into tickets (subject, status, requester_id, submitter_id, brand_id,
        via_channel, from_messaging_channel, created_at, updated_at, status_updated_at, version)
      select subject, status, requester_id, submitter_id, brand_id, via_channel,
        from_messaging_channel, created_at, updated_at, status_updated_at, 1
      from tickets where id in (${sql.join(ids.slice(0, 4))})`.execute(db);
    await assertCountsAgree('hard delete and bulk insert');
  });

  it('a recount repairs counts written past the triggers', async () => {
    await create('pending');
    await db.updateTable('ticket_status_counts').set({ live: 999 }).execute();
    const raw = { all: [c('status', 'is', 'pending')], any: [] };
    const run = { userId: ctx.desk.adminId, now: new Date(), scope: { kind: 'all' } as const };
    const conditions = parseConditions(raw, { kind: 'view' });
    assert.ok((await countViewTickets(db, conditions, run)) >= 999);
    await recountTicketStatuses(db);
    await assertCountsAgree('recounted');
  });
});
