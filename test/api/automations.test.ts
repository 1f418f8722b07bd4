import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';

/** An automation as Zendesk's GET returns it (reference §4), to POST unchanged. */
const zendeskPayload = {
  url: 'https://example.zendesk.com/api/v2/automations/25.json',
  id: 25,
  title: 'Escalate open tickets after a day',
  raw_title: 'Escalate open tickets after a day',
  active: true,
  position: 8,
  default: false,
  conditions: {
    all: [
      { field: 'status', operator: 'is', value: 'open' },
      { field: 'priority', operator: 'less_than', value: 'high' },
      { field: 'NEW', operator: 'greater_than', value: '24' },
    ],
    any: [],
  },
  actions: [{ field: 'priority', value: 'high' }],
  created_at: '2012-09-25T22:50:26Z',
  updated_at: '2012-09-25T22:50:26Z',
};

const remind = (title: string, hours: number) => ({
  title,
  conditions: { all: [{ field: 'PENDING', operator: 'is', value: String(hours) }], any: [] },
  actions: [{ field: 'notification_user', value: ['requester_id', 'Reminder', 'Still there?'] }],
});

forEachDatabase('automations API', (ctx) => {
  it('has the default automations, the close one active and marked default', async () => {
    const { api } = ctx.desk;
    const list = await api('GET', '/api/v2/automations');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const close = list.body.automations.find((a: any) => a.title.startsWith('Close ticket 4 days'));
    assert.ok(close, JSON.stringify(list.body));
    assert.equal(close.default, true);
    assert.equal(close.active, true);
    assert.deepEqual(close.conditions.all, [
      { field: 'SOLVED', operator: 'greater_than', value: '96' },
    ]);
    assert.deepEqual(close.actions, [{ field: 'status', value: 'closed' }]);
    const pending = list.body.automations.find(
      (a: any) => a.title === 'Pending notification 24 hours',
    );
    assert.equal(pending.active, false);
    assert.equal(pending.default, true);
  });

  it("creates from Zendesk's GET payload, lists, shows, searches, updates and deletes", async () => {
    const { api } = ctx.desk;
    const created = await api('POST', '/api/v2/automations', { automation: zendeskPayload });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const a = created.body.automation;
    assert.notEqual(a.id, 25, 'the id is Parley’s own');
    assert.equal(a.title, zendeskPayload.title);
    assert.equal(a.active, true);
    assert.equal(a.default, false);
    assert.equal(a.position, 8);
    assert.deepEqual(a.conditions, zendeskPayload.conditions);
    assert.deepEqual(a.actions, zendeskPayload.actions);
    assert.equal(created.headers.get('location'), a.url);

    assert.deepEqual((await api('GET', `/api/v2/automations/${a.id}.json`)).body.automation, a);
    const found = await api('GET', '/api/v2/automations/search?query=ESCALATE');
    assert.deepEqual(
      found.body.automations.map((x: any) => x.id),
      [a.id],
    );

    const updated = await api('PUT', `/api/v2/automations/${a.id}`, {
      automation: { title: 'Escalate', active: false },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.automation.title, 'Escalate');
    assert.equal(updated.body.automation.active, false);
    const active = await api('GET', '/api/v2/automations/active');
    assert.ok(!active.body.automations.some((x: any) => x.id === a.id));
    const inactive = await api('GET', '/api/v2/automations?active=false');
    assert.ok(inactive.body.automations.some((x: any) => x.id === a.id));

    const sorted = await api('GET', '/api/v2/automations?sort_by=alphabetical&sort_order=desc');
    assert.equal(sorted.status, 200, JSON.stringify(sorted.body));
    const titles = sorted.body.automations.map((x: any) => x.title);
    assert.deepEqual(titles, [...titles].sort().reverse());
    assert.ok(titles.length >= 3);
    assert.equal((await api('GET', '/api/v2/automations?sort_by=usage_1h')).status, 400);

    assert.equal((await api('DELETE', `/api/v2/automations/${a.id}`)).status, 204);
    assert.equal((await api('GET', `/api/v2/automations/${a.id}`)).status, 404);
  });

  it('refuses with 422s naming the problem', async () => {
    const { api } = ctx.desk;
    const post = (automation: unknown) => api('POST', '/api/v2/automations', { automation });
    const noNull = await post({
      title: 'Nags forever',
      conditions: { all: [{ field: 'PENDING', operator: 'greater_than', value: '24' }] },
      actions: [{ field: 'notification_user', value: ['requester_id', 'S', 'B'] }],
    });
    assert.equal(noNull.status, 422, JSON.stringify(noNull.body));
    assert.match(JSON.stringify(noNull.body.details.base), /nullifies one of its conditions/);

    const noTime = await post({
      title: 'No time',
      conditions: { all: [{ field: 'status', operator: 'is', value: 'solved' }] },
      actions: [{ field: 'status', value: 'closed' }],
    });
    assert.equal(noTime.status, 422);
    assert.match(JSON.stringify(noTime.body.details.conditions), /time condition/);

    const unknownField = await post({
      title: 'Unknown',
      conditions: { all: [{ field: 'hours_since_nothing', operator: 'is', value: '2' }] },
      actions: [{ field: 'status', value: 'closed' }],
    });
    assert.equal(unknownField.status, 422);
    assert.ok(
      unknownField.body.details['conditions.all[0].field'],
      JSON.stringify(unknownField.body),
    );

    const badAction = await post({
      ...remind('Bad action', 3),
      actions: [{ field: 'x', value: 1 }],
    });
    assert.equal(badAction.status, 422);
    assert.ok(badAction.body.details['actions[0].field']);

    const noHook = await post({
      ...remind('Unknown webhook', 3),
      actions: [{ field: 'notification_webhook', value: ['987654', '{}'] }],
    });
    assert.equal(noHook.status, 422, JSON.stringify(noHook.body));
    assert.match(
      JSON.stringify(noHook.body.details['actions[0].value']),
      /no webhook has the id 987654/,
    );

    const noTitle = await post({ ...remind('', 3) });
    assert.equal(noTitle.status, 422);
    assert.ok(noTitle.body.details.title);

    const big = await post({
      ...remind('Big', 3),
      actions: [{ field: 'notification_user', value: ['requester_id', 'S', 'x'.repeat(70_000)] }],
    });
    assert.equal(big.status, 422);
    assert.ok(big.body.details.base);

    // Active automations must be unique; an inactive copy is fine.
    assert.equal((await post(remind('First', 5))).status, 201);
    const twin = await post(remind('Twin', 5));
    assert.equal(twin.status, 422, JSON.stringify(twin.body));
    assert.match(JSON.stringify(twin.body.details.base), /unique/);
    assert.equal((await post({ ...remind('Twin', 5), active: false })).status, 201);
  });

  it('refuses to delete or deactivate the close-after-solved automation, and keeps it within 28 days', async () => {
    const { api } = ctx.desk;
    const list = await api('GET', '/api/v2/automations');
    const close = list.body.automations.find((a: any) => a.title.startsWith('Close ticket 4 days'));
    const del = await api('DELETE', `/api/v2/automations/${close.id}`);
    assert.equal(del.status, 403, JSON.stringify(del.body));
    assert.match(del.body.description, /cannot be deleted/);
    const many = await api('DELETE', `/api/v2/automations/destroy_many?ids=${close.id}`);
    assert.equal(many.status, 403);
    const off = await api('PUT', `/api/v2/automations/${close.id}`, {
      automation: { active: false },
    });
    assert.equal(off.status, 422, JSON.stringify(off.body));
    assert.match(JSON.stringify(off.body.details.active), /cannot be deactivated/);
    const offMany = await api('PUT', '/api/v2/automations/update_many', {
      automations: [{ id: close.id, active: false }],
    });
    assert.equal(offMany.status, 422);
    const late = await api('PUT', `/api/v2/automations/${close.id}`, {
      automation: {
        conditions: { all: [{ field: 'SOLVED', operator: 'greater_than', value: 700 }] },
      },
    });
    assert.equal(late.status, 422, JSON.stringify(late.body));
    assert.match(JSON.stringify(late.body.details.conditions), /672/);
    const edited = await api('PUT', `/api/v2/automations/${close.id}`, {
      automation: {
        conditions: { all: [{ field: 'SOLVED', operator: 'greater_than', value: 48 }] },
      },
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.automation.active, true);
    const back = await api('PUT', `/api/v2/automations/${close.id}`, {
      automation: { conditions: close.conditions },
    });
    assert.equal(back.status, 200);
  });

  it('update_many changes positions and active flags; destroy_many deletes all or none', async () => {
    const { api } = ctx.desk;
    const a = (await api('POST', '/api/v2/automations', { automation: remind('M1', 40) })).body
      .automation;
    const b = (await api('POST', '/api/v2/automations', { automation: remind('M2', 41) })).body
      .automation;
    const res = await api('PUT', '/api/v2/automations/update_many', {
      automations: [
        { id: a.id, position: 900, active: false },
        { id: String(b.id), position: 899 },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const shownA = (await api('GET', `/api/v2/automations/${a.id}`)).body.automation;
    assert.equal(shownA.position, 900);
    assert.equal(shownA.active, false);
    const list = await api('GET', '/api/v2/automations');
    const ids = list.body.automations.map((x: any) => x.id);
    assert.ok(ids.indexOf(b.id) < ids.indexOf(a.id), 'listed in position order');

    const missing = await api('DELETE', `/api/v2/automations/destroy_many?ids=${a.id},999999`);
    assert.equal(missing.status, 404);
    assert.equal((await api('GET', `/api/v2/automations/${a.id}`)).status, 200);
    const bad = await api('DELETE', '/api/v2/automations/destroy_many?ids=x');
    assert.equal(bad.status, 400);
    const gone = await api('DELETE', `/api/v2/automations/destroy_many?ids=${a.id},${b.id}`);
    assert.equal(gone.status, 204);
    assert.equal((await api('GET', `/api/v2/automations/${b.id}`)).status, 404);
  });

  it('lets admins and agents granted manage_automations in; other agents and end users get 403', async () => {
    const { api } = ctx.desk;
    const role = await api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'Automation keeper', configuration: { manage_automations: true } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const keeper = await ctx.desk.createAgent('Kai Keeper');
    await ctx.desk.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', keeper.id)
      .execute();
    const made = await api(
      'POST',
      '/api/v2/automations',
      { automation: remind('Keeper', 70) },
      {
        auth: keeper.auth,
      },
    );
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const agent = await ctx.desk.createAgent('Pia Plain');
    const endUser = await ctx.desk.createEndUser('Uli User');
    for (const who of [agent, endUser]) {
      const opts = { auth: who.auth };
      assert.equal((await api('GET', '/api/v2/automations', undefined, opts)).status, 403);
      const id = made.body.automation.id;
      assert.equal((await api('GET', `/api/v2/automations/${id}`, undefined, opts)).status, 403);
      assert.equal((await api('DELETE', `/api/v2/automations/${id}`, undefined, opts)).status, 403);
    }
  });
});
