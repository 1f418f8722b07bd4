import type { Automation } from '../db/types.ts';
import { ValidationError } from '../desk/errors.ts';
import { parseJson } from '../desk/time.ts';
import { type Action, parseActions } from './actions.ts';
import { type Conditions, conditionsOfRule } from './conditions.ts';
import { nullifies, STATUS_HOURS } from './nullification.ts';

/**
 * An automation's conditions and actions, checked as Zendesk checks them (reference §4): the
 * rules model's fields and operators for kind 'automation', at least one time condition (an
 * automation is a time-based rule), and a nullifying condition or action.
 */
export interface AutomationRule {
  conditions: Conditions;
  actions: Action[];
}

/** Hours conditions: what makes a rule an automation. */
export const TIME_CONDITIONS: ReadonlySet<string> = new Set([
  'NEW',
  ...Object.keys(STATUS_HOURS),
  'assigned_at',
  'updated_at',
  'requester_updated_at',
  'assignee_updated_at',
  'due_date',
  'until_due_date',
]);

/** Parses and checks a rule body; throws ValidationError naming what is wrong. */
export function parseAutomationRule(body: {
  conditions?: unknown;
  all?: unknown;
  any?: unknown;
  actions?: unknown;
}): AutomationRule {
  const conditions = conditionsOfRule(body, 'automation');
  const actions = parseActions(body.actions ?? [], 'automation');
  const timed = [...conditions.all, ...conditions.any].some((c) => TIME_CONDITIONS.has(c.field));
  if (!timed) {
    throw ValidationError.field(
      'conditions',
      'Conditions: an automation needs a time condition (hours since created, since solved, since update, …)',
    );
  }
  if (!nullifies(conditions, actions)) {
    throw ValidationError.field(
      'base',
      'Automation: needs a condition that is true only once (an hours condition with "is") ' +
        'or an action that nullifies one of its conditions (e.g. "status is solved" with the ' +
        'action "status closed"); otherwise it would run again on the same tickets every hour',
      'NullificationRequired',
    );
  }
  return { conditions, actions };
}

/** A stored automation's rule (stored only after it was checked, so it parses). */
export function storedRule(row: Pick<Automation, 'conditions' | 'actions'>): AutomationRule {
  return {
    conditions: conditionsOfRule(
      { conditions: parseJson(row.conditions, { all: [], any: [] }) },
      'automation',
    ),
    actions: parseActions(parseJson(row.actions, []), 'automation'),
  };
}

/**
 * The canonical form of a rule: two automations are identical (Zendesk refuses two identical
 * active ones) when their parsed conditions and actions are, whatever the JSON spelling.
 */
export function signature(rule: AutomationRule): string {
  const order = (list: Conditions['all']) =>
    list.map((c) => JSON.stringify(c)).sort((a, b) => a.localeCompare(b));
  return JSON.stringify({
    all: order(rule.conditions.all),
    any: order(rule.conditions.any),
    actions: rule.actions,
  });
}

/** Zendesk: the close-after-solved automation may be edited, but closes within 28 days. */
export const CLOSE_SOLVED_MAX_HOURS = 672;

/** Whether a rule still is a close-after-solved automation of at most 28 days. */
export function closesSolvedInTime(rule: AutomationRule): boolean {
  const closes = rule.actions.some((a) => a.field === 'status' && a.value === 'closed');
  const solved = rule.conditions.all.some(
    (c) =>
      c.field === 'SOLVED' &&
      (c.operator === 'greater_than' || c.operator === 'is') &&
      Number(c.value) <= CLOSE_SOLVED_MAX_HOURS,
  );
  return closes && solved;
}
