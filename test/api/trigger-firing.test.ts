import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DeskEventOf } from '../../src/desk/events.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

type Written = DeskEventOf<'ticket.written'>;

function listen(desk: TestDesk): { seen: Written[]; off: () => void } {
  const seen: Written[] = [];
  const off = desk.parley.events.on('ticket.written', (e) => seen.push(e));
  return { seen, off };
}

async function group(desk: TestDesk, name: string): Promise<number> {
  const res = await desk.api('POST', '/api/v2/groups', { group: { name } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.group.id;
}

async function trigger(desk: TestDesk, body: Record<string, unknown>) {
  const res = await desk.api('POST', '/api/v2/triggers', { trigger: body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.trigger as { id: number; title: string; position: number };
}

async function deactivate(desk: TestDesk, ...ids: number[]) {
  for (const id of ids) {
    const res = await desk.api('PUT', `/api/v2/triggers/${id}`, { trigger: { active: false } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}

const ruleVia = (t: { id: number; title: string }) => ({
  channel: 'rule',
  source: { rel: 'trigger', from: { id: t.id, title: t.title }, to: {} },
});

forEachDatabase('trigger firing', (ctx) => {
  it('has the default triggers, active, in a Notifications category', async () => {
    const list = await ctx.desk.api('GET', '/api/v2/triggers');
    const defaults = list.body.triggers.filter((t: any) => t.default);
    assert.deepEqual(
      defaults.map((t: any) => [t.title, t.active]),
      [
        ['Acknowledge a new Slack conversation', true],
        ['Notify assignee of assignment', true],
        ['Notify group of new unassigned ticket', true],
      ],
    );
    const categories = await ctx.desk.api('GET', '/api/v2/trigger_categories');
    const notifications = categories.body.trigger_categories.find(
      (c: any) => c.name === 'Notifications',
    );
    assert.ok(notifications);
    for (const t of defaults) assert.equal(t.category_id, String(notifications.id));
  });

  it('routes an API ticket by the words of its comment, and the audit names the trigger', async () => {
    const { desk } = ctx;
    const it = await group(desk, 'IT');
    const route = await trigger(desk, {
      title: 'Laptops go to IT',
      conditions: {
        all: [{ field: 'comment_includes_word', operator: 'includes', value: 'laptop printer' }],
      },
      actions: [
        { field: 'group_id', value: String(it) },
        { field: 'current_tags', value: 'hardware' },
        // Already the ticket's: no change, so no event.
        { field: 'priority', value: 'high' },
      ],
    });
    const created = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Broken', priority: 'high', comment: { body: 'My Laptop will not boot' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.ticket.group_id, it);
    assert.deepEqual(created.body.ticket.tags, ['hardware']);
    const events = created.body.audit.events;
    assert.equal(created.body.audit.via.channel, 'api');
    const groupEvent = events.find((e: any) => e.field_name === 'group_id');
    assert.deepEqual(groupEvent, {
      id: groupEvent.id,
      type: 'Change',
      field_name: 'group_id',
      value: String(it),
      previous_value: null,
      via: ruleVia(route),
    });
    const tagEvent = events.find((e: any) => e.field_name === 'tags');
    assert.equal(tagEvent.type, 'Change');
    assert.deepEqual(tagEvent.value, ['hardware']);
    assert.deepEqual(tagEvent.via, ruleVia(route));
    const priority = events.filter((e: any) => e.field_name === 'priority');
    assert.deepEqual(
      priority.map((e: any) => [e.type, e.value, e.via]),
      [['Create', 'high', undefined]],
    );
    // The audit as read back later shows the same per-event via.
    const audits = await desk.api('GET', `/api/v2/tickets/${created.body.ticket.id}/audits`);
    const readBack = audits.body.audits[0].events.find((e: any) => e.field_name === 'group_id');
    assert.deepEqual(readBack.via, ruleVia(route));

    const other = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Chairs', comment: { body: 'My chair squeaks' } },
    });
    assert.equal(other.body.ticket.group_id, null);
    await deactivate(desk, route.id);
    const inactive = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Again', comment: { body: 'another laptop' } },
    });
    assert.equal(inactive.body.ticket.group_id, null, 'an inactive trigger does not fire');
  });

  it('restarts from the top with the new state, firing each trigger once per update', async () => {
    const { desk } = ctx;
    const { seen, off } = listen(desk);
    try {
      // Before the one that tags, so it only matches on the pass after that one fired.
      const escalate = await trigger(desk, {
        title: 'Escalated is urgent',
        conditions: { all: [{ field: 'current_tags', operator: 'includes', value: 'escalated' }] },
        actions: [
          { field: 'priority', value: 'urgent' },
          { field: 'notification_user', value: ['requester_id', 'Escalated', 'We are on it'] },
        ],
      });
      const tag = await trigger(desk, {
        title: 'Urgent words escalate',
        conditions: {
          all: [
            { field: 'update_type', operator: 'is', value: 'Change' },
            { field: 'comment_includes_word', operator: 'includes', value: 'urgent' },
          ],
        },
        actions: [{ field: 'current_tags', value: 'escalated' }],
      });
      const created = await desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: 'Slow', comment: { body: 'it is urgent' } },
      });
      assert.equal(created.body.ticket.priority, null, 'update_type Change: not on the create');
      const id = created.body.ticket.id;
      const updated = await desk.api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { comment: { body: 'Still URGENT, please' } },
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.ticket.priority, 'urgent');
      assert.deepEqual(updated.body.ticket.tags, ['escalated']);
      const byField = new Map(updated.body.audit.events.map((e: any) => [e.field_name, e]));
      assert.deepEqual((byField.get('priority') as any).via, ruleVia(escalate));
      assert.deepEqual((byField.get('tags') as any).via, ruleVia(tag));
      const event = seen.at(-1)!;
      assert.equal(event.ticketId, id);
      assert.deepEqual(
        event.effects.map((e) => e.rule.id),
        [escalate.id],
        'fired once, though every later pass still matches it',
      );

      // Another update: "escalated" is still there, but each update fires each trigger once.
      const again = await desk.api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { comment: { body: 'any news?' } },
      });
      assert.equal(again.status, 200);
      assert.deepEqual(
        seen.at(-1)!.effects.map((e) => e.rule.id),
        [escalate.id],
      );
      await deactivate(desk, escalate.id, tag.id);
    } finally {
      off();
    }
  });

  it('puts the fired notifications and webhooks into ticket.written', async () => {
    const { desk } = ctx;
    const support = await group(desk, 'Support');
    // A public IP literal: saved without a DNS answer; this test calls no webhook.
    const hook = await desk.api('POST', '/api/v2/webhooks', {
      webhook: {
        name: 'Audit log',
        endpoint: 'https://93.184.216.34/hook',
        http_method: 'POST',
        request_format: 'json',
      },
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const hookId = Number(hook.body.webhook.id);
    const { seen, off } = listen(desk);
    try {
      const notify = await trigger(desk, {
        title: 'Tell the requester and a webhook',
        conditions: { all: [{ field: 'update_type', operator: 'is', value: 'Create' }] },
        actions: [
          { field: 'notification_user', value: ['requester_id', 'Hi {{ticket.id}}', 'Body'] },
          { field: 'notification_webhook', value: [String(hookId), '{"id": "{{ticket.id}}"}'] },
        ],
      });
      const created = await desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: 'Effects', group_id: support, comment: { body: 'hello' } },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const event = seen.at(-1)!;
      const groupDefault = (await desk.api('GET', '/api/v2/triggers')).body.triggers.find(
        (t: any) => t.title === 'Notify group of new unassigned ticket',
      );
      assert.deepEqual(
        event.effects.map((e) => [e.rule.kind, e.rule.id, e.effect.type]),
        [
          ['trigger', groupDefault.id, 'notification_group'],
          ['trigger', notify.id, 'notification_user'],
          ['trigger', notify.id, 'notification_webhook'],
        ],
      );
      assert.deepEqual(event.effects[1], {
        rule: { kind: 'trigger', id: notify.id, title: notify.title },
        effect: {
          type: 'notification_user',
          recipient: 'requester_id',
          subject: 'Hi {{ticket.id}}',
          body: 'Body',
        },
      });
      assert.deepEqual(event.effects[2]!.effect, {
        type: 'notification_webhook',
        webhookId: hookId,
        body: '{"id": "{{ticket.id}}"}',
      });
      await deactivate(desk, notify.id);
    } finally {
      off();
    }
  });

  it('fires on the update that closes a ticket, and on none after', async () => {
    const { desk } = ctx;
    const { seen, off } = listen(desk);
    try {
      const onStatus = await trigger(desk, {
        title: 'Any status change',
        conditions: { all: [{ field: 'status', operator: 'changed' }] },
        actions: [{ field: 'notification_user', value: ['current_user', 'Status', 'changed'] }],
      });
      const created = await desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: 'Done soon', comment: { body: 'x' } },
      });
      const id = created.body.ticket.id;
      const closed = await desk.api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { status: 'closed' },
      });
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      assert.deepEqual(
        seen.at(-1)!.effects.map((e) => e.rule.id),
        [onStatus.id],
      );
      const count = seen.length;
      const after = await desk.api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { comment: { body: 'too late' } },
      });
      assert.equal(after.status, 422);
      assert.equal(seen.length, count);
      await deactivate(desk, onStatus.id);
    } finally {
      off();
    }
  });

  it('does not fire on a user merge', async () => {
    const { desk } = ctx;
    const onRequester = await trigger(desk, {
      title: 'Requester changed',
      conditions: { all: [{ field: 'requester_id', operator: 'changed' }] },
      actions: [{ field: 'current_tags', value: 'requester_moved' }],
    });
    const from = await desk.createEndUser('Merged Away');
    const into = await desk.createEndUser('Merged Into');
    const created = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Mine', requester_id: from.id, comment: { body: 'x' } },
    });
    // The create sets the requester: the trigger fires there (a Create event of it).
    assert.deepEqual(created.body.ticket.tags, ['requester_moved']);
    const id = created.body.ticket.id;
    const untag = await desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: { tags: [] } });
    assert.deepEqual(untag.body.ticket.tags, []);
    const merged = await desk.api('PUT', `/api/v2/users/${from.id}/merge`, {
      user: { id: into.id },
    });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    const ticket = await desk.api('GET', `/api/v2/tickets/${id}`);
    assert.equal(ticket.body.ticket.requester_id, into.id);
    assert.deepEqual(ticket.body.ticket.tags, []);
    await deactivate(desk, onRequester.id);
  });

  it('counts reopens and agent replies for the reopens and replies conditions', async () => {
    const { desk } = ctx;
    const reopened = await trigger(desk, {
      title: 'Reopened',
      conditions: { all: [{ field: 'reopens', operator: 'greater_than', value: '0' }] },
      actions: [{ field: 'current_tags', value: 'was_reopened' }],
    });
    const replied = await trigger(desk, {
      title: 'Replied twice',
      conditions: { all: [{ field: 'replies', operator: 'is', value: '2' }] },
      actions: [{ field: 'current_tags', value: 'two_replies' }],
    });
    const created = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Counted', comment: { body: 'the description is no reply' } },
    });
    const id = created.body.ticket.id;
    const put = (ticket: object) => desk.api('PUT', `/api/v2/tickets/${id}`, { ticket });
    assert.deepEqual((await put({ comment: { body: 'one' } })).body.ticket.tags, []);
    assert.deepEqual(
      (await put({ comment: { body: 'note', public: false } })).body.ticket.tags,
      [],
    );
    assert.deepEqual((await put({ comment: { body: 'two' } })).body.ticket.tags, ['two_replies']);
    assert.deepEqual((await put({ status: 'solved' })).body.ticket.tags, ['two_replies']);
    const back = await put({ status: 'open' });
    assert.deepEqual(back.body.ticket.tags.sort(), ['two_replies', 'was_reopened']);
    await deactivate(desk, reopened.id, replied.id);
  });

  it("reads the requester's facts when a trigger's conditions name them", async () => {
    const { desk } = ctx;
    const byRole = await trigger(desk, {
      title: 'Requested by an end user at example.com',
      conditions: {
        all: [
          { field: 'requester_role', operator: 'is', value: 'end_user' },
          { field: 'requester.email_domain', operator: 'is', value: 'example.com' },
        ],
      },
      actions: [{ field: 'current_tags', value: 'customer' }],
    });
    const customer = await desk.createEndUser('Customer');
    assert.match(customer.email, /@example\.com$/);
    const theirs = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Theirs', requester_id: customer.id, comment: { body: 'x' } },
    });
    assert.deepEqual(theirs.body.ticket.tags, ['customer']);
    const mine = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Mine', comment: { body: 'x' } },
    });
    assert.deepEqual(mine.body.ticket.tags, [], 'the admin is no end user');
    await deactivate(desk, byRole.id);
  });

  it('skips an action the ticket refuses and applies the others', async () => {
    const { desk } = ctx;
    const gone = await group(desk, 'Gone soon');
    const broken = await trigger(desk, {
      title: 'Routes to a group that will be deleted',
      conditions: {
        all: [{ field: 'comment_includes_word', operator: 'includes', value: 'gone' }],
      },
      actions: [
        { field: 'group_id', value: String(gone) },
        { field: 'current_tags', value: 'still_tagged' },
      ],
    });
    assert.equal((await desk.api('DELETE', `/api/v2/groups/${gone}`)).status, 204);
    const created = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Skip', comment: { body: 'gone fishing' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.ticket.group_id, null);
    assert.deepEqual(created.body.ticket.tags, ['still_tagged']);
    await deactivate(desk, broken.id);
  });
});

forEachDatabase('triggers bulk API and definitions', (ctx) => {
  const simple = (title: string) => ({
    title,
    conditions: { all: [{ field: 'status', operator: 'is', value: 'new' }], any: [] },
    actions: [{ field: 'current_tags', value: 'bulk' }],
  });

  it('updates position, active and category of many triggers, all or nothing', async () => {
    const { desk } = ctx;
    const a = await trigger(desk, simple('A'));
    const b = await trigger(desk, simple('B'));
    const cat = await desk.api('POST', '/api/v2/trigger_categories', {
      trigger_category: { name: 'Bulk' },
    });
    const categoryId = cat.body.trigger_category.id;

    const refused = await desk.api('PUT', '/api/v2/triggers/update_many', {
      triggers: [
        { id: a.id, active: false },
        { id: 999_999, active: false },
      ],
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.ok(refused.body.details['triggers[1].id'], JSON.stringify(refused.body));
    const stillA = await desk.api('GET', `/api/v2/triggers/${a.id}`);
    assert.equal(stillA.body.trigger.active, true, 'nothing changed');

    const badCategory = await desk.api('PUT', '/api/v2/triggers/update_many', {
      triggers: [{ id: a.id, category_id: '999999' }],
    });
    assert.equal(badCategory.status, 422);
    assert.ok(badCategory.body.details['triggers[0].category_id']);

    const done = await desk.api('PUT', '/api/v2/triggers/update_many', {
      triggers: [
        { id: a.id, position: 900, active: false, category_id: categoryId },
        { id: b.id, position: 899 },
      ],
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(
      done.body.triggers.map((t: any) => [t.id, t.position, t.active, t.category_id]),
      [
        [b.id, 899, true, null],
        [a.id, 900, false, categoryId],
      ],
    );

    // The inactive one no longer fires; the other still does.
    const created = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Bulk', comment: { body: 'x' } },
    });
    assert.deepEqual(created.body.ticket.tags, ['bulk']);
    const { seen, off } = listen(desk);
    try {
      await desk.api('PUT', '/api/v2/triggers/update_many', {
        triggers: [{ id: b.id, active: false }],
      });
      const second = await desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: 'Bulk 2', comment: { body: 'x' } },
      });
      assert.deepEqual(second.body.ticket.tags, [], 'the change reached the cached triggers');
      assert.equal(seen.length, 1);
    } finally {
      off();
    }
  });

  it('destroys many triggers, all or nothing', async () => {
    const { desk } = ctx;
    const a = await trigger(desk, simple('D1'));
    const b = await trigger(desk, simple('D2'));
    const refused = await desk.api('DELETE', `/api/v2/triggers/destroy_many?ids=${a.id},999999`);
    assert.equal(refused.status, 422);
    assert.equal((await desk.api('GET', `/api/v2/triggers/${a.id}`)).status, 200);
    const bad = await desk.api('DELETE', '/api/v2/triggers/destroy_many?ids=1,x');
    assert.equal(bad.status, 400);
    assert.equal((await desk.api('DELETE', '/api/v2/triggers/destroy_many')).status, 400);
    const done = await desk.api('DELETE', `/api/v2/triggers/destroy_many?ids=${a.id},${b.id}`);
    assert.equal(done.status, 204);
    assert.equal((await desk.api('GET', `/api/v2/triggers/${a.id}`)).status, 404);
    assert.equal((await desk.api('GET', `/api/v2/triggers/${b.id}`)).status, 404);
  });

  it("describes the conditions and actions in Zendesk's shape, with the desk's values", async () => {
    const { desk } = ctx;
    const gid = await group(desk, 'Facilities');
    const res = await desk.api('GET', '/api/v2/triggers/definitions');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { conditions_all, conditions_any, actions } = res.body.definitions;
    assert.deepEqual(conditions_any, conditions_all);
    const status = conditions_all.find((d: any) => d.subject === 'status');
    assert.equal(status.type, 'list');
    assert.deepEqual(
      status.operators.find((o: any) => o.value === 'value'),
      {
        value: 'value',
        title: 'Changed to',
        terminal: false,
      },
    );
    assert.deepEqual(status.operators.find((o: any) => o.value === 'changed')?.terminal, true);
    assert.ok(status.values.some((v: any) => v.value === 'solved' && v.title === 'Solved'));
    const groupCondition = conditions_all.find((d: any) => d.subject === 'group_id');
    assert.ok(groupCondition.values.some((v: any) => v.value === String(gid)));
    const subjects = conditions_all.map((d: any) => d.subject);
    for (const s of ['update_type', 'comment_includes_word', 'slack_connection_id', 'via_id']) {
      assert.ok(subjects.includes(s), s);
    }
    assert.ok(!subjects.includes('NEW'), 'time conditions are for automations and views');
    const actionSubjects = actions.map((d: any) => d.subject);
    assert.ok(actionSubjects.includes('notification_user'));
    assert.ok(!actionSubjects.includes('comment_value'), 'comments are for macros');
    const assign = actions.find((d: any) => d.subject === 'assignee_id');
    assert.ok(assign.values.some((v: any) => v.value === 'current_user'));
    assert.ok(assign.values.some((v: any) => v.value === String(desk.adminId)));
    for (const d of [...conditions_all, ...actions]) {
      for (const key of ['subject', 'title', 'type', 'group', 'nullable', 'repeatable', 'values']) {
        assert.ok(key in d, `${d.subject}.${key}`);
      }
    }
  });
});
