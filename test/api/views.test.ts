import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import zendesk from 'node-zendesk';
import { DeskEvents } from '../../src/desk/events.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/** Zendesk's own example (reference §6) without its custom field, which Parley has not. */
const kellys = (userId: number, groupId: number) => ({
  title: "Kelly's tickets",
  active: true,
  restriction: { type: 'User', id: String(userId) },
  all: [
    { field: 'status', operator: 'less_than', value: 'solved' },
    { field: 'group_id', operator: 'is', value: String(groupId) },
  ],
  output: {
    columns: ['status', 'requester', 'assignee'],
    group_by: 'assignee',
    group_order: 'desc',
    sort_by: 'status',
    sort_order: 'desc',
  },
});

const DEFAULT_TITLES = [
  'Your unsolved tickets',
  'Unassigned tickets',
  'All unsolved tickets',
  'Recently updated tickets',
  'Recently solved tickets',
  'Pending tickets',
  'Slack conversations',
];

forEachDatabase('views API', (ctx) => {
  let desk: TestDesk;
  let agent: { id: number; auth: string };
  let other: { id: number; auth: string };
  let noChat: { id: number; auth: string };
  let endUser: { id: number; auth: string };
  let groupId: number;
  let otherGroupId: number;
  const ticketIds: Record<string, number> = {};

  const newTicket = async (key: string, fields: Record<string, unknown>) => {
    const res = await desk.api('POST', '/api/v2/tickets', {
      ticket: { requester_id: endUser.id, comment: { body: key }, subject: key, ...fields },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ticketIds[key] = res.body.ticket.id;
  };

  before(async () => {
    desk = ctx.desk;
    const { api } = desk;
    agent = await desk.createAgent('Vera Views');
    other = await desk.createAgent('Otto Other');
    noChat = await desk.createAgent('Nora Nochat');
    endUser = await desk.createEndUser('Erin Views');
    const role = await api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'No chat views', configuration: { chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    await desk.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', noChat.id)
      .execute();
    groupId = (await api('POST', '/api/v2/groups', { group: { name: 'Views G' } })).body.group.id;
    otherGroupId = (await api('POST', '/api/v2/groups', { group: { name: 'Views H' } })).body.group
      .id;
    await api('POST', '/api/v2/group_memberships', {
      group_membership: { user_id: agent.id, group_id: groupId },
    });
    await newTicket('mine-open', { assignee_id: agent.id, group_id: groupId, status: 'open' });
    await newTicket('unassigned-new', {});
    await newTicket('pending', { status: 'pending', priority: 'high' });
    await newTicket('solved', { status: 'solved', assignee_id: agent.id, group_id: groupId });
    const admin = await desk.parley.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', desk.adminId)
      .executeTakeFirstOrThrow();
    const slack = await createTicket(
      desk.parley.db,
      { user: admin, via: via('business_messaging_slack_connect') },
      {
        requester_id: endUser.id,
        from_messaging_channel: true,
        comment: { body: 'Hi from Slack', public: true },
      },
      nowIso(),
      { events: new DeskEvents() },
    );
    ticketIds.slack = slack.ticket.id;
  });

  const defaultView = async (title: string, auth?: string) => {
    const list = await desk.api('GET', '/api/v2/views', undefined, auth ? { auth } : {});
    const view = list.body.views.find((v: any) => v.title === title);
    assert.ok(view, `${title} in ${JSON.stringify(list.body)}`);
    return view;
  };
  const count = async (viewId: number, auth?: string) => {
    const res = await desk.api(
      'GET',
      `/api/v2/views/${viewId}/count`,
      undefined,
      auth ? { auth } : {},
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.view_count.value as number;
  };

  it('has the default views, shared and counting their tickets', async () => {
    const list = await desk.api('GET', '/api/v2/views');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const defaults = list.body.views.filter((v: any) => v.default);
    assert.deepEqual(
      defaults.map((v: any) => v.title),
      DEFAULT_TITLES,
    );
    assert.ok(defaults.every((v: any) => v.restriction === null && v.active));
    const viewCount = await desk.api('GET', '/api/v2/views/count.json');
    assert.equal(viewCount.status, 200, JSON.stringify(viewCount.body));
    assert.equal(viewCount.body.count.value, list.body.views.length);
    const counts: Record<string, number> = {};
    for (const title of DEFAULT_TITLES) {
      counts[title] = await count((await defaultView(title)).id, agent.auth);
    }
    assert.deepEqual(counts, {
      'Your unsolved tickets': 1,
      'Unassigned tickets': 3,
      'All unsolved tickets': 4,
      'Recently updated tickets': 5,
      'Recently solved tickets': 1,
      'Pending tickets': 1,
      'Slack conversations': 1,
    });
    // `current_user` is whoever runs the view.
    assert.equal(await count((await defaultView('Your unsolved tickets')).id, other.auth), 0);
    const one = await desk.api(
      'GET',
      `/api/v2/views/${(await defaultView('Pending tickets')).id}/count.json`,
    );
    assert.deepEqual(Object.keys(one.body.view_count).sort(), [
      'active',
      'fresh',
      'pretty',
      'url',
      'value',
      'view_id',
    ]);
    assert.equal(one.body.view_count.pretty, '1');
    assert.equal(one.body.view_count.fresh, true);
  });

  it("default views' titles are {{zd.…}} placeholders, shown in the reader's language", async () => {
    const mine = (await desk.api('GET', '/api/v2/views')).body.views.find(
      (v: any) => v.title === 'All unsolved tickets',
    );
    assert.equal(mine.raw_title, '{{zd.all_unsolved_tickets}}');
    const italian = await desk.createAgent('Ilaria Italiana');
    const set = await desk.api('PUT', `/api/v2/users/${italian.id}`, { user: { locale: 'it' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const seen = await desk.api('GET', `/api/v2/views/${mine.id}`, undefined, {
      auth: italian.auth,
    });
    assert.equal(seen.body.view.title, 'Tutti i ticket non risolti');
    assert.equal(seen.body.view.raw_title, '{{zd.all_unsolved_tickets}}');
    const compact = await desk.api('GET', '/api/v2/views/compact', undefined, {
      auth: italian.auth,
    });
    assert.ok(compact.body.views.some((v: any) => v.title === 'Conversazioni Slack'));
    // Searching finds a placeholder title by its words in either language.
    for (const query of ['all unsolved', 'non risolti']) {
      const found = await desk.api(
        'GET',
        `/api/v2/views/search?query=${encodeURIComponent(query)}`,
      );
      assert.ok(
        found.body.views.some((v: any) => v.id === mine.id),
        `${query}: ${JSON.stringify(found.body)}`,
      );
    }
  });

  it('an agent whose role withholds chat access never counts or sees a Slack ticket', async () => {
    const slackView = await defaultView('Slack conversations', noChat.auth);
    assert.equal(await count(slackView.id, noChat.auth), 0);
    const all = await defaultView('All unsolved tickets', noChat.auth);
    assert.equal(await count(all.id, noChat.auth), 3);
    const rows = await desk.api('GET', `/api/v2/views/${all.id}/execute`, undefined, {
      auth: noChat.auth,
    });
    assert.ok(!rows.body.rows.some((r: any) => r.ticket.id === ticketIds.slack));
    const tickets = await desk.api('GET', `/api/v2/views/${all.id}/tickets`, undefined, {
      auth: noChat.auth,
    });
    assert.equal(tickets.body.tickets.length, 3);
    assert.ok(!tickets.body.tickets.some((t: any) => t.id === ticketIds.slack));
    // The admin sees it.
    const adminTickets = await desk.api('GET', `/api/v2/views/${slackView.id}/tickets`);
    assert.deepEqual(
      adminTickets.body.tickets.map((t: any) => t.id),
      [ticketIds.slack],
    );
  });

  it("creates Zendesk's example, shows its execution, and a GET payload POSTs unchanged", async () => {
    const { api } = desk;
    const created = await api('POST', '/api/v2/views', { view: kellys(agent.id, groupId) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const v = created.body.view;
    assert.deepEqual(v.restriction, { type: 'User', id: agent.id });
    assert.deepEqual(v.conditions, { all: kellys(agent.id, groupId).all, any: [] });
    assert.equal(v.execution.group_by, 'assignee');
    assert.equal(v.execution.sort_by, 'status');
    assert.deepEqual(v.execution.columns, [
      { id: 'status', title: 'Status' },
      { id: 'requester', title: 'Requester' },
      { id: 'assignee', title: 'Assignee' },
    ]);
    assert.equal(created.headers.get('location'), v.url);
    const again = await api('POST', '/api/v2/views', { view: v });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.deepEqual(again.body.view.execution, v.execution);
    assert.deepEqual(again.body.view.conditions, v.conditions);
    assert.deepEqual(again.body.view.restriction, v.restriction);

    // With Zendesk's custom field, the field is named in a 422.
    const example = kellys(agent.id, groupId);
    example.all.push({ field: 'custom_fields_360011872073', operator: 'is', value: 'Canada' });
    const refused = await api('POST', '/api/v2/views', { view: example });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.ok(refused.body.details['all[2].field'], JSON.stringify(refused.body));
  });

  it('refuses bad columns, unknown fields and views without a status/group/… condition', async () => {
    const { api } = desk;
    const base = { title: 'Bad', all: [{ field: 'status', operator: 'is', value: 'open' }] };
    const badColumn = await api('POST', '/api/v2/views', {
      view: { ...base, output: { columns: ['status', 'shoe_size'] } },
    });
    assert.equal(badColumn.status, 422);
    assert.ok(badColumn.body.details['output.columns[1]'], JSON.stringify(badColumn.body));
    const tooMany = await api('POST', '/api/v2/views', {
      view: { ...base, output: { columns: Array(11).fill('status') } },
    });
    assert.equal(tooMany.status, 422);
    assert.ok(tooMany.body.details['output.columns']);
    const badSort = await api('POST', '/api/v2/views', {
      view: { ...base, output: { sort_by: 'description' } },
    });
    assert.equal(badSort.status, 422);
    assert.ok(badSort.body.details['output.sort_by']);
    const unknown = await api('POST', '/api/v2/views', {
      view: { ...base, all: [...base.all, { field: 'mood', operator: 'is', value: 'x' }] },
    });
    assert.equal(unknown.status, 422);
    assert.ok(unknown.body.details['all[1].field']);
    const triggerOnly = await api('POST', '/api/v2/views', {
      view: { ...base, all: [{ field: 'status', operator: 'changed' }] },
    });
    assert.equal(triggerOnly.status, 422);
    assert.ok(triggerOnly.body.details['all[0].operator']);
    const unanchored = await api('POST', '/api/v2/views', {
      view: { title: 'No anchor', all: [{ field: 'priority', operator: 'is', value: 'high' }] },
    });
    assert.equal(unanchored.status, 422);
    assert.ok(unanchored.body.details.all);
    const badRun = await api(
      'GET',
      `/api/v2/views/${(await defaultView('Pending tickets')).id}/execute?sort_by=nope`,
    );
    assert.equal(badRun.status, 400);
  });

  it('lists, shows, searches, updates and deletes, one and many', async () => {
    const { api } = desk;
    const make = async (title: string) => {
      const res = await api('POST', '/api/v2/views', {
        view: { title, conditions: { all: [{ field: 'status', operator: 'is', value: 'open' }] } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.view.id as number;
    };
    const a = await make('Alpha open');
    const b = await make('Beta open');
    const shown = await api('GET', `/api/v2/views/${a}`);
    assert.equal(shown.body.view.title, 'Alpha open');
    const found = await api('GET', '/api/v2/views/search?query=ALPHA');
    assert.deepEqual(
      found.body.views.map((v: any) => v.id),
      [a],
    );
    const many = await api('GET', `/api/v2/views/show_many?ids=${b},${a}`);
    assert.deepEqual(
      many.body.views.map((v: any) => v.id),
      [b, a],
    );
    const updated = await api('PUT', `/api/v2/views/${a}`, {
      view: { title: 'Alpha', active: false, output: { columns: ['nice_id', 'description'] } },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.view.active, false);
    assert.deepEqual(
      updated.body.view.execution.columns.map((c: any) => c.id),
      ['nice_id', 'description'],
    );
    const active = await api('GET', '/api/v2/views/active');
    assert.ok(!active.body.views.some((v: any) => v.id === a));
    const compact = await api('GET', '/api/v2/views/compact');
    assert.ok(compact.body.views.some((v: any) => v.id === b));
    const bulk = await api('PUT', '/api/v2/views/update_many', {
      views: [
        { id: a, position: 100 },
        { id: b, position: 99 },
      ],
    });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    const byPosition = await api('GET', '/api/v2/views?sort_by=position');
    const order = byPosition.body.views.map((v: any) => v.id);
    assert.ok(order.indexOf(b) < order.indexOf(a));
    const gone = await api('DELETE', `/api/v2/views/${a}`);
    assert.equal(gone.status, 204);
    assert.equal((await api('GET', `/api/v2/views/${a}`)).status, 404);
    const c = await make('Gamma');
    const destroyed = await api('DELETE', `/api/v2/views/destroy_many?ids=${b},${c}`);
    assert.equal(destroyed.status, 204);
    assert.equal((await api('GET', `/api/v2/views/${b}`)).status, 404);
    assert.equal((await api('GET', `/api/v2/views/${c}`)).status, 404);
  });

  it('executes with columns, rows, sort and groups; tickets, count_many and preview', async () => {
    const { api } = desk;
    const created = await api('POST', '/api/v2/views', {
      view: {
        title: 'Everything not closed',
        all: [{ field: 'status', operator: 'less_than', value: 'closed' }],
        output: {
          columns: ['nice_id', 'status', 'assignee', 'created'],
          group_by: 'status',
          group_order: 'asc',
          sort_by: 'nice_id',
          sort_order: 'asc',
        },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.view.id;
    const run = await api('GET', `/api/v2/views/${id}/execute?per_page=2`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.deepEqual(run.body.view.id, id);
    assert.deepEqual(
      run.body.columns.map((c: any) => c.id),
      ['nice_id', 'status', 'assignee', 'created'],
    );
    assert.equal(run.body.count, 5);
    assert.equal(run.body.rows.length, 2);
    // Grouped by status (new < open < pending < solved), then by id.
    assert.deepEqual(
      run.body.rows.map((r: any) => r.status),
      ['new', 'new'],
    );
    const first = run.body.rows[0];
    assert.equal(first.id, first.ticket.id);
    assert.ok('assignee_id' in first && 'created' in first);
    assert.deepEqual(
      run.body.groups.map((g: any) => [g.id, g.count]),
      [
        ['new', 2],
        ['open', 1],
        ['pending', 1],
        ['solved', 1],
      ],
    );
    assert.match(run.body.next_page, /page=2/);
    const sorted = await api('GET', `/api/v2/views/${id}/execute?sort_by=nice_id&sort_order=desc`);
    // The group (status) still comes first; within it, the requested order.
    const newIds = sorted.body.rows.filter((r: any) => r.status === 'new').map((r: any) => r.id);
    assert.equal(newIds.length, 2);
    assert.ok(newIds[0] > newIds[1], JSON.stringify(newIds));
    assert.equal(sorted.body.rows[0].status, 'new');
    const tickets = await api('GET', `/api/v2/views/${id}/tickets?per_page=3`);
    assert.equal(tickets.status, 200);
    assert.equal(tickets.body.tickets.length, 3);
    assert.equal(tickets.body.count, 5);
    assert.ok(tickets.body.tickets[0].subject !== undefined && tickets.body.tickets[0].via);

    const pending = (await defaultView('Pending tickets')).id;
    const counts = await api('GET', `/api/v2/views/count_many?ids=${id},${pending}`);
    assert.deepEqual(
      counts.body.view_counts.map((c: any) => [c.view_id, c.value]),
      [
        [id, 5],
        [pending, 1],
      ],
    );

    const preview = await api('POST', '/api/v2/views/preview', {
      view: {
        all: [
          { field: 'priority', operator: 'is', value: 'high' },
          { field: 'status', operator: 'less_than', value: 'solved' },
        ],
        output: { columns: ['description', 'priority'] },
      },
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(
      preview.body.rows.map((r: any) => [r.subject, r.priority]),
      [['pending', 'high']],
    );
    const previewCount = await api('POST', '/api/v2/views/preview/count', {
      view: { all: [{ field: 'status', operator: 'is', value: 'new' }] },
    });
    assert.equal(previewCount.body.view_count.value, 2);
  });

  it('personal, group and shared views: who reads and who manages them', async () => {
    const { api } = desk;
    const as = (auth: string) => ({ auth });
    const status = [{ field: 'status', operator: 'is', value: 'open' }];
    // Any agent makes their own personal view; not a shared or group one.
    const personal = await api(
      'POST',
      '/api/v2/views',
      { view: { title: 'Mine only', all: status, restriction: { type: 'User', id: agent.id } } },
      as(agent.auth),
    );
    assert.equal(personal.status, 201, JSON.stringify(personal.body));
    const shared = await api(
      'POST',
      '/api/v2/views',
      { view: { title: 'S', all: status } },
      as(agent.auth),
    );
    assert.equal(shared.status, 403);
    const forOther = await api(
      'POST',
      '/api/v2/views',
      { view: { title: 'X', all: status, restriction: { type: 'User', id: other.id } } },
      as(agent.auth),
    );
    assert.equal(forOther.status, 403);
    const group = await api('POST', '/api/v2/views', {
      view: {
        title: 'Group G',
        all: status,
        restriction: { type: 'Group', id: groupId, ids: [groupId] },
      },
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    assert.deepEqual(group.body.view.restriction, { type: 'Group', id: groupId, ids: [groupId] });
    const groupH = await api('POST', '/api/v2/views', {
      view: { title: 'Group H', all: status, restriction: { type: 'Group', ids: [otherGroupId] } },
    });
    assert.equal(groupH.status, 201, JSON.stringify(groupH.body));

    const listOf = async (auth: string) =>
      (await api('GET', '/api/v2/views?per_page=100', undefined, as(auth))).body.views.map(
        (v: any) => v.id,
      );
    const agentSees = await listOf(agent.auth);
    const otherSees = await listOf(other.auth);
    assert.ok(agentSees.includes(personal.body.view.id));
    assert.ok(agentSees.includes(group.body.view.id));
    assert.ok(!agentSees.includes(groupH.body.view.id));
    assert.ok(!otherSees.includes(personal.body.view.id));
    assert.ok(!otherSees.includes(group.body.view.id));
    assert.ok(otherSees.includes((await defaultView('Pending tickets')).id));
    const personalOnly = await api(
      'GET',
      '/api/v2/views?access=personal',
      undefined,
      as(agent.auth),
    );
    assert.ok(personalOnly.body.views.some((v: any) => v.id === personal.body.view.id));
    assert.ok(
      personalOnly.body.views.every(
        (v: any) => v.restriction.type === 'User' && v.restriction.id === agent.id,
      ),
    );
    const byGroup = await api(
      'GET',
      `/api/v2/views?group_id=${groupId}`,
      undefined,
      as(agent.auth),
    );
    assert.deepEqual(
      byGroup.body.views.map((v: any) => v.id),
      [group.body.view.id],
    );

    // Others' personal and foreign group views do not exist for them.
    const hidden = await api(
      'GET',
      `/api/v2/views/${personal.body.view.id}`,
      undefined,
      as(other.auth),
    );
    assert.equal(hidden.status, 404);
    const hiddenCount = await api(
      'GET',
      `/api/v2/views/${groupH.body.view.id}/count`,
      undefined,
      as(agent.auth),
    );
    assert.equal(hiddenCount.status, 404);
    // A member reads a group view but does not manage it; nor a shared one.
    const memberEdit = await api(
      'PUT',
      `/api/v2/views/${group.body.view.id}`,
      { view: { title: 'Mine now' } },
      as(agent.auth),
    );
    assert.equal(memberEdit.status, 403);
    const sharedEdit = await api(
      'PUT',
      `/api/v2/views/${(await defaultView('Pending tickets')).id}`,
      { view: { title: 'Mine now' } },
      as(agent.auth),
    );
    assert.equal(sharedEdit.status, 403);
    const ownEdit = await api(
      'PUT',
      `/api/v2/views/${personal.body.view.id}`,
      { view: { title: 'Still mine' } },
      as(agent.auth),
    );
    assert.equal(ownEdit.status, 200);
    const toShared = await api(
      'PUT',
      `/api/v2/views/${personal.body.view.id}`,
      { view: { restriction: null } },
      as(agent.auth),
    );
    assert.equal(toShared.status, 403);
    // End users see no views at all.
    const endUserList = await api('GET', '/api/v2/views', undefined, as(endUser.auth));
    assert.equal(endUserList.status, 403);
  });

  it('default views are editable like any other', async () => {
    const pending = await defaultView('Pending tickets');
    const res = await desk.api('PUT', `/api/v2/views/${pending.id}`, {
      view: { title: 'Waiting on requester' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.view.default, true);
    const back = await desk.api('PUT', `/api/v2/views/${pending.id}`, {
      view: { title: 'Pending tickets' },
    });
    assert.equal(back.status, 200);
  });

  it('works through node-zendesk unmodified', async () => {
    const client = zendesk.createClient({
      endpointUri: `${desk.url}/api/v2`,
      username: desk.adminEmail,
      token: desk.token,
      throwOriginalException: true,
    });
    const listed = (await client.views.list()) as any[];
    assert.ok(
      listed.some((v) => v.title === 'Pending tickets'),
      JSON.stringify(listed),
    );
    const created = (await client.views.create({
      view: {
        title: 'Via the client',
        all: [{ field: 'status', operator: 'is', value: 'pending' }],
      },
    })) as any;
    const view = created.result ?? created;
    assert.equal(view.title, 'Via the client', JSON.stringify(created));
    const shown = (await client.views.show(view.id)) as any;
    assert.equal((shown.result ?? shown).id, view.id);
    const count = (await client.views.showCount(view.id)) as any;
    assert.equal((count.result ?? count).value ?? (count.result ?? count).view_count?.value, 1);
    const counts = (await client.views.showCounts([view.id])) as any;
    assert.equal(JSON.stringify(counts).includes(`"view_id":${view.id}`), true);
    const tickets = (await client.views.tickets(view.id)) as any;
    const list = Array.isArray(tickets) ? tickets : (tickets.result ?? tickets);
    assert.equal(JSON.stringify(list).includes(`"id":${ticketIds.pending}`), true);
  });
});
