import assert from 'node:assert/strict';
import { it } from 'node:test';
import { systemUser } from '../../src/desk/system-user.ts';
import { candidatePage } from '../../src/rules/automation-candidates.ts';
import { automationFacts, factNeeds } from '../../src/rules/automation-facts.ts';
import { parseConditions } from '../../src/rules/conditions.ts';
import { matches } from '../../src/rules/evaluate.ts';
import { forEachDatabase } from '../helpers/harness.ts';

// The SQL pre-filter of the automations' run narrows the tickets it reads, but must never
// leave out one that matches: for each set of conditions, what matches among its pages is
// what matches among all the tickets.

const HOUR = 3_600_000;
const NOW = new Date('2030-01-10T00:00:00.000Z');
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString();

type C = [string, string, unknown];
const CASES: C[][] = [
  [['status', 'is', 'solved']],
  [['status', 'is_not', 'open']],
  [['status', 'less_than', 'pending']],
  [['status', 'greater_than', 'open']],
  [['priority', 'is', '']],
  [['priority', 'is_not', 'high']],
  [['priority', 'is_not', '']],
  [['priority', 'less_than', 'high']],
  [['priority', 'greater_than', 'low']],
  [['type', 'is', 'incident']],
  [['type', 'is_not', 'incident']],
  [['group_id', 'is', '']],
  [['assignee_id', 'is_not', '']],
  [['current_tags', 'includes', 'red blue']],
  [['current_tags', 'not_includes', 'red']],
  [['NEW', 'greater_than', 48]],
  [['NEW', 'less_than', 10]],
  [['NEW', 'is', 24]],
  [['SOLVED', 'greater_than', 96]],
  [['PENDING', 'is', 5]],
  [['updated_at', 'greater_than', 3]],
  [['assigned_at', 'less_than', 100]],
  [
    ['status', 'less_than', 'solved'],
    ['priority', 'less_than', 'urgent'],
    ['current_tags', 'not_includes', 'blue'],
    ['NEW', 'greater_than', 2],
  ],
];

const TICKETS = [
  { status: 'new', priority: null, type: null, tags: ['red'], created: 1, updated: 1 },
  { status: 'open', priority: 'low', type: 'incident', tags: ['blue'], created: 24.5, updated: 2 },
  { status: 'open', priority: 'high', type: 'question', tags: [], created: 50, updated: 5 },
  {
    status: 'pending',
    priority: 'normal',
    type: null,
    tags: ['red', 'blue'],
    created: 9,
    updated: 5.5,
  },
  { status: 'pending', priority: 'urgent', type: 'task', tags: [], created: 200, updated: 4 },
  { status: 'hold', priority: null, type: 'incident', tags: ['green'], created: 72, updated: 3 },
  { status: 'solved', priority: 'high', type: null, tags: ['red'], created: 300, updated: 97 },
  { status: 'solved', priority: 'low', type: 'problem', tags: [], created: 100, updated: 96.5 },
  { status: 'closed', priority: 'low', type: null, tags: ['red'], created: 500, updated: 400 },
] as const;

forEachDatabase('automation candidates', (ctx) => {
  it('pre-filters in SQL without leaving out a matching ticket', async () => {
    const { api, parley, adminId } = ctx.desk;
    const db = parley.db;
    const group = await api('POST', '/api/v2/groups', { group: { name: 'Pre-filter' } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    for (const [i, t] of TICKETS.entries()) {
      const res = await api('POST', '/api/v2/tickets', {
        ticket: { subject: `T${i}`, comment: { body: 'x' }, tags: t.tags },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const assigned = i % 2 === 0;
      await db
        .updateTable('tickets')
        .set({
          status: t.status,
          priority: t.priority,
          type: t.type,
          group_id: i % 3 === 0 ? null : group.body.group.id,
          assignee_id: assigned ? adminId : null,
          assigned_at: assigned ? ago(t.updated + 1) : null,
          created_at: ago(t.created),
          updated_at: ago(t.updated),
          status_updated_at: ago(t.updated),
        })
        .where('id', '=', res.body.ticket.id)
        .execute();
    }
    const system = await systemUser(db, NOW.toISOString());
    const all = await db
      .selectFrom('tickets')
      .selectAll()
      .where('status', '!=', 'closed')
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
    let narrowed = 0;
    for (const list of CASES) {
      const conditions = parseConditions(
        { all: list.map(([field, operator, value]) => ({ field, operator, value })) },
        { kind: 'automation' },
      );
      const needs = factNeeds(conditions);
      const matching = async (rows: typeof all) => {
        const out: number[] = [];
        for (const t of rows) {
          if (matches(conditions, await automationFacts(db, t, NOW, system.id, needs))) {
            out.push(t.id);
          }
        }
        return out;
      };
      const paged: typeof all = [];
      for (let afterId = 0; ;) {
        const page = await candidatePage(db, conditions, NOW, afterId, 3);
        paged.push(...page);
        if (page.length < 3) break;
        afterId = page[page.length - 1]!.id;
      }
      assert.ok(paged.every((t) => t.status !== 'closed'));
      if (paged.length < all.length) narrowed++;
      assert.deepEqual(await matching(paged), await matching(all), JSON.stringify(list));
    }
    assert.ok(narrowed >= CASES.length - 2, `the SQL narrows (${narrowed} of ${CASES.length})`);
  });
});
