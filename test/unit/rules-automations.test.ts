import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Ticket } from '../../src/db/types.ts';
import { ValidationError } from '../../src/desk/errors.ts';
import { hoursOf, wholeHours } from '../../src/rules/automation-facts.ts';
import {
  closesSolvedInTime,
  parseAutomationRule,
  signature,
} from '../../src/rules/automation-rule.ts';
import { parseConditions } from '../../src/rules/conditions.ts';
import { matches, type RuleFacts } from '../../src/rules/evaluate.ts';

// Automations' own checks (reference §4): a time condition, a nullifying condition or action,
// identical rules, the close-after-solved limits; and the hours their conditions read.

type C = [field: string, operator: string, value: unknown];
const rule = (all: C[], actions: [string, unknown][], any: C[] = []) => ({
  conditions: {
    all: all.map(([field, operator, value]) => ({ field, operator, value })),
    any: any.map(([field, operator, value]) => ({ field, operator, value })),
  },
  actions: actions.map(([field, value]) => ({ field, value })),
});

function refusal(body: unknown): Record<string, unknown> {
  try {
    parseAutomationRule(body as never);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.details;
  }
  assert.fail('expected a refusal');
}

const notify = ['notification_user', ['requester_id', 'Hi', 'Still there?']] as [string, unknown];

describe('automation nullification', () => {
  const accepted: [string, ReturnType<typeof rule>][] = [
    ['close after solved', rule([['SOLVED', 'greater_than', '96']], [['status', 'closed']])],
    ['an hours condition with is', rule([['PENDING', 'is', '24']], [notify])],
    ['NEW is, the one-hour window', rule([['NEW', 'is', 1]], [['priority', 'high']])],
    [
      'status is solved + status closed',
      rule(
        [
          ['status', 'is', 'solved'],
          ['updated_at', 'greater_than', '24'],
        ],
        [['status', 'closed']],
      ),
    ],
    [
      'status is pending + status open',
      rule(
        [
          ['status', 'is', 'pending'],
          ['updated_at', 'greater_than', 48],
        ],
        [['status', 'open']],
      ),
    ],
    [
      'tag not_includes x + adding x',
      rule(
        [
          ['current_tags', 'not_includes', 'reminded'],
          ['NEW', 'greater_than', 48],
        ],
        [notify, ['current_tags', 'reminded']],
      ),
    ],
    [
      'tag not_includes x + set_tags with x',
      rule(
        [
          ['current_tags', 'not_includes', 'a b'],
          ['NEW', 'greater_than', 4],
        ],
        [['set_tags', 'b']],
      ),
    ],
    [
      'tag includes x + removing x',
      rule(
        [
          ['current_tags', 'includes', 'waiting'],
          ['NEW', 'greater_than', 4],
        ],
        [['remove_tags', 'waiting']],
      ),
    ],
    [
      'tag includes x y + set_tags without either',
      rule(
        [
          ['current_tags', 'includes', 'x y'],
          ['NEW', 'greater_than', 4],
        ],
        [['set_tags', 'z']],
      ),
    ],
    [
      'priority less_than high + priority high',
      rule(
        [
          ['priority', 'less_than', 'high'],
          ['NEW', 'greater_than', 8],
        ],
        [['priority', 'high']],
      ),
    ],
    [
      'priority is_not urgent + priority urgent',
      rule(
        [
          ['priority', 'is_not', 'urgent'],
          ['NEW', 'greater_than', 8],
        ],
        [['priority', 'urgent']],
      ),
    ],
    [
      'PENDING greater_than + status open (no PENDING hours once open)',
      rule([['PENDING', 'greater_than', '120']], [['status', 'open']]),
    ],
    [
      'group_id is "" + a group',
      rule(
        [
          ['group_id', 'is', ''],
          ['NEW', 'greater_than', 2],
        ],
        [['group_id', '7']],
      ),
    ],
    [
      'assignee_id is 5 + unassign',
      rule(
        [
          ['assignee_id', 'is', '5'],
          ['assigned_at', 'greater_than', 72],
        ],
        [['assignee_id', '']],
      ),
    ],
    [
      'type is question + type incident',
      rule(
        [
          ['type', 'is', 'question'],
          ['NEW', 'greater_than', 2],
        ],
        [['type', 'incident']],
      ),
    ],
    [
      'every any condition nullified',
      rule(
        [['NEW', 'greater_than', 2]],
        [['status', 'open']],
        [
          ['status', 'is', 'new'],
          ['status', 'is', 'pending'],
        ],
      ),
    ],
    [
      'status closed whatever the conditions',
      rule([['NEW', 'greater_than', 2000]], [['status', 'closed']]),
    ],
  ];
  for (const [name, body] of accepted) {
    it(`accepts: ${name}`, () => {
      assert.doesNotThrow(() => parseAutomationRule(body));
    });
  }

  const refused: [string, ReturnType<typeof rule>][] = [
    ['a notification alone', rule([['PENDING', 'greater_than', '24']], [notify])],
    [
      'an action on another field',
      rule(
        [
          ['status', 'is', 'open'],
          ['NEW', 'greater_than', 24],
        ],
        [['priority', 'high']],
      ),
    ],
    [
      'an action that keeps the condition true',
      rule(
        [
          ['priority', 'less_than', 'high'],
          ['NEW', 'greater_than', 8],
        ],
        [['priority', 'normal']],
      ),
    ],
    [
      'status is pending + status pending',
      rule(
        [
          ['status', 'is', 'pending'],
          ['NEW', 'greater_than', 8],
        ],
        [['status', 'pending']],
      ),
    ],
    [
      'tag not_includes x + adding y',
      rule(
        [
          ['current_tags', 'not_includes', 'x'],
          ['NEW', 'greater_than', 48],
        ],
        [['current_tags', 'y']],
      ),
    ],
    [
      'tag includes x y + removing x only',
      rule(
        [
          ['current_tags', 'includes', 'x y'],
          ['NEW', 'greater_than', 4],
        ],
        [['remove_tags', 'x']],
      ),
    ],
    [
      'tag not_includes x + adding then removing x',
      rule(
        [
          ['current_tags', 'not_includes', 'x'],
          ['NEW', 'greater_than', 4],
        ],
        [
          ['current_tags', 'x'],
          ['remove_tags', 'x'],
        ],
      ),
    ],
    ['an hours condition with greater_than', rule([['updated_at', 'greater_than', 24]], [notify])],
    ['an hours condition with less_than', rule([['NEW', 'less_than', 24]], [['priority', 'high']])],
    [
      'only one any condition nullified',
      rule(
        [['NEW', 'greater_than', 2]],
        [['status', 'open']],
        [
          ['status', 'is', 'new'],
          ['priority', 'is', 'high'],
        ],
      ),
    ],
    [
      'SOLVED greater_than + status solved',
      rule([['SOLVED', 'greater_than', 24]], [['status', 'solved']]),
    ],
  ];
  for (const [name, body] of refused) {
    it(`refuses: ${name}`, () => {
      const details = refusal(body);
      assert.ok(details.base, JSON.stringify(details));
      assert.match(JSON.stringify(details.base), /nullifies one of its conditions/);
    });
  }

  it('refuses a rule without a time condition, naming conditions', () => {
    const details = refusal(rule([['status', 'is', 'solved']], [['status', 'closed']]));
    assert.match(JSON.stringify(details.conditions), /needs a time condition/);
  });

  it('refuses trigger-only fields and unknown fields with their path', () => {
    const details = refusal(
      rule(
        [
          ['update_type', 'is', 'Create'],
          ['NEW', 'is', 2],
        ],
        [notify],
      ),
    );
    assert.ok(details['conditions.all[0].field'], JSON.stringify(details));
    const unknown = refusal(rule([['NEW', 'is', 2]], [['comment_value', 'hi']]));
    assert.ok(unknown['actions[0].field'], JSON.stringify(unknown));
    const op = refusal(rule([['SOLVED', 'changed', null]], [['status', 'closed']]));
    assert.ok(op['conditions.all[0].operator'], JSON.stringify(op));
  });

  it('compares rules by their parsed form: spelling and condition order do not matter', () => {
    const a = parseAutomationRule(
      rule(
        [
          ['SOLVED', 'greater_than', '96'],
          ['priority', 'is', 'low'],
        ],
        [['status', 'closed']],
      ),
    );
    const b = parseAutomationRule(
      rule(
        [
          ['priority', 'is', 'low'],
          ['SOLVED', 'greater_than', 96],
        ],
        [['status', 'closed']],
      ),
    );
    const c = parseAutomationRule(rule([['SOLVED', 'greater_than', 97]], [['status', 'closed']]));
    assert.equal(signature(a), signature(b));
    assert.notEqual(signature(a), signature(c));
  });

  it('keeps the close-after-solved automation within 28 days', () => {
    const ok = parseAutomationRule(rule([['SOLVED', 'greater_than', 672]], [['status', 'closed']]));
    const late = parseAutomationRule(
      rule([['SOLVED', 'greater_than', 673]], [['status', 'closed']]),
    );
    const other = parseAutomationRule(rule([['NEW', 'greater_than', 72]], [['status', 'closed']]));
    assert.equal(closesSolvedInTime(ok), true);
    assert.equal(closesSolvedInTime(late), false);
    assert.equal(closesSolvedInTime(other), false);
  });
});

const T0 = '2026-01-01T00:00:00.000Z';
const at = (hours: number, minutes = 0) =>
  new Date(Date.parse(T0) + hours * 3_600_000 + minutes * 60_000);

function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: 1,
    status: 'open',
    created_at: T0,
    updated_at: T0,
    status_updated_at: T0,
    assigned_at: null,
    requester_updated_at: null,
    assignee_updated_at: null,
    due_at: null,
    ...over,
  } as Ticket;
}

function factsAt(t: Ticket, now: Date): RuleFacts {
  return { hours: hoursOf(t, now) } as RuleFacts;
}

describe('automation hours', () => {
  it('counts whole hours, floored', () => {
    assert.equal(wholeHours(T0, at(0, 59)), 0);
    assert.equal(wholeHours(T0, at(1)), 1);
    assert.equal(wholeHours(T0, at(95, 59)), 95);
    assert.equal(wholeHours(T0, at(96)), 96);
  });

  it('`is N` holds in the window N ≤ h < N+1 only; greater_than 96 from 97 h', () => {
    const is24 = parseConditions(
      { all: [{ field: 'PENDING', operator: 'is', value: '24' }] },
      {
        kind: 'automation',
      },
    );
    const pending = ticket({ status: 'pending' });
    assert.equal(matches(is24, factsAt(pending, at(23, 59))), false);
    assert.equal(matches(is24, factsAt(pending, at(24))), true);
    assert.equal(matches(is24, factsAt(pending, at(24, 59))), true);
    assert.equal(matches(is24, factsAt(pending, at(25))), false);
    const gt96 = parseConditions(
      { all: [{ field: 'SOLVED', operator: 'greater_than', value: 96 }] },
      { kind: 'automation' },
    );
    const solved = ticket({ status: 'solved' });
    assert.equal(matches(gt96, factsAt(solved, at(95))), false);
    assert.equal(matches(gt96, factsAt(solved, at(96, 59))), false);
    assert.equal(matches(gt96, factsAt(solved, at(97))), true);
  });

  it('status hours exist only in that status, from when it was set', () => {
    const t = ticket({ status: 'solved', status_updated_at: at(10).toISOString() });
    const h = hoursOf(t, at(30));
    assert.equal(h.SOLVED, 20);
    assert.equal(h.NEW, 30);
    assert.equal(h.PENDING, undefined);
    assert.equal(h.OPEN, undefined);
    assert.equal(h.updated_at, 30);
    assert.equal(h.assigned_at, undefined);
  });

  it('reads assigned, requester and assignee update times when they are set', () => {
    const t = ticket({
      assigned_at: at(2).toISOString(),
      requester_updated_at: at(5).toISOString(),
      assignee_updated_at: at(7).toISOString(),
      updated_at: at(7).toISOString(),
    });
    const h = hoursOf(t, at(10, 30));
    assert.deepEqual(
      [h.assigned_at, h.requester_updated_at, h.assignee_updated_at, h.updated_at],
      [8, 5, 3, 3],
    );
  });

  it('due_date counts after the due time, until_due_date before it', () => {
    const t = ticket({ due_at: at(48).toISOString() });
    const before = hoursOf(t, at(10));
    assert.equal(before.until_due_date, 38);
    assert.equal(before.due_date, undefined);
    const after = hoursOf(t, at(50, 10));
    assert.equal(after.due_date, 2);
    assert.equal(after.until_due_date, undefined);
  });
});

describe('automation interval setting', () => {
  const base = { DATABASE_URL: 'sqlite::memory:', PARLEY_SECRET_KEY: 'ab'.repeat(32) };
  it('is hourly by default and takes whole minutes from 1 to 1440', () => {
    assert.equal(loadConfig(base).automationIntervalMinutes, 60);
    const every15 = { ...base, PARLEY_AUTOMATION_INTERVAL_MINUTES: '15' };
    assert.equal(loadConfig(every15).automationIntervalMinutes, 15);
    for (const bad of ['0', '1441', '1.5', 'hourly']) {
      assert.throws(
        () => loadConfig({ ...base, PARLEY_AUTOMATION_INTERVAL_MINUTES: bad }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.problems.some((p) => p.includes('PARLEY_AUTOMATION_INTERVAL_MINUTES')),
      );
    }
  });
});
