/**
 * The view compiler (src/rules/view-query.ts) on a real SQLite database: each operator of
 * each view field selects exactly the tickets it should, `""` is none, `current_user` the
 * agent running the view, the time fields count whole hours from a fixed clock, and the
 * agent's ticket scope is ANDed in. The default views' counts use an index, never a scan.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Db, migrateToLatest, openDatabase } from '../../src/db/index.ts';
import type { TicketScope } from '../../src/desk/policies/tickets.ts';
import { parseConditions } from '../../src/rules/conditions.ts';
import { viewTickets } from '../../src/rules/view-query.ts';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const T0 = '2030-01-01T00:00:00.000Z';

let db: Db;
const ids: Record<string, number> = {};

interface TicketSpec {
  key: string;
  status?: string;
  priority?: string | null;
  type?: string | null;
  assignee?: number | null;
  group?: number | null;
  org?: number | null;
  via?: string;
  messaging?: boolean;
  tags?: string[];
  created?: string;
  statusSince?: string;
  due?: string | null;
  deleted?: boolean;
}

async function ticket(s: TicketSpec): Promise<void> {
  const row = await db
    .insertInto('tickets')
    .values({
      subject: s.key,
      status: (s.status ?? 'open') as 'open',
      priority: (s.priority ?? null) as 'low' | null,
      type: (s.type ?? null) as 'task' | null,
      requester_id: ids.requester!,
      submitter_id: ids.requester!,
      assignee_id: s.assignee ?? null,
      group_id: s.group ?? null,
      organization_id: s.org ?? null,
      brand_id: ids.brand!,
      via_channel: s.via ?? 'api',
      from_messaging_channel: s.messaging ? 1 : 0,
      created_at: s.created ?? T0,
      updated_at: s.created ?? T0,
      status_updated_at: s.statusSince ?? T0,
      due_at: s.due ?? null,
      deleted_at: s.deleted ? T0 : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids[s.key] = row.id;
  for (const tag of s.tags ?? []) {
    await db.insertInto('ticket_tags').values({ ticket_id: row.id, tag }).execute();
  }
}

async function keysOf(
  all: unknown[],
  any: unknown[] = [],
  scope: TicketScope = { kind: 'all' },
): Promise<string[]> {
  const conditions = parseConditions({ all, any }, { kind: 'view' });
  const rows = await viewTickets(db, conditions, { userId: ids.agent!, now: NOW, scope })
    .select('tickets.subject')
    .orderBy('tickets.id')
    .execute();
  return rows.map((r) => String(r.subject));
}

const c = (field: string, operator: string, value?: unknown) => ({ field, operator, value });

before(async () => {
  db = openDatabase({ kind: 'sqlite', file: ':memory:' });
  await migrateToLatest(db);
  // Slack conversations point at connections and apps this test does not need.
  await sql`pragma foreign_keys = off`.execute(db);
  const now = T0;
  const brand = await db
    .insertInto('brands')
    .values({ name: 'B', subdomain: 'b-views', created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.brand = brand.id;
  const user = async (name: string, role: string, email: string, tags = '[]') =>
    (
      await db
        .insertInto('users')
        .values({ name, role: role as 'agent', email, tags, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  ids.agent = await user('Agent', 'agent', 'agent@desk.test');
  ids.other = await user('Other', 'agent', 'other@desk.test');
  ids.requester = await user('Req', 'end-user', 'req@example.com', '["vip"]');
  const group = await db
    .insertInto('groups')
    .values({ name: 'G', created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.group = group.id;
  await ticket({ key: 'new-mine', status: 'new', assignee: ids.agent, priority: 'low' });
  await ticket({ key: 'open-other', assignee: ids.other, group: ids.group, priority: 'high' });
  await ticket({ key: 'pending-none', status: 'pending', type: 'task', tags: ['billing'] });
  await ticket({
    key: 'solved-recent',
    status: 'solved',
    statusSince: hoursAgo(5.5),
    created: hoursAgo(30),
    priority: 'urgent',
  });
  await ticket({ key: 'closed', status: 'closed', tags: ['billing', 'vip'] });
  await ticket({
    key: 'slack',
    via: 'business_messaging_slack_connect',
    messaging: true,
    due: new Date(NOW.getTime() + 10.5 * 3_600_000).toISOString(),
  });
  await ticket({ key: 'deleted', deleted: true });
  const conv = await db
    .insertInto('slack_conversations')
    .values({
      connection_id: 7,
      channel_id: 'D1',
      slack_user_id: 'U1',
      user_id: ids.requester,
      current_ticket_id: ids.slack!,
      created_at: now,
      updated_at: now,
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('slack_conversation_tickets')
    .values({ ticket_id: ids.slack!, conversation_id: conv.id })
    .execute();
});

after(async () => db.destroy());

const ALL_LIVE = ['new-mine', 'open-other', 'pending-none', 'solved-recent', 'closed', 'slack'];

describe('view compiler', () => {
  it('status: is, is_not, less_than, greater_than as IN lists; deleted tickets never', async () => {
    assert.deepEqual(await keysOf([c('status', 'is', 'pending')]), ['pending-none']);
    assert.deepEqual(await keysOf([c('status', 'less_than', 'solved')]), [
      'new-mine',
      'open-other',
      'pending-none',
      'slack',
    ]);
    assert.deepEqual(await keysOf([c('status', 'greater_than', 'pending')]), [
      'solved-recent',
      'closed',
    ]);
    assert.deepEqual(await keysOf([c('status', 'is_not', 'open')]), [
      'new-mine',
      'pending-none',
      'solved-recent',
      'closed',
    ]);
  });

  it('priority: no priority is lower than low; "" is none', async () => {
    assert.deepEqual(await keysOf([c('priority', 'greater_than', 'normal')]), [
      'open-other',
      'solved-recent',
    ]);
    assert.deepEqual(await keysOf([c('priority', 'less_than', 'normal')]), [
      'new-mine',
      'pending-none',
      'closed',
      'slack',
    ]);
    assert.deepEqual(await keysOf([c('priority', 'is', '')]), ['pending-none', 'closed', 'slack']);
    assert.deepEqual(await keysOf([c('priority', 'is_not', 'high')]), [
      'new-mine',
      'pending-none',
      'solved-recent',
      'closed',
      'slack',
    ]);
    assert.deepEqual(await keysOf([c('type', 'is', 'task')]), ['pending-none']);
  });

  it('ids: current_user is the agent running the view, "" is none, is_not keeps the empty', async () => {
    assert.deepEqual(await keysOf([c('assignee_id', 'is', 'current_user')]), ['new-mine']);
    assert.deepEqual(await keysOf([c('assignee_id', 'is', '')]), [
      'pending-none',
      'solved-recent',
      'closed',
      'slack',
    ]);
    assert.deepEqual(await keysOf([c('assignee_id', 'is_not', '')]), ['new-mine', 'open-other']);
    assert.deepEqual(await keysOf([c('assignee_id', 'is_not', String(ids.other))]), [
      'new-mine',
      'pending-none',
      'solved-recent',
      'closed',
      'slack',
    ]);
    assert.deepEqual(await keysOf([c('group_id', 'is', String(ids.group))]), ['open-other']);
    assert.deepEqual(await keysOf([c('requester_id', 'is', String(ids.requester))]), ALL_LIVE);
  });

  it('any: one of them; all and any together', async () => {
    assert.deepEqual(
      await keysOf(
        [c('status', 'less_than', 'closed')],
        [c('priority', 'is', 'urgent'), c('status', 'is', 'new')],
      ),
      ['new-mine', 'solved-recent'],
    );
  });

  it('current_tags includes / not_includes through ticket_tags', async () => {
    assert.deepEqual(await keysOf([c('current_tags', 'includes', 'billing other')]), [
      'pending-none',
      'closed',
    ]);
    assert.deepEqual(await keysOf([c('current_tags', 'not_includes', 'vip')]), [
      'new-mine',
      'open-other',
      'pending-none',
      'solved-recent',
      'slack',
    ]);
  });

  it('via_id, the Slack connection and the requester', async () => {
    assert.deepEqual(await keysOf([c('via_id', 'is', 91)]), ['slack']);
    assert.deepEqual((await keysOf([c('via_id', 'is_not', 91)])).length, 5);
    assert.deepEqual(await keysOf([c('via_id', 'includes', [4, 91])]), ['slack']);
    assert.deepEqual(await keysOf([c('via_id', 'is', 4)]), []);
    assert.deepEqual(await keysOf([c('slack_connection_id', 'is', '7')]), ['slack']);
    assert.deepEqual(await keysOf([c('slack_connection_id', 'is', '8')]), []);
    assert.deepEqual((await keysOf([c('slack_connection_id', 'is', '')])).length, 5);
    assert.deepEqual(await keysOf([c('slack_connection_id', 'is_not', '')]), ['slack']);
    assert.deepEqual(await keysOf([c('requester.email_domain', 'is', 'EXAMPLE.com')]), ALL_LIVE);
    assert.deepEqual(await keysOf([c('requester.email_domain', 'is_not', 'example.com')]), []);
    assert.deepEqual(await keysOf([c('requester.tags', 'includes', 'vip')]), ALL_LIVE);
    assert.deepEqual(await keysOf([c('requester.tags', 'not_includes', 'vip')]), []);
  });

  it('time fields count whole hours from the clock', async () => {
    // solved-recent: solved 5.5 hours ago, created 30 hours ago.
    assert.deepEqual(await keysOf([c('SOLVED', 'less_than', '6')]), ['solved-recent']);
    assert.deepEqual(await keysOf([c('SOLVED', 'less_than', '5')]), []);
    assert.deepEqual(await keysOf([c('SOLVED', 'is', '5')]), ['solved-recent']);
    assert.deepEqual(await keysOf([c('SOLVED', 'greater_than', '4')]), ['solved-recent']);
    assert.deepEqual(await keysOf([c('SOLVED', 'greater_than', '5')]), []);
    assert.deepEqual(await keysOf([c('OPEN', 'less_than', '6')]), []);
    assert.deepEqual(await keysOf([c('NEW', 'is', '30'), c('status', 'is', 'solved')]), [
      'solved-recent',
    ]);
    // slack: due in 10.5 hours.
    assert.deepEqual(await keysOf([c('until_due_date', 'is', '10')]), ['slack']);
    assert.deepEqual(await keysOf([c('until_due_date', 'less_than', '11')]), ['slack']);
    assert.deepEqual(await keysOf([c('until_due_date', 'greater_than', '10')]), []);
    assert.deepEqual(await keysOf([c('due_date', 'greater_than', '0')]), []);
  });

  it("ANDs the agent's ticket scope: without chat access no Slack ticket", async () => {
    const all = [c('status', 'less_than', 'solved')];
    assert.ok((await keysOf(all)).includes('slack'));
    assert.deepEqual(await keysOf(all, [], { kind: 'not-messaging' }), [
      'new-mine',
      'open-other',
      'pending-none',
    ]);
  });

  it('counts of the default views read a covering index, never the table', async () => {
    const views = await db.selectFrom('views').selectAll().where('is_default', '=', 1).execute();
    assert.equal(views.length, 7);
    const scopes: TicketScope[] = [{ kind: 'all' }, { kind: 'not-messaging' }];
    for (const [view, scope] of views.flatMap((v) => scopes.map((s) => [v, s] as const))) {
      const conditions = parseConditions(JSON.parse(view.conditions), { kind: 'view' });
      const q = viewTickets(db, conditions, { userId: ids.agent!, now: NOW, scope }).select((eb) =>
        eb.fn.countAll().as('n'),
      );
      const compiled = q.compile();
      const explained = await sql<{ detail: string }>`explain query plan ${sql.raw(
        inline(compiled.sql, compiled.parameters),
      )}`.execute(db);
      const details = explained.rows.map((r) => r.detail).join(' | ');
      if (process.env.SHOW_PLANS) console.log(view.title, '=>', details);
      assert.match(details, /USING COVERING INDEX tickets_view_/, `${view.title}: ${details}`);
      assert.doesNotMatch(details, /SCAN tickets(?! USING)/, `${view.title}: ${details}`);
    }
  });
});

/** The query with its parameters written in, for EXPLAIN. */
function inline(text: string, params: readonly unknown[]): string {
  let i = 0;
  return text.replace(/\?/g, () => {
    const p = params[i++];
    return typeof p === 'number' ? String(p) : `'${String(p).replace(/'/g, "''")}'`;
  });
}
