import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/** Zendesk's macro as its GET returns it (reference §5), POSTed unchanged. */
const zendeskMacro = {
  url: 'https://example.zendesk.com/api/v2/macros/25.json',
  id: 25,
  title: 'Close and Save',
  raw_title: 'Close and Save',
  description: 'Sets the ticket status to `solved`',
  active: true,
  position: 42,
  default: false,
  restriction: null,
  actions: [
    { field: 'status', value: 'solved' },
    { field: 'priority', value: 'normal' },
    { field: 'type', value: 'incident' },
    { field: 'assignee_id', value: 'current_user' },
    { field: 'group_id', value: 'current_groups' },
    {
      field: 'comment_value',
      value: 'Thanks for your request, ticket {{ticket.id}} is solved. {{current_user.name}}',
    },
  ],
  created_at: '2019-09-16T02:17:38Z',
  updated_at: '2019-09-16T02:17:38Z',
};

async function makeTicket(desk: TestDesk, subject = 'Printer on fire') {
  const res = await desk.api('POST', '/api/v2/tickets', {
    ticket: { subject, comment: { body: 'It burns' } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket as { id: number; status: string; updated_at: string };
}

async function makeGroup(desk: TestDesk, name: string, members: number[]) {
  const res = await desk.api('POST', '/api/v2/groups', { group: { name } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  for (const user_id of members) {
    const m = await desk.api('POST', '/api/v2/group_memberships', {
      group_membership: { user_id, group_id: res.body.group.id },
    });
    assert.equal(m.status, 201, JSON.stringify(m.body));
  }
  return res.body.group.id as number;
}

async function withRole(desk: TestDesk, userId: number, macroAccess: string) {
  const role = await desk.api('POST', '/api/v2/custom_roles', {
    custom_role: {
      name: `Macros ${macroAccess} ${userId}`,
      configuration: { macro_access: macroAccess },
    },
  });
  assert.equal(role.status, 201, JSON.stringify(role.body));
  // Through the API, so that the server forgets the agent it has authenticated before.
  const set = await desk.api('PUT', `/api/v2/users/${userId}`, {
    user: { custom_role_id: role.body.custom_role.id },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
}

const simple = (title: string, restriction: unknown = null) => ({
  title,
  restriction,
  actions: [{ field: 'priority', value: 'high' }],
});

forEachDatabase('macros API', (ctx) => {
  it("creates Zendesk's example unchanged, shows, updates and deletes it", async () => {
    const { api } = ctx.desk;
    const created = await api('POST', '/api/v2/macros.json', { macro: zendeskMacro });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const m = created.body.macro;
    assert.notEqual(m.id, 25);
    assert.equal(m.title, 'Close and Save');
    assert.equal(m.raw_title, 'Close and Save');
    assert.equal(m.description, zendeskMacro.description);
    assert.equal(m.active, true);
    assert.equal(m.position, 42);
    assert.equal(m.default, false);
    assert.equal(m.restriction, null);
    assert.deepEqual(m.actions, zendeskMacro.actions);
    assert.match(m.url, new RegExp(`/api/v2/macros/${m.id}\\.json$`));
    assert.equal(created.headers.get('location'), m.url);
    assert.deepEqual((await api('GET', `/api/v2/macros/${m.id}`)).body.macro, m);

    const updated = await api('PUT', `/api/v2/macros/${m.id}`, {
      macro: { title: 'Close it', active: false },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.macro.title, 'Close it');
    assert.equal(updated.body.macro.active, false);
    assert.deepEqual(updated.body.macro.actions, zendeskMacro.actions);

    const replica = await api('GET', `/api/v2/macros/new?macro_id=${m.id}`);
    assert.equal(replica.status, 200, JSON.stringify(replica.body));
    assert.equal(replica.body.macro.id, undefined);
    assert.equal(replica.body.macro.title, 'Close it');
    assert.deepEqual(replica.body.macro.actions, zendeskMacro.actions);

    assert.equal((await api('DELETE', `/api/v2/macros/${m.id}`)).status, 204);
    assert.equal((await api('GET', `/api/v2/macros/${m.id}`)).status, 404);
  });

  it('applies a macro without saving anything: the changes alone, or the whole ticket', async () => {
    const { api } = ctx.desk;
    const m = (await api('POST', '/api/v2/macros', { macro: zendeskMacro })).body.macro;
    // current_groups is the applying agent's group; without one the macro leaves the group be.
    const withoutGroup = await api('GET', `/api/v2/macros/${m.id}/apply.json`);
    assert.equal(withoutGroup.status, 200, JSON.stringify(withoutGroup.body));
    assert.equal(withoutGroup.body.result.ticket.group_id, undefined);
    const group = await makeGroup(ctx.desk, 'Apply desk', [ctx.desk.adminId]);
    const applied = await api('GET', `/api/v2/macros/${m.id}/apply.json`);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const comment = applied.body.result.ticket.comment;
    assert.equal(
      comment.body,
      zendeskMacro.actions[5]!.value,
      'no ticket: placeholders as written',
    );
    assert.equal(comment.public, true);
    assert.deepEqual(comment.scoped_body, [['channel:all', comment.body]]);
    assert.match(comment.html_body, /Thanks for your request/);
    assert.deepEqual(applied.body.result.comment, comment);
    const { comment: _c, ...changes } = applied.body.result.ticket;
    assert.deepEqual(changes, {
      status: 'solved',
      priority: 'normal',
      type: 'incident',
      assignee_id: ctx.desk.adminId,
      group_id: group,
    });

    const ticket = await makeTicket(ctx.desk);
    const audits = async () =>
      (await api('GET', `/api/v2/tickets/${ticket.id}/audits`)).body.audits.length;
    const auditsBefore = await audits();
    const before = (await api('GET', `/api/v2/tickets/${ticket.id}`)).body.ticket;
    const onTicket = await api('GET', `/api/v2/tickets/${ticket.id}/macros/${m.id}/apply`);
    assert.equal(onTicket.status, 200, JSON.stringify(onTicket.body));
    const result = onTicket.body.result;
    assert.equal(result.ticket.id, ticket.id);
    assert.equal(result.ticket.subject, 'Printer on fire');
    assert.equal(result.ticket.status, 'solved');
    assert.equal(result.ticket.priority, 'normal');
    assert.equal(result.ticket.type, 'incident');
    assert.equal(result.ticket.assignee_id, ctx.desk.adminId);
    assert.equal(result.ticket.group_id, group);
    assert.deepEqual(Object.keys(result.ticket).sort(), [...Object.keys(before), 'comment'].sort());
    const admin = (await api('GET', '/api/v2/users/me')).body.user;
    const text = `Thanks for your request, ticket ${ticket.id} is solved. ${admin.name}`;
    assert.equal(result.ticket.comment.body, text);
    assert.equal(result.comment.body, text);

    // Nothing was written: not the ticket, not an audit, not a usage.
    assert.deepEqual((await api('GET', `/api/v2/tickets/${ticket.id}`)).body.ticket, before);
    assert.equal(await audits(), auditsBefore);
    const usage = await api('GET', `/api/v2/macros/${m.id}?include=usage_1h`);
    assert.equal(usage.status, 200);
    const listed = await api('GET', '/api/v2/macros?include=usage_30d');
    assert.equal(listed.body.macros.find((x: any) => x.id === m.id).usage_30d, 0);

    assert.equal((await api('GET', `/api/v2/tickets/999999/macros/${m.id}/apply`)).status, 404);
    assert.equal(
      (await api('GET', `/api/v2/tickets/${ticket.id}/macros/999999/apply`)).status,
      404,
    );
    await api('DELETE', `/api/v2/macros/${m.id}`);
  });

  it('refuses status new or closed in a macro, and unknown actions, naming them', async () => {
    const { api } = ctx.desk;
    for (const status of ['new', 'closed']) {
      const res = await api('POST', '/api/v2/macros', {
        macro: { title: 'Bad', actions: [{ field: 'status', value: status }] },
      });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.ok(res.body.details['actions[0].value'], JSON.stringify(res.body));
    }
    const trigger = await api('POST', '/api/v2/macros', {
      macro: {
        title: 'Bad',
        actions: [{ field: 'notification_user', value: ['requester_id', 's', 'b'] }],
      },
    });
    assert.equal(trigger.status, 422);
    assert.ok(trigger.body.details['actions[0].field']);
    const blank = await api('POST', '/api/v2/macros', { macro: { title: ' ', actions: [] } });
    assert.equal(blank.status, 422);
    assert.ok(blank.body.details.title);
  });

  it('shows personal, group and shared macros to whom they belong, and lets each manage what its access allows', async () => {
    const { api } = ctx.desk;
    const ann = await ctx.desk.createAgent('Ann Agent');
    const bob = await ctx.desk.createAgent('Bob Agent');
    const end = await ctx.desk.createEndUser('Eve End');
    const as = (who: { auth: string }) => ({ auth: who.auth });
    const group = await makeGroup(ctx.desk, 'Billing team', [ann.id]);

    // A plain agent manages their personal macros, not shared ones.
    assert.equal(
      (await api('POST', '/api/v2/macros', { macro: simple('Shared by Ann') }, as(ann))).status,
      403,
    );
    const personal = await api(
      'POST',
      '/api/v2/macros',
      { macro: simple('Ann only', { type: 'User', id: ann.id }) },
      as(ann),
    );
    assert.equal(personal.status, 201, JSON.stringify(personal.body));
    assert.deepEqual(personal.body.macro.restriction, { type: 'User', id: ann.id });
    const pid = personal.body.macro.id;
    const forBob = await api(
      'POST',
      '/api/v2/macros',
      { macro: simple('For Bob', { type: 'User', id: bob.id }) },
      as(ann),
    );
    assert.equal(forBob.status, 403);

    const shared = (await api('POST', '/api/v2/macros', { macro: simple('Everyone') })).body.macro;
    const grouped = await api('POST', '/api/v2/macros', {
      macro: simple('Billing only', { type: 'Group', id: group, ids: [group] }),
    });
    assert.equal(grouped.status, 201, JSON.stringify(grouped.body));
    assert.deepEqual(grouped.body.macro.restriction, { type: 'Group', id: group, ids: [group] });
    const gid = grouped.body.macro.id;

    const titles = async (who: { auth: string }, query = '') =>
      (await api('GET', `/api/v2/macros${query}`, undefined, as(who))).body.macros.map(
        (x: any) => x.title,
      );
    assert.deepEqual(await titles(ann), ['Ann only', 'Billing only', 'Everyone']);
    assert.deepEqual(await titles(bob), ['Everyone']);
    assert.deepEqual(await titles(ann, '?access=personal'), ['Ann only']);
    assert.deepEqual(await titles(ann, '?access=shared'), ['Everyone']);
    assert.deepEqual(await titles(ann, `?group_id=${group}`), ['Billing only']);

    assert.equal((await api('GET', `/api/v2/macros/${pid}`, undefined, as(bob))).status, 404);
    assert.equal((await api('GET', `/api/v2/macros/${gid}`, undefined, as(bob))).status, 404);
    assert.equal((await api('GET', `/api/v2/macros/${pid}/apply`, undefined, as(bob))).status, 404);
    assert.equal(
      (await api('PUT', `/api/v2/macros/${pid}`, { macro: { title: 'Mine' } }, as(bob))).status,
      404,
    );
    assert.equal((await api('GET', `/api/v2/macros/${gid}`, undefined, as(ann))).status, 200);
    assert.equal((await api('GET', `/api/v2/macros/${pid}`)).status, 200, 'admins see every macro');

    // Access=agents lists every agent's personal macros, to admins only.
    assert.equal(
      (await api('GET', '/api/v2/macros?access=agents', undefined, as(ann))).status,
      403,
    );
    assert.deepEqual(await titles({ auth: ctx.desk.auth }, '?access=agents'), ['Ann only']);
    const adminTitles = await titles({ auth: ctx.desk.auth });
    assert.ok(!adminTitles.includes('Ann only'), "not in an admin's own list");
    assert.ok((await titles({ auth: ctx.desk.auth }, '?access=account')).includes('Ann only'));
    assert.deepEqual(await titles(ann, '?access=account'), await titles(ann));

    // Plain agents read and apply shared and group macros but do not edit them.
    assert.equal(
      (await api('GET', `/api/v2/macros/${shared.id}/apply`, undefined, as(bob))).status,
      200,
    );
    assert.equal(
      (await api('PUT', `/api/v2/macros/${shared.id}`, { macro: { title: 'X' } }, as(ann))).status,
      403,
    );
    assert.equal(
      (await api('PUT', `/api/v2/macros/${gid}`, { macro: { title: 'X' } }, as(ann))).status,
      403,
    );
    const renamed = await api(
      'PUT',
      `/api/v2/macros/${pid}`,
      { macro: { title: 'Ann mine' } },
      as(ann),
    );
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));

    // manage-group: their groups' macros, not shared ones; readonly: not even personal ones.
    await withRole(ctx.desk, ann.id, 'manage-group');
    assert.equal(
      (await api('PUT', `/api/v2/macros/${gid}`, { macro: { title: 'Billing!' } }, as(ann))).status,
      200,
    );
    assert.equal(
      (await api('PUT', `/api/v2/macros/${shared.id}`, { macro: { title: 'X' } }, as(ann))).status,
      403,
    );
    await withRole(ctx.desk, bob.id, 'readonly');
    const ro = await api(
      'POST',
      '/api/v2/macros',
      { macro: simple('Bob only', { type: 'User', id: bob.id }) },
      as(bob),
    );
    assert.equal(ro.status, 403);
    await withRole(ctx.desk, bob.id, 'full');
    assert.equal(
      (await api('PUT', `/api/v2/macros/${shared.id}`, { macro: { title: 'Everyone!' } }, as(bob)))
        .status,
      200,
    );

    // End users: nothing.
    for (const path of [
      '/api/v2/macros',
      `/api/v2/macros/${shared.id}`,
      `/api/v2/macros/${shared.id}/apply`,
      '/api/v2/macros/categories',
    ]) {
      assert.equal((await api('GET', path, undefined, as(end))).status, 403, path);
    }
    assert.equal(
      (await api('POST', '/api/v2/macros', { macro: simple('E') }, as(end))).status,
      403,
    );

    for (const id of [pid, gid, shared.id]) await api('DELETE', `/api/v2/macros/${id}`);
  });

  it('derives categories from titles, searches titles, and filters by category', async () => {
    const { api } = ctx.desk;
    const ids: number[] = [];
    for (const title of [
      'Billing::Refund',
      'Billing::Invoice copy',
      'Access::Reset password',
      'Plain reply',
    ]) {
      ids.push((await api('POST', '/api/v2/macros', { macro: simple(title) })).body.macro.id);
    }
    const categories = await api('GET', '/api/v2/macros/categories');
    assert.equal(categories.status, 200);
    assert.deepEqual(categories.body, { categories: ['Access', 'Billing'] });
    const search = await api('GET', '/api/v2/macros/search?query=REFUND');
    assert.deepEqual(
      search.body.macros.map((m: any) => m.title),
      ['Billing::Refund'],
    );
    assert.equal((await api('GET', '/api/v2/macros/search')).status, 400);
    const billing = await api('GET', '/api/v2/macros?category=Billing');
    assert.deepEqual(
      billing.body.macros.map((m: any) => m.title),
      ['Billing::Invoice copy', 'Billing::Refund'],
    );
    const defs = await api('GET', '/api/v2/macros/definitions');
    const subjects = defs.body.definitions.actions.map((a: any) => a.subject);
    assert.ok(subjects.includes('comment_value') && !subjects.includes('notification_user'));
    const status = defs.body.definitions.actions.find((a: any) => a.subject === 'status');
    assert.deepEqual(
      status.values.map((v: any) => v.value),
      ['open', 'pending', 'hold', 'solved'],
    );
    assert.deepEqual(
      (await api('GET', '/api/v2/macros/actions')).body.actions,
      defs.body.definitions.actions,
    );
    await api('DELETE', `/api/v2/macros/destroy_many?ids=${ids.join(',')}`);
  });

  it('records the macros an update names, counts their usage, sorts and side-loads by it', async () => {
    const { api } = ctx.desk;
    const often = (await api('POST', '/api/v2/macros', { macro: simple('Often used') })).body.macro;
    const once = (await api('POST', '/api/v2/macros', { macro: simple('Aa used once') })).body
      .macro;
    const never = (await api('POST', '/api/v2/macros', { macro: simple('Ab never used') })).body
      .macro;
    const ticket = await makeTicket(ctx.desk);
    const first = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: { priority: 'high', macro_ids: [often.id, once.id] },
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const refs = first.body.audit.events.filter((e: any) => e.type === 'AgentMacroReference');
    assert.deepEqual(
      refs.map((e: any) => [e.macro_id, e.macro_title]),
      [
        [String(often.id), 'Often used'],
        [String(once.id), 'Aa used once'],
      ],
    );
    const second = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: { status: 'pending', macro_id: often.id },
    });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const stored = (await api('GET', `/api/v2/tickets/${ticket.id}/audits`)).body.audits;
    assert.ok(
      stored
        .at(-1)
        .events.some(
          (e: any) => e.type === 'AgentMacroReference' && e.macro_id === String(often.id),
        ),
    );

    const ours = [often.id, once.id, never.id];
    const list = await api(
      'GET',
      '/api/v2/macros?sort_by=usage_7d&sort_order=desc&include=usage_1h,usage_30d',
    );
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const rows = list.body.macros.filter((m: any) => ours.includes(m.id));
    assert.deepEqual(
      rows.map((m: any) => [m.title, m.usage_1h, m.usage_30d, m.usage_7d]),
      [
        ['Often used', 2, 2, undefined],
        ['Aa used once', 1, 1, undefined],
        ['Ab never used', 0, 0, undefined],
      ],
    );
    const cursor = await api('GET', '/api/v2/macros?page[size]=100&sort=-usage_30d');
    assert.equal(cursor.status, 200, JSON.stringify(cursor.body));
    assert.deepEqual(
      cursor.body.macros.filter((m: any) => ours.includes(m.id)).map((m: any) => m.id),
      rows.map((m: any) => m.id),
    );
    const alphabetical = (await api('GET', '/api/v2/macros')).body.macros.filter((m: any) =>
      ours.includes(m.id),
    );
    assert.deepEqual(
      alphabetical.map((m: any) => m.title),
      ['Aa used once', 'Ab never used', 'Often used'],
    );
    assert.equal((await api('GET', '/api/v2/macros?include=usage_2h')).status, 400);

    // An unknown macro, or one the agent may not use, is refused, and nothing is written.
    const bob = await ctx.desk.createAgent('Bob Other');
    const bobs = await api(
      'POST',
      '/api/v2/macros',
      { macro: simple('Bob only', { type: 'User', id: bob.id }) },
      { auth: bob.auth },
    );
    assert.equal(bobs.status, 201, JSON.stringify(bobs.body));
    // Another agent's personal macro is not the updating agent's to use.
    const carol = await ctx.desk.createAgent('Carol Plain');
    for (const ids of [[999999], [bobs.body.macro.id]]) {
      const bad = await api(
        'PUT',
        `/api/v2/tickets/${ticket.id}`,
        { ticket: { status: 'open', macro_ids: ids } },
        { auth: carol.auth },
      );
      assert.equal(bad.status, 422, JSON.stringify(bad.body));
      assert.match(bad.body.details.macro_ids[0].description, new RegExp(String(ids[0])));
    }
    const now = (await api('GET', `/api/v2/tickets/${ticket.id}`)).body.ticket;
    assert.equal(now.status, 'pending');
    assert.equal(
      (await api('GET', `/api/v2/tickets/${ticket.id}/audits`)).body.audits.length,
      stored.length,
    );
    const after = (await api('GET', '/api/v2/macros?include=usage_30d')).body.macros;
    assert.equal(after.find((m: any) => m.id === often.id).usage_30d, 2);
  });

  it('updates and destroys many macros at once, all or none', async () => {
    const { api } = ctx.desk;
    const a = (await api('POST', '/api/v2/macros', { macro: simple('Many A') })).body.macro;
    const b = (await api('POST', '/api/v2/macros', { macro: simple('Many B') })).body.macro;
    const many = await api('PUT', '/api/v2/macros/update_many', {
      macros: [
        { id: a.id, active: false },
        { id: b.id, position: 7 },
      ],
    });
    assert.equal(many.status, 200, JSON.stringify(many.body));
    assert.deepEqual(
      many.body.macros.map((m: any) => [m.id, m.active, m.position]),
      [
        [a.id, false, a.position],
        [b.id, true, 7],
      ],
    );
    const active = (await api('GET', '/api/v2/macros/active')).body.macros.map((m: any) => m.id);
    assert.ok(!active.includes(a.id) && active.includes(b.id));
    const missing = await api('PUT', '/api/v2/macros/update_many', {
      macros: [
        { id: b.id, active: false },
        { id: 999999, active: false },
      ],
    });
    assert.equal(missing.status, 404);
    assert.equal((await api('GET', `/api/v2/macros/${b.id}`)).body.macro.active, true);

    assert.equal(
      (await api('DELETE', `/api/v2/macros/destroy_many?ids=${a.id},999999`)).status,
      404,
    );
    assert.equal((await api('GET', `/api/v2/macros/${a.id}`)).status, 200);
    assert.equal(
      (await api('DELETE', `/api/v2/macros/destroy_many?ids=${a.id},${b.id}`)).status,
      204,
    );
    assert.equal((await api('GET', `/api/v2/macros/${a.id}`)).status, 404);
    assert.equal((await api('GET', `/api/v2/macros/${b.id}`)).status, 404);
    assert.equal((await api('DELETE', '/api/v2/macros/destroy_many')).status, 400);
  });
});
