import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/desk/errors.ts';
import type { FieldTable } from '../../src/desk/tickets/ticket-fields.ts';
import { TICKET_FIELDS } from '../../src/desk/tickets/ticket-fields.ts';
import { CONDITION_FIELDS, ticketConditionFields } from '../../src/rules/condition-fields.ts';
import { conditionsOfRule, parseConditions } from '../../src/rules/conditions.ts';
import type { RuleKind } from '../../src/rules/condition-fields.ts';

// Conditions in Zendesk's JSON (the shared reference's §3.1–3.3, §4, §6): what parses, in
// what canonical form, and how each kind of bad input is refused, named with its path.

function refused(input: unknown, kind: RuleKind = 'trigger'): Record<string, string[]> {
  try {
    parseConditions(input, { kind });
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return Object.fromEntries(
      Object.entries(err.details).map(([k, v]) => [k, v.map((d) => d.description)]),
    );
  }
  assert.fail('expected the conditions to be refused');
}

const one = (field: string, operator: string, value?: unknown) => ({
  all: [{ field, operator, ...(value === undefined ? {} : { value }) }],
});

describe('rule conditions: Zendesk JSON parses', () => {
  it("parses the triggers page's example (§3.1)", () => {
    const parsed = parseConditions(
      {
        all: [
          { field: 'status', operator: 'is', value: 'open' },
          { field: 'priority', operator: 'less_than', value: 'high' },
        ],
        any: [],
      },
      { kind: 'trigger' },
    );
    assert.deepEqual(parsed, {
      all: [
        { field: 'status', operator: 'is', value: 'open' },
        { field: 'priority', operator: 'less_than', value: 'high' },
      ],
      any: [],
    });
  });

  it('parses the standard triggers (§3.5)', () => {
    const standard = [
      [
        { field: 'update_type', operator: 'is', value: 'Create' },
        { field: 'status', operator: 'is_not', value: 'solved' },
      ],
      [
        { field: 'update_type', operator: 'is', value: 'Change' },
        { field: 'comment_is_public', operator: 'is', value: 'requester_can_see_comment' },
        { field: 'requester_id', operator: 'is_not', value: 'current_user' },
        { field: 'status', operator: 'not_value', value: 'solved' },
      ],
      [
        { field: 'status', operator: 'value', value: 'solved' },
        { field: 'comment_is_public', operator: 'is', value: 'requester_can_see_comment' },
      ],
      [
        { field: 'comment_is_public', operator: 'is', value: 'not_relevant' },
        { field: 'assignee_id', operator: 'is_not', value: 'current_user' },
        { field: 'assignee_id', operator: 'is_not', value: 'requester_id' },
        { field: 'assignee_id', operator: 'not_changed', value: null },
        { field: 'status', operator: 'not_value_previous', value: 'solved' },
      ],
      [
        { field: 'assignee_id', operator: 'changed' },
        { field: 'assignee_id', operator: 'is_not', value: 'current_user' },
      ],
      [
        { field: 'assignee_id', operator: 'is_not', value: 'current_user' },
        { field: 'status', operator: 'value_previous', value: 'solved' },
        { field: 'status', operator: 'is_not', value: 'closed' },
      ],
      [
        { field: 'group_id', operator: 'changed', value: '' },
        { field: 'group_id', operator: 'is_not', value: '' },
        { field: 'assignee_id', operator: 'is', value: '' },
      ],
      [
        { field: 'update_type', operator: 'is', value: 'Change' },
        { field: 'current_via_id', operator: 'is', value: '4' },
        { field: 'assignee_id', operator: 'is', value: '' },
        { field: 'role', operator: 'is_not', value: 'end_user' },
      ],
    ];
    for (const all of standard) {
      const parsed = parseConditions({ all, any: [] }, { kind: 'trigger' });
      assert.equal(parsed.all.length, all.length);
    }
  });

  it('gives values their canonical form', () => {
    const parse = (field: string, operator: string, value?: unknown) =>
      parseConditions(one(field, operator, value), { kind: 'trigger' }).all[0]!.value;
    assert.equal(parse('group_id', 'is', '20455932'), 20455932);
    assert.equal(parse('group_id', 'is', 20455932), 20455932);
    assert.equal(parse('group_id', 'is', ''), null);
    assert.equal(parse('priority', 'is', ''), null);
    assert.equal(parse('assignee_id', 'is', 'current_user'), 'current_user');
    assert.equal(parse('assignee_id', 'changed', null), null);
    assert.deepEqual(parse('current_tags', 'includes', 'VIP  urgent_fix'), ['vip', 'urgent_fix']);
    assert.deepEqual(parse('via_id', 'includes', '91 5'), [91, 5]);
    assert.deepEqual(parse('via_id', 'includes', [91, '0']), [91, 0]);
    assert.equal(parse('via_id', 'is', 91), 91);
    assert.equal(parse('reopens', 'greater_than', '2'), 2);
    assert.equal(parse('comment_is_public', 'is', true), 'true');
    assert.equal(parse('requester.custom_fields.plan', 'is', 'gold'), 'gold');
    assert.equal(parse('slack_connection_id', 'is', '3'), 3);
  });

  it('accepts the legacy top-level all/any (views) and an absent any', () => {
    const parsed = conditionsOfRule(
      { all: [{ field: 'status', operator: 'less_than', value: 'solved' }] },
      'view',
    );
    assert.deepEqual(parsed.any, []);
    assert.equal(parsed.all[0]!.operator, 'less_than');
    assert.deepEqual(conditionsOfRule({}, 'trigger'), { all: [], any: [] });
  });

  it('knows the time conditions of automations and views (§4)', () => {
    const parsed = parseConditions(one('SOLVED', 'greater_than', '96'), { kind: 'automation' });
    assert.equal(parsed.all[0]!.value, 96);
  });
});

describe('rule conditions: the catalogue', () => {
  it('derives the ticket fields from TICKET_FIELDS', () => {
    assert.deepEqual(CONDITION_FIELDS.status!.value, {
      kind: 'enum',
      values: TICKET_FIELDS.status.values,
      blank: false,
      ordered: true,
    });
    assert.deepEqual(CONDITION_FIELDS.type!.operators, ['is', 'is_not']);
    assert.ok(CONDITION_FIELDS.group_id!.operators.includes('value_previous'));
    assert.ok(CONDITION_FIELDS.brand_id!.operators.includes('changed_to'));
    assert.ok(!CONDITION_FIELDS.brand_id!.operators.includes('value'));
  });

  it('makes a field added to the ticket fields a condition', () => {
    const table: FieldTable = {
      ...TICKET_FIELDS,
      severity: {
        kind: 'enum',
        values: ['s1', 's2'],
        column: 'subject',
        nullable: true,
        audited: true,
        writable: true,
      },
    };
    const fields = ticketConditionFields(table);
    assert.deepEqual(fields.severity!.value, {
      kind: 'enum',
      values: ['s1', 's2'],
      blank: true,
      ordered: false,
    });
    assert.ok(fields.severity!.operators.includes('changed'));
  });
});

describe('rule conditions: refusals name what is wrong', () => {
  it('refuses an unknown field', () => {
    assert.deepEqual(refused(one('colour', 'is', 'red')), {
      'conditions.all[0].field': ['conditions.all[0].field: "colour" is not a condition field'],
    });
  });

  it('refuses an operator the field does not have', () => {
    const all = [
      { field: 'status', operator: 'is', value: 'open' },
      { field: 'status', operator: 'is', value: 'open' },
      { field: 'status', operator: 'contains', value: 'open' },
    ];
    const details = refused({ all });
    assert.match(
      details['conditions.all[2].operator']![0]!,
      /^conditions\.all\[2\]\.operator: "contains" is not an operator for status \(allowed: is, is_not/,
    );
    assert.ok(refused(one('type', 'less_than', 'task'))['conditions.all[0].operator']);
    assert.ok(refused(one('update_type', 'is_not', 'Create'))['conditions.all[0].operator']);
    assert.ok(refused(one('status', 'changed_to', 'open'))['conditions.all[0].operator']);
  });

  it('refuses a value the field does not take', () => {
    const cases: [string, string, unknown][] = [
      ['status', 'is', 'reopened'],
      ['status', 'is', ''],
      ['priority', 'is', 'critical'],
      ['group_id', 'is', 'current_user'],
      ['group_id', 'is', 'abc'],
      ['group_id', 'is', -3],
      ['assignee_id', 'is', ['1']],
      ['update_type', 'is', 'create'],
      ['role', 'is', 'end-user'],
      ['comment_is_public', 'is', 'yes'],
      ['via_id', 'is', 1234],
      ['current_via_id', 'is', 'slack'],
      ['reopens', 'greater_than', '1.5'],
      ['brand_id', 'is', ''],
    ];
    for (const [field, operator, value] of cases) {
      const details = refused(one(field, operator, value));
      const message = details['conditions.all[0].value']?.[0];
      assert.ok(message, `${field} ${operator} ${JSON.stringify(value)}`);
      assert.ok(message.includes(`${JSON.stringify(value)} is not a value for ${field}`), message);
    }
  });

  it('refuses a missing value, and a value on a terminal operator', () => {
    assert.match(
      refused(one('status', 'is'))['conditions.all[0].value']![0]!,
      /is required for status is/,
    );
    assert.match(
      refused(one('status', 'changed', 'open'))['conditions.all[0].value']![0]!,
      /changed takes no value, got "open"/,
    );
  });

  it('refuses unknown keys and malformed shapes', () => {
    assert.ok(refused({ all: [], none: [] })['conditions']![0]!.includes('"none"'));
    const details = refused({ all: [{ field: 'status', operator: 'is', value: 'open', x: 1 }] });
    assert.ok(details['conditions.all[0]']![0]!.includes('unknown key "x"'));
    assert.ok(refused({ all: 'status is open' })['conditions.all']);
    assert.ok(refused({ any: [{ field: 'status' }] })['conditions.any[0].operator']);
  });

  it('refuses trigger-only fields and change operators elsewhere', () => {
    assert.match(
      refused(one('update_type', 'is', 'Create'), 'automation')['conditions.all[0].field']![0]!,
      /update_type is not a condition of automations/,
    );
    assert.match(
      refused(one('status', 'changed'), 'view')['conditions.all[0].operator']![0]!,
      /triggers only/,
    );
    assert.ok(refused(one('NEW', 'greater_than', 2), 'trigger')['conditions.all[0].field']);
  });

  it('names every bad condition at once, in all and any', () => {
    const details = refused({
      all: [{ field: 'nope', operator: 'is', value: 1 }],
      any: [{ field: 'status', operator: 'is', value: 'nope' }],
    });
    assert.deepEqual(Object.keys(details).sort(), [
      'conditions.all[0].field',
      'conditions.any[0].value',
    ]);
  });

  it('names legacy top-level conditions without the wrapper', () => {
    try {
      conditionsOfRule({ all: [{ field: 'status', operator: 'is', value: 'x' }] }, 'view');
      assert.fail('expected a refusal');
    } catch (err) {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(Object.keys(err.details), ['all[0].value']);
    }
  });
});
