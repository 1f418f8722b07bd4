import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ticket, User } from '../../src/db/types.ts';
import { planTicketWrite, type FieldChange } from '../../src/desk/tickets/plan-ticket-write.ts';
import type { TicketFields } from '../../src/desk/tickets/ticket-fields.ts';
import {
  CONDITION_FIELDS,
  type Operator,
  type RuleKind,
} from '../../src/rules/condition-fields.ts';
import { parseConditions } from '../../src/rules/conditions.ts';
import { holds, matches, type RuleFacts } from '../../src/rules/evaluate.ts';

// Zendesk's semantics of conditions (the shared reference's §3.2–3.3): each field and
// operator of the catalogue holds in one case and fails in another, and the whole catalogue
// is checked to be covered.

const BASE: TicketFields = {
  subject: 'Printer on fire',
  status: 'open',
  priority: 'normal',
  type: 'question',
  requester_id: 1,
  submitter_id: 1,
  assignee_id: 2,
  group_id: 10,
  organization_id: 20,
  brand_id: 1,
  tags: ['vip', 'billing'],
  external_id: null,
  due_at: null,
  recipient: null,
};

function changesOf(previous: TicketFields | null, next: TicketFields): FieldChange[] {
  const out: FieldChange[] = [];
  for (const key of Object.keys(next) as (keyof TicketFields)[]) {
    const before = previous ? previous[key] : null;
    if (JSON.stringify(before) === JSON.stringify(next[key])) continue;
    if (!previous && (next[key] === null || JSON.stringify(next[key]) === '[]')) continue;
    out.push({ field: key, previous: before, value: next[key] } as FieldChange);
  }
  return out;
}

/** An update from BASE + `before` to BASE + `before` + `after`, by the requester (user 1). */
function update(
  before: Partial<TicketFields> = {},
  after: Partial<TicketFields> = {},
  extra: Partial<RuleFacts> = {},
): RuleFacts {
  const previous = { ...BASE, ...before };
  const next = { ...previous, ...after };
  return {
    next,
    previous,
    changes: changesOf(previous, next),
    comment: { body: 'The printer is on fire, AGAIN!', public: true, authorRole: 'end_user' },
    actor: { id: 1, role: 'end_user' },
    requester: {
      role: 'end_user',
      email: 'ann@Example.com',
      tags: ['gold'],
      fields: { plan: 'Gold plus', seats: 12 },
    },
    organization: { tags: ['enterprise'], fields: { region: 'EMEA north' } },
    viaId: 91,
    currentViaId: 91,
    slackConnectionId: 3,
    counts: { reopens: 1, agentReplies: 2 },
    ...extra,
  };
}

function create(fields: Partial<TicketFields> = {}, extra: Partial<RuleFacts> = {}): RuleFacts {
  const next = { ...BASE, status: 'new', assignee_id: null, ...fields } as TicketFields;
  return { ...update(), next, previous: null, changes: changesOf(null, next), ...extra };
}

type Case = [
  field: string,
  operator: Operator,
  value: unknown,
  facts: RuleFacts,
  expected: boolean,
];

const cases: Case[] = [];
const covered = new Map<string, Set<boolean>>();

function add(
  field: string,
  operator: Operator,
  value: unknown,
  facts: RuleFacts,
  expected: boolean,
) {
  cases.push([field, operator, value, facts, expected]);
}

/**
 * The change operators of a field that changes from `from` to `to` (and `other`, a value it
 * is neither): each holds once and fails once.
 */
function changeCases(field: keyof TicketFields, from: unknown, to: unknown, other: unknown) {
  const raw = (v: unknown) => (v === null ? '' : v);
  const changed = update({ [field]: from }, { [field]: to });
  const quiet = update({ [field]: to });
  const names: Operator[] =
    field === 'brand_id'
      ? ['changed_to', 'changed_from', 'not_changed_to', 'not_changed_from']
      : ['value', 'value_previous', 'not_value', 'not_value_previous'];
  const [toOp, fromOp, notToOp, notFromOp] = names as [Operator, Operator, Operator, Operator];
  add(field, 'is', raw(to), changed, true);
  add(field, 'is', raw(from), changed, false);
  add(field, 'is_not', raw(from), changed, true);
  add(field, 'is_not', raw(to), changed, false);
  add(field, 'changed', null, changed, true);
  add(field, 'changed', null, quiet, false);
  add(field, 'not_changed', null, quiet, true);
  add(field, 'not_changed', null, changed, false);
  add(field, toOp, raw(to), changed, true);
  add(field, toOp, raw(other), changed, false);
  add(field, toOp, raw(to), quiet, false);
  add(field, fromOp, raw(from), changed, true);
  add(field, fromOp, raw(other), changed, false);
  add(field, notToOp, raw(other), changed, true);
  add(field, notToOp, raw(to), quiet, true);
  add(field, notToOp, raw(to), changed, false);
  add(field, notFromOp, raw(other), changed, true);
  add(field, notFromOp, raw(from), changed, false);
}

changeCases('status', 'open', 'pending', 'solved');
changeCases('priority', 'normal', 'high', 'low');
changeCases('priority', null, 'low', 'urgent');
changeCases('group_id', 10, 11, 12);
changeCases('group_id', null, 11, 12);
changeCases('assignee_id', 2, 3, 4);
changeCases('requester_id', 1, 5, 6);
changeCases('submitter_id', 1, 5, 6);
changeCases('organization_id', 20, 21, 22);
changeCases('brand_id', 1, 2, 3);

// Ordered fields: Zendesk's order for status and priority, numbers for brands.
const u = update();
add('status', 'less_than', 'pending', u, true);
add('status', 'less_than', 'open', u, false);
add('status', 'greater_than', 'new', u, true);
add('status', 'greater_than', 'solved', u, false);
add('priority', 'less_than', 'high', u, true);
add('priority', 'less_than', 'low', u, false);
add('priority', 'greater_than', 'low', u, true);
add('priority', 'greater_than', 'urgent', u, false);
// No priority is below low (UNVERIFIED in the reference; Zendesk's dropdown order).
add('priority', 'less_than', 'low', update({ priority: null }), true);
add('priority', 'greater_than', 'low', update({ priority: null }), false);
add('brand_id', 'less_than', '2', u, true);
add('brand_id', 'less_than', '1', u, false);
add('brand_id', 'greater_than', '0', u, true);
add('brand_id', 'greater_than', '1', u, false);
add('type', 'is', 'question', u, true);
add('type', 'is', 'task', u, false);
add('type', 'is_not', 'task', u, true);
add('type', 'is_not', 'question', u, false);
add('type', 'is', '', update({ type: null }), true);

// current_user, requester_id and "" (none).
const byAgent = update({}, {}, { actor: { id: 2, role: 'agent' } });
add('assignee_id', 'is', 'current_user', byAgent, true);
add('assignee_id', 'is', 'current_user', u, false);
add('assignee_id', 'is_not', 'requester_id', u, true);
add('assignee_id', 'is', 'requester_id', update({ assignee_id: 1 }), true);
add('assignee_id', 'is', '', create(), true);
add('assignee_id', 'is', '', u, false);
add('requester_id', 'is', 'current_user', u, true);
add('requester_id', 'is_not', 'current_user', byAgent, true);
add(
  'assignee_id',
  'value',
  'current_user',
  update({ assignee_id: null }, { assignee_id: 2 }, { actor: byAgent.actor }),
  true,
);

// Tags: includes any of the words, not_includes none of them.
add('current_tags', 'includes', 'other VIP', u, true);
add('current_tags', 'includes', 'other none', u, false);
add('current_tags', 'not_includes', 'other none', u, true);
add('current_tags', 'not_includes', 'billing none', u, false);
add('requester.tags', 'includes', 'gold', u, true);
add('requester.tags', 'includes', 'silver', u, false);
add('requester.tags', 'not_includes', 'silver', u, true);
add('requester.tags', 'not_includes', 'gold', u, false);
add('organization.tags', 'includes', 'enterprise', u, true);
add('organization.tags', 'includes', 'enterprise', update({}, {}, { organization: null }), false);
add('organization.tags', 'not_includes', 'smb', u, true);
add('organization.tags', 'not_includes', 'enterprise smb', u, false);

// Words in the subject and in this update's comment.
for (const field of ['subject_includes_word', 'comment_includes_word']) {
  add(field, 'includes', 'water fire', u, true);
  add(field, 'includes', 'fir', u, false);
  add(field, 'not_includes', 'water', u, true);
  add(field, 'not_includes', 'FIRE', u, false);
  add(field, 'is', 'on fire', u, true);
  add(field, 'is', 'on water', u, false);
  add(field, 'is_not', 'on water', u, true);
  add(field, 'is_not', 'ON FIRE', u, false);
}
add('comment_includes_word', 'includes', '"is on fire" smoke', u, true);
add('comment_includes_word', 'includes', '"fire is"', u, false);
add('comment_includes_word', 'includes', 'fire', update({}, {}, { comment: null }), false);
add('comment_includes_word', 'not_includes', 'fire', update({}, {}, { comment: null }), true);

// The update itself.
add('update_type', 'is', 'Create', create(), true);
add('update_type', 'is', 'Create', u, false);
add('update_type', 'is', 'Change', u, true);
const note = update({}, {}, { comment: { body: 'x', public: false, authorRole: 'agent' } });
const noComment = update({}, {}, { comment: null });
add('comment_is_public', 'is', 'true', u, true);
add('comment_is_public', 'is', 'true', note, false);
add('comment_is_public', 'is', 'false', note, true);
add('comment_is_public', 'is', 'false', noComment, false);
add('comment_is_public', 'is', 'not_relevant', note, true);
add('comment_is_public', 'is', 'not_relevant', noComment, false);
add('comment_is_public', 'is', 'requester_can_see_comment', u, true);
add('comment_is_public', 'is', 'requester_can_see_comment', note, false);
add('comment_is_public', 'is_not', 'true', note, true);
add('comment_is_public', 'is_not', 'true', u, false);
add('role', 'is', 'end_user', u, true);
add('role', 'is', 'agent', u, false);
add('role', 'is_not', 'end_user', byAgent, true);
add('role', 'is_not', 'agent', byAgent, false);
add('requester_role', 'is', 'end_user', u, true);
add('requester_role', 'is', 'admin', u, false);
add('requester_role', 'is_not', 'agent', u, true);
add('requester_role', 'is_not', 'end_user', u, false);

// Channels: via ids (91 Slack, 5 API, 0 web form) and the Slack connection.
const byApi = update({}, {}, { currentViaId: 5 });
add('via_id', 'is', '91', u, true);
add('via_id', 'is', '5', u, false);
add('via_id', 'is_not', '5', u, true);
add('via_id', 'is_not', '91', u, false);
add('via_id', 'includes', '0 91', u, true);
add('via_id', 'includes', '0 5', u, false);
add('via_id', 'not_includes', '0 5', u, true);
add('via_id', 'not_includes', [91], u, false);
add('current_via_id', 'is', '5', byApi, true);
add('current_via_id', 'is', '91', byApi, false);
add('current_via_id', 'is_not', '91', byApi, true);
add('current_via_id', 'is_not', '5', byApi, false);
add('slack_connection_id', 'is', '3', u, true);
add('slack_connection_id', 'is', '4', u, false);
add('slack_connection_id', 'is', '', update({}, {}, { slackConnectionId: null }), true);
add('slack_connection_id', 'is_not', '4', u, true);
add('slack_connection_id', 'is_not', '3', u, false);

// The requester and the organization.
add('requester.email_domain', 'is', 'example.com', u, true);
add('requester.email_domain', 'is', 'example.org', u, false);
add('requester.email_domain', 'is_not', 'example.org', u, true);
add('requester.email_domain', 'is_not', 'EXAMPLE.com', u, false);
for (const [field, value, word] of [
  ['requester.custom_fields.plan', 'gold plus', 'plus'],
  ['organization.custom_fields.region', 'emea north', 'north'],
] as const) {
  add(field, 'is', value, u, true);
  add(field, 'is', 'other', u, false);
  add(field, 'is_not', 'other', u, true);
  add(field, 'is_not', value, u, false);
  add(field, 'present', null, u, true);
  add(
    field,
    'present',
    null,
    update({}, {}, { organization: null, requester: { ...u.requester, fields: {} } }),
    false,
  );
  add(
    field,
    'not_present',
    null,
    update({}, {}, { organization: null, requester: { ...u.requester, fields: {} } }),
    true,
  );
  add(field, 'not_present', null, u, false);
  add(field, 'includes', `${word} x`, u, true);
  add(field, 'includes', 'plu nort', u, false);
  add(field, 'not_includes', 'x y', u, true);
  add(field, 'not_includes', word, u, false);
  add(field, 'includes_string', word.slice(0, 3), u, true);
  add(field, 'includes_string', 'zzz', u, false);
  add(field, 'not_includes_string', 'zzz', u, true);
  add(field, 'not_includes_string', word.slice(1), u, false);
}

// Counts: reopens, replies (Zendesk counts agent replies) and agent_replies.
for (const [field, n] of [
  ['reopens', 1],
  ['replies', 2],
  ['agent_replies', 2],
] as const) {
  add(field, 'is', n, u, true);
  add(field, 'is', n + 1, u, false);
  add(field, 'less_than', n + 1, u, true);
  add(field, 'less_than', n, u, false);
  add(field, 'greater_than', n - 1, u, true);
  add(field, 'greater_than', n, u, false);
}

// Automations' and views' hours since an event.
for (const [name, f] of Object.entries(CONDITION_FIELDS)) {
  if (f.where.includes('trigger')) continue;
  const at5 = update({}, {}, { hours: { [name]: 5 } });
  add(name, 'is', 5, at5, true);
  add(name, 'is', 4, at5, false);
  add(name, 'less_than', 6, at5, true);
  add(name, 'less_than', 5, at5, false);
  add(name, 'greater_than', 4, at5, true);
  add(name, 'greater_than', 5, at5, false);
  add(name, 'greater_than', 0, u, false);
}

function kindFor(field: string): RuleKind {
  return CONDITION_FIELDS[field]?.where.includes('trigger') === false ? 'automation' : 'trigger';
}

describe('rule evaluation: each field and operator', () => {
  for (const [field, operator, value, facts, expected] of cases) {
    const label = `${field} ${operator} ${JSON.stringify(value)} → ${expected}`;
    it(label, () => {
      const raw = { field, operator, ...(value === null ? {} : { value }) };
      const [condition] = parseConditions({ all: [raw] }, { kind: kindFor(field) }).all;
      assert.equal(holds(condition!, facts), expected);
      const key = `${field.replace(/\.custom_fields\..*/, '.custom_fields')} ${operator}`;
      (covered.get(key) ?? covered.set(key, new Set()).get(key)!).add(expected);
    });
  }

  it('covers every field and operator of the catalogue, holding and failing', () => {
    const missing: string[] = [];
    const catalogue = Object.entries(CONDITION_FIELDS).map(([n, f]) => [n, f.operators] as const);
    const attributeOps = [
      'is',
      'is_not',
      'present',
      'not_present',
      'includes',
      'not_includes',
      'includes_string',
      'not_includes_string',
    ] as const;
    catalogue.push(
      ['requester.custom_fields', attributeOps],
      ['organization.custom_fields', attributeOps],
    );
    for (const [name, operators] of catalogue) {
      for (const op of operators) {
        const seen = covered.get(`${name} ${op}`);
        if (!seen?.has(true) || !seen.has(false)) missing.push(`${name} ${op}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});

describe('rule evaluation: all and any', () => {
  const parse = (json: unknown) => parseConditions(json, { kind: 'trigger' });
  const open = { field: 'status', operator: 'is', value: 'open' };
  const pending = { field: 'status', operator: 'is', value: 'pending' };
  const vip = { field: 'current_tags', operator: 'includes', value: 'vip' };

  it('needs every all condition and one any condition; an empty any is true', () => {
    const f = update();
    assert.equal(matches(parse({ all: [open, vip] }), f), true);
    assert.equal(matches(parse({ all: [open, pending] }), f), false);
    assert.equal(matches(parse({ all: [vip], any: [pending, open] }), f), true);
    assert.equal(matches(parse({ all: [vip], any: [pending] }), f), false);
    assert.equal(matches(parse({ any: [open] }), f), true);
    assert.equal(matches(parse({}), f), true);
  });
});

describe('rule evaluation: change operators on create and update', () => {
  const c = (field: string, operator: string, value?: unknown) =>
    parseConditions({ all: [{ field, operator, value }] }, { kind: 'trigger' }).all[0]!;

  it('on a create, the fields set are changed (to) but never changed from', () => {
    const f = create({ group_id: 10, priority: 'high' });
    assert.equal(holds(c('group_id', 'changed'), f), true);
    assert.equal(holds(c('group_id', 'value', '10'), f), true);
    assert.equal(holds(c('group_id', 'value_previous', ''), f), false);
    assert.equal(holds(c('group_id', 'not_value_previous', ''), f), true);
    assert.equal(holds(c('status', 'value', 'new'), f), true);
    assert.equal(holds(c('assignee_id', 'changed'), f), false);
    assert.equal(holds(c('assignee_id', 'not_changed'), f), true);
  });

  it('on an update, a field set where there was none changed from ""', () => {
    const f = update({ group_id: null }, { group_id: 10 });
    assert.equal(holds(c('group_id', 'value_previous', ''), f), true);
    assert.equal(holds(c('group_id', 'not_value_previous', ''), f), false);
  });

  it("reads the desk's own plan: a create and an update planned by planTicketWrite", () => {
    const agent = { id: 2, role: 'agent' } as User;
    const planned = planTicketWrite(null, { brand_id: 1, group_id: 10 }, { body: 'Hi' }, agent, {
      now: '2026-01-01T00:00:00.000Z',
    });
    const facts = { ...create(), next: planned.next, previous: null, changes: planned.changes };
    assert.equal(holds(c('group_id', 'changed'), facts), true);
    assert.equal(holds(c('update_type', 'is', 'Create'), facts), true);
    const row = { ...planned.next, tags: '[]', id: 7 } as unknown as Ticket;
    const solved = planTicketWrite(row, { status: 'solved' }, null, agent, {
      now: '2026-01-01T00:00:00.000Z',
    });
    const next = {
      ...update(),
      next: solved.next,
      previous: solved.previous,
      changes: solved.changes,
    };
    assert.equal(holds(c('status', 'value', 'solved'), next), true);
    assert.equal(holds(c('status', 'value_previous', 'new'), next), true);
    assert.equal(
      holds(c('assignee_id', 'value', 'current_user'), {
        ...next,
        actor: { id: 2, role: 'agent' },
      }),
      true,
    );
  });
});
