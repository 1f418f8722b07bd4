import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';

/** Zendesk's own example (reference §3.1), as a client would send it. */
const zendeskExample = {
  title: 'Roger Wilco',
  description: 'Close and save',
  active: true,
  conditions: {
    all: [
      { field: 'status', operator: 'is', value: 'open' },
      { field: 'priority', operator: 'less_than', value: 'high' },
    ],
    any: [],
  },
  actions: [{ field: 'group_id', value: '20455932' }],
};

const simple = (title: string) => ({
  title,
  conditions: { all: [{ field: 'status', operator: 'is', value: 'new' }], any: [] },
  actions: [{ field: 'priority', value: 'high' }],
});

forEachDatabase('triggers API', (ctx) => {
  // These tests count and order triggers and categories from an empty desk: the default
  // triggers (migration 0016, tested in trigger-firing.test.ts) are deleted first, as an admin may.
  before(async () => {
    const { api } = ctx.desk;
    const list = await api('GET', '/api/v2/triggers');
    for (const t of list.body.triggers) {
      assert.equal(t.default, true);
      assert.equal((await api('DELETE', `/api/v2/triggers/${t.id}`)).status, 204);
    }
    const categories = await api('GET', '/api/v2/trigger_categories');
    for (const c of categories.body.trigger_categories) {
      assert.equal((await api('DELETE', `/api/v2/trigger_categories/${c.id}`)).status, 204);
    }
  });

  it("round-trips Zendesk's example and creates, lists, shows, updates and deletes", async () => {
    const { api } = ctx.desk;
    const created = await api('POST', '/api/v2/triggers', { trigger: zendeskExample });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const t = created.body.trigger;
    assert.equal(t.title, 'Roger Wilco');
    assert.equal(t.raw_title, 'Roger Wilco');
    assert.equal(t.description, 'Close and save');
    assert.equal(t.active, true);
    assert.equal(t.default, false);
    assert.equal(t.category_id, null);
    assert.deepEqual(t.conditions, zendeskExample.conditions);
    assert.deepEqual(t.actions, zendeskExample.actions);
    assert.match(t.url, new RegExp(`/api/v2/triggers/${t.id}\\.json$`));
    assert.equal(typeof t.position, 'number');
    assert.ok(t.created_at && t.updated_at);
    assert.equal(created.headers.get('location'), t.url);

    const second = await api('POST', '/api/v2/triggers', { trigger: simple('Second one') });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.ok(second.body.trigger.position > t.position, 'new triggers go last');

    const shown = await api('GET', `/api/v2/triggers/${t.id}.json`);
    assert.deepEqual(shown.body.trigger, t);

    const list = await api('GET', '/api/v2/triggers');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.triggers.map((x: any) => x.id),
      [t.id, second.body.trigger.id],
    );
    assert.equal(list.body.count, 2);

    const updated = await api('PUT', `/api/v2/triggers/${t.id}`, {
      trigger: {
        title: 'Roger',
        active: false,
        all: [{ field: 'status', operator: 'is', value: 'pending' }],
      },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.trigger.title, 'Roger');
    assert.equal(updated.body.trigger.active, false);
    assert.deepEqual(updated.body.trigger.conditions.all, [
      { field: 'status', operator: 'is', value: 'pending' },
    ]);
    assert.deepEqual(updated.body.trigger.actions, zendeskExample.actions);

    const active = await api('GET', '/api/v2/triggers/active');
    assert.deepEqual(
      active.body.triggers.map((x: any) => x.id),
      [second.body.trigger.id],
    );
    const inactive = await api('GET', '/api/v2/triggers?active=false');
    assert.deepEqual(
      inactive.body.triggers.map((x: any) => x.id),
      [t.id],
    );

    const found = await api('GET', '/api/v2/triggers/search?query=SECOND');
    assert.deepEqual(
      found.body.triggers.map((x: any) => x.id),
      [second.body.trigger.id],
    );
    assert.equal(
      (await api('GET', '/api/v2/triggers/search?query=100%25')).body.triggers.length,
      0,
    );

    assert.equal((await api('DELETE', `/api/v2/triggers/${t.id}`)).status, 204);
    assert.equal((await api('GET', `/api/v2/triggers/${t.id}`)).status, 404);
    assert.equal((await api('DELETE', `/api/v2/triggers/${second.body.trigger.id}`)).status, 204);
  });

  it('reorders, and pages with cursors in position order', async () => {
    const { api } = ctx.desk;
    const ids: number[] = [];
    for (const title of ['A', 'B', 'C']) {
      const res = await api('POST', '/api/v2/triggers', { trigger: simple(`Order ${title}`) });
      ids.push(res.body.trigger.id);
    }
    const [a, b, c] = ids as [number, number, number];
    const reordered = await api('PUT', '/api/v2/triggers/reorder', { trigger_ids: [c, a] });
    assert.equal(reordered.status, 200, JSON.stringify(reordered.body));
    assert.deepEqual(
      reordered.body.triggers.map((x: any) => x.id),
      [c, a, b],
    );
    const page1 = await api('GET', '/api/v2/triggers?page[size]=2');
    assert.deepEqual(
      page1.body.triggers.map((x: any) => x.id),
      [c, a],
    );
    assert.equal(page1.body.meta.has_more, true);
    const offset = await api('GET', '/api/v2/triggers?per_page=2&page=2');
    assert.deepEqual(
      offset.body.triggers.map((x: any) => x.id),
      [b],
    );
    const page2 = await api(
      'GET',
      `/api/v2/triggers?page[size]=2&page[after]=${page1.body.meta.after_cursor}`,
    );
    assert.deepEqual(
      page2.body.triggers.map((x: any) => x.id),
      [b],
    );
    const bad = await api('PUT', '/api/v2/triggers/reorder', { trigger_ids: [a, 999999] });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.details.trigger_ids);
    for (const id of ids) await api('DELETE', `/api/v2/triggers/${id}`);
  });

  it('answers bad input with a 422 naming the field', async () => {
    const { api } = ctx.desk;
    const before = (await api('GET', '/api/v2/triggers')).body.count;
    const noTitle = await api('POST', '/api/v2/triggers', {
      trigger: { ...simple('x'), title: undefined },
    });
    assert.equal(noTitle.status, 422);
    assert.ok(noTitle.body.details.title, JSON.stringify(noTitle.body));

    const badOp = await api('POST', '/api/v2/triggers', {
      trigger: {
        ...simple('Bad op'),
        conditions: { all: [{ field: 'status', operator: 'smells_like', value: 'open' }] },
      },
    });
    assert.equal(badOp.status, 422);
    assert.ok(badOp.body.details['conditions.all[0].operator'], JSON.stringify(badOp.body));

    const badField = await api('POST', '/api/v2/triggers', {
      trigger: { ...simple('Bad action'), actions: [{ field: 'no_such_field', value: 'x' }] },
    });
    assert.equal(badField.status, 422);
    assert.ok(
      Object.keys(badField.body.details).some((k) => k.startsWith('actions[0]')),
      JSON.stringify(badField.body),
    );

    const noActions = await api('POST', '/api/v2/triggers', {
      trigger: { ...simple('No actions'), actions: [] },
    });
    assert.equal(noActions.status, 422);
    assert.ok(noActions.body.details.actions, JSON.stringify(noActions.body));

    const huge = await api('POST', '/api/v2/triggers', {
      trigger: { ...simple('Huge'), description: undefined, raw_title: 'x'.repeat(1000) },
    });
    assert.equal(huge.status, 201, JSON.stringify(huge.body));
    await api('DELETE', `/api/v2/triggers/${huge.body.trigger.id}`);
    const tooBig = await api('POST', '/api/v2/triggers', {
      trigger: {
        ...simple('Too big'),
        actions: Array.from({ length: 3000 }, () => ({ field: 'priority', value: 'high' })),
      },
    });
    assert.equal(tooBig.status, 422);
    assert.ok(tooBig.body.details.base, JSON.stringify(tooBig.body).slice(0, 300));

    const badCategory = await api('POST', '/api/v2/triggers', {
      trigger: { ...simple('Bad category'), category_id: '999999' },
    });
    assert.equal(badCategory.status, 422);
    assert.ok(badCategory.body.details.category_id);
    assert.equal((await api('GET', '/api/v2/triggers')).body.count, before);
  });

  it('manages categories; a category with triggers is not deleted', async () => {
    const { api } = ctx.desk;
    const cat = await api('POST', '/api/v2/trigger_categories', {
      trigger_category: { name: 'Notifications' },
    });
    assert.equal(cat.status, 201, JSON.stringify(cat.body));
    const category = cat.body.trigger_category;
    assert.equal(typeof category.id, 'string');
    assert.equal(category.name, 'Notifications');
    const renamed = await api('PATCH', `/api/v2/trigger_categories/${category.id}`, {
      trigger_category: { name: 'Notify' },
    });
    assert.equal(renamed.body.trigger_category.name, 'Notify');
    const shown = await api('GET', `/api/v2/trigger_categories/${category.id}`);
    assert.equal(shown.body.trigger_category.name, 'Notify');
    const list = await api('GET', '/api/v2/trigger_categories');
    assert.deepEqual(
      list.body.trigger_categories.map((c: any) => c.id),
      [category.id],
    );

    const t = await api('POST', '/api/v2/triggers', {
      trigger: { ...simple('In category'), category_id: category.id },
    });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    assert.equal(t.body.trigger.category_id, category.id);
    const other = await api('POST', '/api/v2/triggers', { trigger: simple('Uncategorized') });
    const inCat = await api('GET', `/api/v2/triggers?category_id=${category.id}`);
    assert.deepEqual(
      inCat.body.triggers.map((x: any) => x.id),
      [t.body.trigger.id],
    );

    const refused = await api('DELETE', `/api/v2/trigger_categories/${category.id}`);
    assert.equal(refused.status, 422);
    await api('DELETE', `/api/v2/triggers/${t.body.trigger.id}`);
    await api('DELETE', `/api/v2/triggers/${other.body.trigger.id}`);
    assert.equal((await api('DELETE', `/api/v2/trigger_categories/${category.id}`)).status, 204);
    assert.equal((await api('GET', `/api/v2/trigger_categories/${category.id}`)).status, 404);
  });

  it('lets admins and agents granted manage_triggers in; other agents and end users get 403', async () => {
    const { api } = ctx.desk;
    const role = await api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'Trigger keeper', configuration: { manage_triggers: true } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const keeper = await ctx.desk.createAgent('Kim Keeper');
    await ctx.desk.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', keeper.id)
      .execute();
    const agent = await ctx.desk.createAgent('Pat Plain');
    const endUser = await ctx.desk.createEndUser('Una User');

    const made = await api(
      'POST',
      '/api/v2/triggers',
      { trigger: simple('Keeper made') },
      {
        auth: keeper.auth,
      },
    );
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(
      (await api('GET', '/api/v2/triggers', undefined, { auth: keeper.auth })).status,
      200,
    );
    for (const who of [agent, endUser]) {
      const opts = { auth: who.auth };
      assert.equal((await api('GET', '/api/v2/triggers', undefined, opts)).status, 403);
      assert.equal(
        (await api('GET', `/api/v2/triggers/${made.body.trigger.id}`, undefined, opts)).status,
        403,
      );
      assert.equal(
        (await api('POST', '/api/v2/triggers', { trigger: simple('Nope') }, opts)).status,
        403,
      );
      assert.equal(
        (await api('DELETE', `/api/v2/triggers/${made.body.trigger.id}`, undefined, opts)).status,
        403,
      );
      assert.equal((await api('GET', '/api/v2/trigger_categories', undefined, opts)).status, 403);
    }
    await api('DELETE', `/api/v2/triggers/${made.body.trigger.id}`);
  });
});
