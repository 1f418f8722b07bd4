/**
 * A view's pages (src/rules/view-run.ts) on both databases, against an oracle computed here
 * from the tickets themselves: the id-order probe (the newest or oldest tickets looked through
 * first) answers dense views' pages exactly as the plain query would, falls back for sparse
 * views, deep pages and other orders, skips soft-deleted tickets and keeps the agent's scope.
 * The probe size is made small so that its bound falls inside this test's few tickets.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { User } from '../../src/db/types.ts';
import { API_VIA } from '../../src/desk/via.ts';
import { parseConditions } from '../../src/rules/conditions.ts';
import { type ViewOrder, viewPageIds } from '../../src/rules/view-run.ts';
import { forEachDatabase } from '../helpers/harness.ts';

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
const UNSOLVED = new Set(['new', 'open', 'pending', 'hold']);

interface Spec {
  id: number;
  status: string;
  assignee: number | null;
  messaging: boolean;
  deleted: boolean;
}

const byId = (dir: 'asc' | 'desc'): ViewOrder => ({
  sortBy: dir === 'desc' ? null : 'nice_id',
  sortOrder: dir,
  groupBy: null,
  groupOrder: 'asc',
});

forEachDatabase('view pages', (ctx) => {
  let admin: User;
  let noChat: User;
  const tickets: Spec[] = [];

  before(async () => {
    const { desk } = ctx;
    const db = desk.parley.db;
    admin = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', desk.adminId)
      .executeTakeFirstOrThrow();
    const role = await desk.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'No chat pages', configuration: { chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const nora = await desk.createAgent('Nora Pages');
    noChat = await db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', nora.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const requester = await desk.createEndUser('Rita Pages');
    const brand = await db.selectFrom('brands').select('id').executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    // 60 tickets: two in three unsolved; every third of the oldest 30 mine; one in four from Slack; one in
    // seven soft-deleted. Mine are all among the oldest, so the newest ones hold none.
    for (let i = 0; i < 60; i++) {
      const spec = {
        status: STATUSES[i % 6]!,
        assignee: i < 30 && i % 3 === 0 ? admin.id : null,
        messaging: i % 4 === 0,
        deleted: i % 7 === 3,
      };
      const row = await db
        .insertInto('tickets')
        .values({
          subject: `page ${i}`,
          status: spec.status as 'open',
          requester_id: requester.id,
          submitter_id: requester.id,
          assignee_id: spec.assignee,
          brand_id: brand.id,
          via_channel: spec.messaging ? 'business_messaging_slack_connect' : 'api',
          from_messaging_channel: spec.messaging ? 1 : 0,
          created_at: now,
          updated_at: now,
          status_updated_at: now,
          deleted_at: spec.deleted ? now : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      tickets.push({ id: row.id, ...spec });
    }
  });

  const dense = { all: [{ field: 'status', operator: 'less_than', value: 'solved' }], any: [] };
  const sparse = {
    all: [
      { field: 'status', operator: 'less_than', value: 'solved' },
      { field: 'assignee_id', operator: 'is', value: 'current_user' },
    ],
    any: [],
  };

  /** What the view holds for `user`, in id order, computed without SQL. */
  const oracle = (user: User, mine: boolean, dir: 'asc' | 'desc') => {
    const ids = tickets
      .filter((t) => !t.deleted && UNSOLVED.has(t.status))
      .filter((t) => !mine || t.assignee === user.id)
      .filter((t) => user.id !== noChat.id || !t.messaging)
      .map((t) => t.id)
      .sort((a, b) => a - b);
    return dir === 'asc' ? ids : ids.reverse();
  };

  const page = async (
    user: User,
    raw: typeof dense,
    order: ViewOrder,
    n: number,
    perPage: number,
    probeTickets: number,
  ) =>
    viewPageIds(
      ctx.desk.parley.db,
      { user, via: API_VIA },
      parseConditions(raw, { kind: 'view' }),
      order,
      { page: n, perPage },
      new Date(),
      probeTickets,
    );

  it('every page of a dense view in either id order is the oracle page, probe or not', async () => {
    let probed = 0;
    let planned = 0;
    for (const user of [admin, noChat]) {
      for (const dir of ['desc', 'asc'] as const) {
        const all = oracle(user, false, dir);
        for (const probeTickets of [4, 12, 2000]) {
          for (let n = 1; (n - 1) * 5 < all.length + 5; n++) {
            const got = await page(user, dense, byId(dir), n, 5, probeTickets);
            const label = `${user.name} ${dir} probe ${probeTickets} page ${n}`;
            assert.deepEqual(got.ids, all.slice((n - 1) * 5, n * 5), label);
            assert.equal(got.count, all.length, label);
            if (got.probed) probed++;
            else planned++;
          }
        }
      }
    }
    // Both paths ran: the probe for the first pages, the plain query past its bound.
    assert.ok(probed > 10, `probed ${probed}`);
    assert.ok(planned > 10, `planned ${planned}`);
  });

  it('a sparse view falls back to its own index and is still right', async () => {
    const all = oracle(admin, true, 'desc');
    assert.ok(all.length >= 2, JSON.stringify(all));
    const first = await page(admin, sparse, byId('desc'), 1, 2, 12);
    assert.equal(first.probed, false);
    assert.deepEqual(first.ids, all.slice(0, 2));
    const whole = await page(admin, sparse, byId('desc'), 1, 30, 2000);
    assert.equal(whole.probed, false, 'fewer matches than a page: the plain query answers');
    assert.deepEqual(whole.ids, all);
  });

  it('other orders never probe', async () => {
    const order: ViewOrder = {
      sortBy: 'status',
      sortOrder: 'asc',
      groupBy: null,
      groupOrder: 'asc',
    };
    const got = await page(admin, dense, order, 1, 5, 2000);
    assert.equal(got.probed, false);
    const rank = (id: number) =>
      STATUSES.indexOf(tickets.find((t) => t.id === id)!.status as 'new');
    const ranks = got.ids.map(rank);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    const grouped = await page(admin, dense, { ...byId('desc'), groupBy: 'status' }, 1, 5, 2000);
    assert.equal(grouped.probed, false);
  });
});
