import type { TicketFields } from '../desk/tickets/ticket-fields.ts';
import { TICKET_FIELDS } from '../desk/tickets/ticket-fields.ts';
import { type Action, applyActions } from './actions.ts';
import type { TimeField } from './condition-fields.ts';
import type { Condition, Conditions } from './conditions.ts';
import { holds, type RuleFacts } from './evaluate.ts';

/**
 * Zendesk's rule for automations (reference §4): since an automation runs again every hour on
 * every ticket that still matches, it must contain "a condition that is true only once or an
 * action that nullifies at least one condition". Decided here from the rule alone, before it
 * is stored:
 *
 * - a time condition with `is` holds during one hour only (the run fires it once in that hour);
 * - an action closes the ticket: closed tickets are never run on again;
 * - an action sets a ticket field so that a condition on it no longer holds (`status is
 *   solved` + `status open`, `priority less_than high` + `priority high`);
 * - an action changes the status away from the one a status-hours condition counts (`PENDING
 *   greater_than 24` + `status open`: PENDING has no hours once the ticket is open);
 * - a tag action makes a tag condition false (`not_includes x` + adding x; `includes x` +
 *   removing x).
 *
 * The condition must be one that keeps the rule from matching: one of `all`, or, when `any`
 * is not empty, every one of `any` (one `any` left standing would let it match again).
 */
export function nullifies(conditions: Conditions, actions: readonly Action[]): boolean {
  const after = afterActions(actions);
  if (after.closes) return true;
  const cancelled = (c: Condition) => onceOnly(c) || falsified(c, after);
  if (conditions.all.some(cancelled)) return true;
  return conditions.any.length > 0 && conditions.any.every(cancelled);
}

/** The hours conditions counted from entering a status: none while in another status. */
export const STATUS_HOURS: Readonly<Partial<Record<TimeField, string>>> = {
  OPEN: 'open',
  PENDING: 'pending',
  HOLD: 'hold',
  SOLVED: 'solved',
  CLOSED: 'closed',
};

const TIME_FIELDS: ReadonlySet<string> = new Set([
  'NEW',
  ...Object.keys(STATUS_HOURS),
  'assigned_at',
  'updated_at',
  'requester_updated_at',
  'assignee_updated_at',
  'due_date',
  'until_due_date',
]);

/** A time condition with `is`: true during one hour window only. */
export function onceOnly(c: Condition): boolean {
  return TIME_FIELDS.has(c.field) && c.operator === 'is';
}

/** What the actions are sure to leave on any ticket, whatever it was before. */
interface After {
  closes: boolean;
  /** Ticket fields the actions set, with the value they set. */
  fields: Partial<TicketFields>;
  /** Tags surely present / surely absent afterwards. */
  present: ReadonlySet<string>;
  absent: (tag: string) => boolean;
}

/** Stands for the user the automation acts as (`current_user`), whoever it will be. */
const CURRENT_USER = -1;

function afterActions(actions: readonly Action[]): After {
  const { patch } = applyActions(actions, emptyTicket(), { currentUserId: CURRENT_USER });
  const fields: Partial<TicketFields> = {};
  for (const name of ['status', 'priority', 'type', 'group_id', 'assignee_id'] as const) {
    if (name in patch) (fields as Record<string, unknown>)[name] = patch[name] ?? null;
  }
  const set = patch.tags ? new Set(patch.tags) : null;
  const added = new Set(patch.additional_tags ?? []);
  const removed = new Set(patch.remove_tags ?? []);
  const present = new Set([...(set ?? []), ...added]);
  return {
    closes: fields.status === 'closed',
    fields,
    present,
    absent: (tag) => removed.has(tag) || (set !== null && !present.has(tag)),
  };
}

function falsified(c: Condition, after: After): boolean {
  if (c.field === 'current_tags') {
    const listed = (c.value as readonly string[]) ?? [];
    return c.operator === 'not_includes'
      ? listed.some((t) => after.present.has(t))
      : listed.every((t) => after.absent(t));
  }
  const status = STATUS_HOURS[c.field as TimeField];
  if (status !== undefined) {
    return after.fields.status !== undefined && after.fields.status !== status;
  }
  if (!Object.hasOwn(after.fields, c.field)) return false;
  return !holds(c, factsWith(after.fields));
}

/** Facts where only the fields the actions set are known: enough for conditions on them. */
function factsWith(fields: Partial<TicketFields>): RuleFacts {
  return {
    next: { ...emptyTicket(), ...fields },
    previous: null,
    changes: [],
    comment: null,
    actor: { id: CURRENT_USER, role: 'agent' },
    requester: { role: 'end_user', email: null, tags: [], fields: {} },
    organization: null,
    viaId: null,
    currentViaId: null,
    slackConnectionId: null,
    counts: { reopens: 0, agentReplies: 0 },
  };
}

/**
 * A ticket with nothing known: ids that no record has, so that `requester_id` (a condition's
 * `assignee_id is requester_id`) matches nothing the actions set.
 */
function emptyTicket(): TicketFields {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(TICKET_FIELDS)) {
    out[name] = f.kind === 'tags' ? [] : f.kind === 'id' ? -2 : null;
  }
  return out as unknown as TicketFields;
}
