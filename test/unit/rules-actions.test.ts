import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/desk/errors.ts';
import type { TicketFields } from '../../src/desk/tickets/ticket-fields.ts';
import type { ActionRuleKind } from '../../src/rules/action-fields.ts';
import { applyActions, parseActions } from '../../src/rules/actions.ts';

// Actions in Zendesk's JSON (the shared reference's §3.4, §3.5, §5): what parses, what
// applying them asks of the ticket, and how each kind of bad input is refused.

const TICKET: TicketFields = {
  subject: 'Printer on fire',
  status: 'new',
  priority: null,
  type: null,
  requester_id: 1,
  submitter_id: 1,
  assignee_id: null,
  group_id: null,
  organization_id: null,
  brand_id: 1,
  tags: ['vip', 'billing'],
  external_id: null,
  due_at: null,
  recipient: null,
};

const CONTEXT = { currentUserId: 7 };

function apply(json: unknown, kind: ActionRuleKind = 'trigger') {
  return applyActions(parseActions(json, kind), TICKET, CONTEXT);
}

function refused(json: unknown, kind: ActionRuleKind = 'trigger'): Record<string, string[]> {
  try {
    parseActions(json, kind);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return Object.fromEntries(
      Object.entries(err.details).map(([k, v]) => [k, v.map((d) => d.description)]),
    );
  }
  assert.fail('expected the actions to be refused');
}

describe('rule actions: Zendesk JSON parses and applies', () => {
  it("applies the triggers page's example (§3.1)", () => {
    const result = apply([{ field: 'group_id', value: '20455932' }]);
    assert.deepEqual(result.patch, { group_id: 20455932 });
    assert.equal(result.next.group_id, 20455932);
    assert.equal(result.comment, null);
    assert.deepEqual(result.effects, []);
  });

  it("applies the macros page's example (§5), current_user resolved", () => {
    const result = apply(
      [
        { field: 'status', value: 'solved' },
        { field: 'priority', value: 'normal' },
        { field: 'type', value: 'incident' },
        { field: 'assignee_id', value: 'current_user' },
        { field: 'comment_value', value: 'Thanks for your request…' },
      ],
      'macro',
    );
    assert.deepEqual(result.patch, {
      status: 'solved',
      priority: 'normal',
      type: 'incident',
      assignee_id: 7,
    });
    assert.deepEqual(result.comment, {
      body: 'Thanks for your request…',
      public: true,
      channel: 'channel:all',
    });
  });

  it("resolves a macro's group_id current_groups to the agent's group, or leaves the group", () => {
    const actions = parseActions([{ field: 'group_id', value: 'current_groups' }], 'macro');
    const withGroup = applyActions(actions, TICKET, { currentUserId: 7, currentGroupId: 12 });
    assert.deepEqual(withGroup.patch, { group_id: 12 });
    const without = applyActions(actions, TICKET, { currentUserId: 7, currentGroupId: null });
    assert.deepEqual(without.patch, {});
    assert.equal(without.next.group_id, null);
  });

  it("carries the standard triggers' notifications as data (§3.5)", () => {
    const result = apply([
      {
        field: 'notification_user',
        value: [
          'requester_id',
          'Request received: {{ticket.title}}',
          '{{ticket.comments_formatted}}',
        ],
      },
      { field: 'notification_user', value: ['all_agents', 'New', 'Body'] },
      { field: 'notification_user', value: ['12', 'To one', 'Body'] },
      { field: 'notification_group', value: ['group_id', 'Assigned', 'Body'] },
      { field: 'notification_group', value: [20455932, 'To a group', 'Body'] },
      { field: 'notification_webhook', value: ['3', '{"ticket": "{{ticket.id}}"}'] },
    ]);
    assert.deepEqual(result.patch, {});
    assert.deepEqual(result.effects, [
      {
        type: 'notification_user',
        recipient: 'requester_id',
        subject: 'Request received: {{ticket.title}}',
        body: '{{ticket.comments_formatted}}',
      },
      { type: 'notification_user', recipient: 'all_agents', subject: 'New', body: 'Body' },
      { type: 'notification_user', recipient: 12, subject: 'To one', body: 'Body' },
      { type: 'notification_group', recipient: 'group_id', subject: 'Assigned', body: 'Body' },
      { type: 'notification_group', recipient: 20455932, subject: 'To a group', body: 'Body' },
      { type: 'notification_webhook', webhookId: 3, body: '{"ticket": "{{ticket.id}}"}' },
    ]);
  });

  it('clears with "" where a field may be empty', () => {
    const result = apply([
      { field: 'assignee_id', value: '' },
      { field: 'group_id', value: '' },
      { field: 'type', value: '' },
    ]);
    assert.deepEqual(result.patch, { assignee_id: null, group_id: null, type: null });
  });

  it('sets the brand (triggers) and the subject (macros)', () => {
    assert.deepEqual(apply([{ field: 'brand_id', value: 2 }]).patch, { brand_id: 2 });
    const subject = apply([{ field: 'subject', value: 'current_user' }], 'macro');
    assert.deepEqual(subject.patch, { subject: 'current_user' });
  });

  it('lets a later action on a field win', () => {
    const result = apply([
      { field: 'status', value: 'open' },
      { field: 'status', value: 'pending' },
    ]);
    assert.deepEqual(result.patch, { status: 'pending' });
  });
});

describe('rule actions: tags', () => {
  it('set_tags replaces, current_tags adds, remove_tags removes', () => {
    assert.deepEqual(apply([{ field: 'set_tags', value: 'a B' }]).next.tags, ['a', 'b']);
    assert.deepEqual(apply([{ field: 'current_tags', value: 'new' }]).next.tags, [
      'vip',
      'billing',
      'new',
    ]);
    assert.deepEqual(apply([{ field: 'remove_tags', value: 'vip' }]).next.tags, ['billing']);
  });

  it('keeps their order: a tag added after its removal stays, and the other way round', () => {
    const readded = apply([
      { field: 'remove_tags', value: 'vip' },
      { field: 'current_tags', value: 'vip' },
    ]);
    assert.deepEqual(readded.patch, { additional_tags: ['vip'] });
    assert.deepEqual(readded.next.tags, ['vip', 'billing']);
    const dropped = apply([
      { field: 'current_tags', value: 'x' },
      { field: 'remove_tags', value: 'x vip' },
    ]);
    assert.deepEqual(dropped.patch, { remove_tags: ['x', 'vip'] });
    assert.deepEqual(dropped.next.tags, ['billing']);
    const afterSet = apply([
      { field: 'current_tags', value: 'lost' },
      { field: 'set_tags', value: 'a b' },
      { field: 'current_tags', value: 'c' },
      { field: 'remove_tags', value: 'a' },
    ]);
    assert.deepEqual(afterSet.patch, { tags: ['b', 'c'] });
    assert.deepEqual(afterSet.next.tags, ['b', 'c']);
  });
});

describe('rule actions: comments (macros)', () => {
  it('adds an internal note with comment_mode_is_public false', () => {
    const result = apply(
      [
        { field: 'comment_mode_is_public', value: 'false' },
        { field: 'comment_value', value: ['channel:web', 'Checked the logs'] },
      ],
      'macro',
    );
    assert.deepEqual(result.comment, {
      body: 'Checked the logs',
      public: false,
      channel: 'channel:web',
    });
  });

  it('adds an HTML comment, and nothing when only the mode is given', () => {
    const html = apply([{ field: 'comment_value_html', value: '<p>Hi</p>' }], 'macro');
    assert.deepEqual(html.comment, {
      html_body: '<p>Hi</p>',
      public: true,
      channel: 'channel:all',
    });
    const modeOnly = apply([{ field: 'comment_mode_is_public', value: true }], 'macro');
    assert.equal(modeOnly.comment, null);
  });
});

describe('rule actions: refusals name what is wrong', () => {
  it('refuses an unknown field', () => {
    assert.deepEqual(refused([{ field: 'colour', value: 'red' }]), {
      'actions[0].field': ['actions[0].field: "colour" is not an action field'],
    });
  });

  it('refuses a field the kind of rule cannot use', () => {
    assert.match(
      refused([{ field: 'comment_value', value: 'Hi' }])['actions[0].field']![0]!,
      /comment_value is not an action of triggers \(only macro\)/,
    );
    assert.ok(
      refused([{ field: 'notification_user', value: ['requester_id', 's', 'b'] }], 'macro')[
        'actions[0].field'
      ],
    );
    assert.ok(refused([{ field: 'brand_id', value: 2 }], 'automation')['actions[0].field']);
    assert.ok(refused([{ field: 'subject', value: 'x' }], 'trigger')['actions[0].field']);
  });

  it('refuses a value the field does not take', () => {
    const cases: [string, unknown, ActionRuleKind][] = [
      ['status', 'reopened', 'trigger'],
      ['status', 'new', 'macro'],
      ['status', 'closed', 'macro'],
      ['priority', '', 'trigger'],
      ['type', 'bug', 'trigger'],
      ['group_id', 'current_groups', 'trigger'],
      ['group_id', 'abc', 'trigger'],
      ['assignee_id', 0, 'trigger'],
      ['assignee_id', 'requester', 'trigger'],
      ['brand_id', '', 'trigger'],
      ['set_tags', true, 'trigger'],
      ['subject', 5, 'macro'],
      ['comment_value', ['channel:sms', 'Hi'], 'macro'],
      ['comment_value', ['Hi'], 'macro'],
      ['comment_mode_is_public', 'yes', 'macro'],
      ['notification_user', ['someone', 's', 'b'], 'trigger'],
      ['notification_user', ['requester_id', 's'], 'trigger'],
      ['notification_user', 'requester_id', 'trigger'],
      ['notification_group', ['assignee_id', 's', 'b'], 'trigger'],
      ['notification_webhook', ['hook', 'body'], 'trigger'],
      ['notification_webhook', ['3'], 'trigger'],
    ];
    for (const [field, value, kind] of cases) {
      const message = refused([{ field, value }], kind)['actions[0].value']?.[0];
      assert.ok(message, `${field} ${JSON.stringify(value)} (${kind})`);
      assert.ok(message.includes(`${JSON.stringify(value)} is not a value for ${field}`), message);
    }
  });

  it('refuses a missing value, unknown keys, no actions and a non-list', () => {
    assert.match(refused([{ field: 'status' }])['actions[0].value']![0]!, /is required for status/);
    assert.match(
      refused([{ field: 'status', value: 'open', operator: 'is' }])['actions[0]']![0]!,
      /unknown key "operator"/,
    );
    assert.match(refused([])['actions']![0]!, /at least one action/);
    assert.ok(refused({ field: 'status', value: 'open' })['actions']);
  });

  it('names every bad action at once', () => {
    const details = refused([
      { field: 'status', value: 'open' },
      { field: 'nope', value: 1 },
      { field: 'priority', value: 'critical' },
    ]);
    assert.deepEqual(Object.keys(details), ['actions[1].field', 'actions[2].value']);
  });
});
