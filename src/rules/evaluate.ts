import type { FieldChange } from '../desk/tickets/plan-ticket-write.ts';
import { TICKET_FIELDS, type TicketFields } from '../desk/tickets/ticket-fields.ts';
import { ATTRIBUTE_FIELD, ORDERED_FIELDS, type TimeField } from './condition-fields.ts';
import type { Condition, ConditionValue, Conditions } from './conditions.ts';

/**
 * Whether a ticket update matches a rule's conditions, the way Zendesk decides it (the shared
 * reference's §3.2–3.3). Pure: everything it reads is in the facts, which the triggers engine
 * gathers from the plan (planTicketWrite) or the ticket.written event, and the automations and
 * views engines from the ticket at rest.
 */

/** A role as conditions name it (`end_user`, with an underscore, unlike the user JSON). */
export type RuleRole = 'end_user' | 'agent' | 'admin';

/** A user's role as the desk stores it (`end-user`) or as conditions name it. */
export function ruleRole(role: string): RuleRole {
  return role === 'agent' || role === 'admin' ? role : 'end_user';
}

export interface RuleFacts {
  /** The ticket's fields as they are now (after the update so far, and the triggers so far). */
  next: TicketFields;
  /** The fields before the update; null when the update creates the ticket. */
  previous: TicketFields | null;
  /** The update's changes (FieldChange from the plan or the ticket.written event). */
  changes: readonly FieldChange[];
  /** The comment this update adds, or null. */
  comment: { body: string; public: boolean; authorRole: RuleRole } | null;
  /** Who makes the update (the authenticated user, not a comment's named author). */
  actor: { id: number; role: RuleRole };
  requester: {
    role: RuleRole;
    email: string | null;
    tags: readonly string[];
    fields: Readonly<Record<string, unknown>>;
  };
  organization: { tags: readonly string[]; fields: Readonly<Record<string, unknown>> } | null;
  /** The via id the ticket was created through (`via_id`). */
  viaId: number | null;
  /** The via id of this update (`current_via_id`). */
  currentViaId: number | null;
  /** The Slack connection the ticket's conversation belongs to, if any. */
  slackConnectionId: number | null;
  /** `reopens` and `replies` (Zendesk counts agent replies; `agent_replies` is the same count). */
  counts: { reopens: number; agentReplies: number };
  /** Automations and views: whole hours since each event (absent: the event has not happened). */
  hours?: Partial<Record<TimeField, number>>;
}

/** Zendesk's rule: every `all` condition holds and, unless `any` is empty, at least one `any`. */
export function matches(conditions: Conditions, facts: RuleFacts): boolean {
  if (!conditions.all.every((c) => holds(c, facts))) return false;
  return conditions.any.length === 0 || conditions.any.some((c) => holds(c, facts));
}

/** Whether one condition holds. */
export function holds(c: Condition, facts: RuleFacts): boolean {
  if (Object.hasOwn(TICKET_FIELDS, c.field) && c.field in facts.next) {
    return ticketFieldHolds(c, facts);
  }
  const attribute = ATTRIBUTE_FIELD.exec(c.field);
  if (attribute) {
    const owner = attribute[1] === 'requester' ? facts.requester : facts.organization;
    return attributeHolds(c, owner?.fields[attribute[2]!]);
  }
  return otherHolds(c, facts);
}

// ---- Ticket fields: is / is_not / ordered / change operators ----

type Scalar = string | number | null;

/** The value a condition names, with `current_user` and `requester_id` resolved. */
function wanted(value: ConditionValue, facts: RuleFacts): Scalar {
  if (value === 'current_user') return facts.actor.id;
  if (value === 'requester_id') return facts.next.requester_id;
  return Array.isArray(value) ? null : (value as Scalar);
}

function ticketFieldHolds(c: Condition, facts: RuleFacts): boolean {
  const field = c.field as keyof TicketFields;
  const current = facts.next[field] as Scalar;
  const want = wanted(c.value, facts);
  const change = facts.changes.find((ch) => ch.field === field);
  switch (c.operator) {
    case 'is':
      return current === want;
    case 'is_not':
      return current !== want;
    case 'less_than':
    case 'greater_than':
      return ordered(c.field, current, want, c.operator);
    default:
      return changeHolds(c, change, want, facts.previous === null);
  }
}

/**
 * Ordered comparison: status new<open<pending<hold<solved<closed, priority low<normal<high<
 * urgent, ids by number. UNVERIFIED in the reference: where a ticket has no priority. Zendesk's
 * dropdown lists "-" before Low, so no priority counts as lower than low (an "escalate
 * priority less than high" automation then takes tickets without one too).
 */
function ordered(field: string, current: Scalar, want: Scalar, op: string): boolean {
  let a: number;
  let b: number;
  if (ORDERED_FIELDS.has(field)) {
    const values = TICKET_FIELDS[field as 'status' | 'priority'].values as readonly string[];
    a = current === null ? -1 : values.indexOf(String(current));
    b = want === null ? -1 : values.indexOf(String(want));
  } else {
    if (current === null || want === null) return false;
    a = Number(current);
    b = Number(want);
  }
  return op === 'less_than' ? a < b : a > b;
}

/**
 * The change operators read the update's change list. On a create (previous null) the change
 * list holds every field the create sets, as Zendesk's Create audit events do: `changed` and
 * "changed to" (`value`) hold for them — "Notify assignee of assignment" (`assignee_id
 * changed`) fires for a ticket created with an assignee — while "changed from"
 * (`value_previous`) never holds on a create (there was no previous value), so its negation
 * always does. The reference is silent on creates; this is what a Zendesk admin expects. On an
 * update, a previous null is "no value": `group_id value_previous ""` matches a first group.
 */
function changeHolds(
  c: Condition,
  change: FieldChange | undefined,
  want: Scalar,
  creating: boolean,
): boolean {
  const to = change !== undefined && (change.value as Scalar) === want;
  const from = change !== undefined && !creating && (change.previous as Scalar) === want;
  switch (c.operator) {
    case 'changed':
      return change !== undefined;
    case 'not_changed':
      return change === undefined;
    case 'value':
    case 'changed_to':
      return to;
    case 'not_value':
    case 'not_changed_to':
      return !to;
    case 'value_previous':
    case 'changed_from':
      return from;
    case 'not_value_previous':
    case 'not_changed_from':
      return !from;
    default:
      return false;
  }
}

// ---- Other conditions ----

function otherHolds(c: Condition, facts: RuleFacts): boolean {
  switch (c.field) {
    case 'current_tags':
      return tagsHold(c, facts.next.tags);
    case 'requester.tags':
      return tagsHold(c, facts.requester.tags);
    case 'organization.tags':
      return tagsHold(c, facts.organization?.tags ?? []);
    case 'subject_includes_word':
      return wordsHold(c, facts.next.subject);
    case 'comment_includes_word':
      return wordsHold(c, facts.comment?.body ?? null);
    case 'update_type':
      return (facts.previous === null ? 'Create' : 'Change') === c.value;
    case 'comment_is_public':
      return negate(c, commentIs(String(c.value), facts.comment));
    case 'role':
      return negate(c, facts.actor.role === c.value);
    case 'requester_role':
      return negate(c, facts.requester.role === c.value);
    case 'via_id':
      return viaHolds(c, facts.viaId);
    case 'current_via_id':
      return viaHolds(c, facts.currentViaId);
    case 'requester.email_domain':
      return negate(c, emailDomain(facts.requester.email) === String(c.value).toLowerCase());
    case 'slack_connection_id':
      return negate(c, facts.slackConnectionId === c.value);
    case 'reopens':
      return countHolds(c, facts.counts.reopens);
    case 'replies':
    case 'agent_replies':
      return countHolds(c, facts.counts.agentReplies);
    default:
      return countHolds(c, facts.hours?.[c.field as TimeField]);
  }
}

function negate(c: Condition, is: boolean): boolean {
  return c.operator === 'is_not' ? !is : is;
}

/** `includes`: the ticket has at least one of the tags; `not_includes`: none of them. */
function tagsHold(c: Condition, tags: readonly string[]): boolean {
  const listed = (c.value as readonly string[]) ?? [];
  const any = listed.some((t) => tags.includes(t));
  return c.operator === 'not_includes' ? !any : any;
}

/**
 * `includes`: the text has at least one of the words (whole words, any case; "quoted words"
 * are one phrase); `not_includes`: none of them; `is`: the text contains the string;
 * `is_not`: it does not. No text (no comment) contains nothing.
 */
function wordsHold(c: Condition, text: string | null): boolean {
  const haystack = (text ?? '').toLowerCase();
  const needle = String(c.value).toLowerCase();
  if (c.operator === 'is' || c.operator === 'is_not') {
    return negate(c, text !== null && needle !== '' && haystack.includes(needle));
  }
  const found = wordsOf(needle).some((w) => containsWord(haystack, w));
  return c.operator === 'not_includes' ? !found : found;
}

function wordsOf(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/"([^"]+)"|(\S+)/g)) out.push((m[1] ?? m[2] ?? '').trim());
  return out.filter(Boolean);
}

function containsWord(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escaped}($|[^\\p{L}\\p{N}_])`, 'u').test(text);
}

/**
 * `true` / `false`: the update adds a public reply / an internal note; `not_relevant`: it adds
 * a comment of either kind; `requester_can_see_comment`: a public one (Parley has no CCs or
 * side conversations that would make it differ from `true`).
 */
function commentIs(value: string, comment: RuleFacts['comment']): boolean {
  if (!comment) return false;
  if (value === 'false') return !comment.public;
  if (value === 'not_relevant') return true;
  return comment.public;
}

function viaHolds(c: Condition, via: number | null): boolean {
  if (c.operator === 'includes' || c.operator === 'not_includes') {
    const found = via !== null && (c.value as readonly number[]).includes(via);
    return c.operator === 'includes' ? found : !found;
  }
  return negate(c, via === c.value);
}

function emailDomain(email: string | null): string | null {
  const at = email?.lastIndexOf('@') ?? -1;
  return at < 0 ? null : email!.slice(at + 1).toLowerCase();
}

function countHolds(c: Condition, n: number | undefined): boolean {
  if (n === undefined) return false;
  const want = Number(c.value);
  if (c.operator === 'less_than') return n < want;
  if (c.operator === 'greater_than') return n > want;
  return n === want;
}

/**
 * A requester's or organization's own field. `is`/`is_not` compare as text (any case);
 * `present`: set to something other than empty; `includes`/`not_includes`: the field's words
 * include one of the listed words; `includes_string`/`not_includes_string`: the field contains
 * the string. UNVERIFIED in the reference beyond the operator names; this is the reading of
 * the UI labels ("Contains at least one of the following words", "Contains the following string").
 */
function attributeHolds(c: Condition, raw: unknown): boolean {
  const text = raw === undefined || raw === null ? '' : String(raw).toLowerCase();
  const want = String(c.value ?? '').toLowerCase();
  switch (c.operator) {
    case 'present':
      return text !== '';
    case 'not_present':
      return text === '';
    case 'is':
      return text === want;
    case 'is_not':
      return text !== want;
    case 'includes':
    case 'not_includes': {
      const found = wordsOf(want).some((w) => containsWord(text, w));
      return c.operator === 'includes' ? found : !found;
    }
    case 'includes_string':
      return text.includes(want);
    case 'not_includes_string':
      return !text.includes(want);
    default:
      return false;
  }
}
