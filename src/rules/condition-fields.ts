import { type FieldTable, TICKET_FIELDS } from '../desk/tickets/ticket-fields.ts';

/**
 * The catalogue of condition fields (Zendesk's conditions reference, the shared reference's
 * §3.3, §4 and §6): for each field, the operators Zendesk allows and the kind of value it
 * takes. The ticket fields' part is derived from TICKET_FIELDS, so an enum or id field added
 * there is a condition here without another edit.
 */

export const OPERATORS = [
  'is',
  'is_not',
  'less_than',
  'greater_than',
  'changed',
  'not_changed',
  'value',
  'value_previous',
  'not_value',
  'not_value_previous',
  'changed_to',
  'changed_from',
  'not_changed_to',
  'not_changed_from',
  'includes',
  'not_includes',
  'includes_string',
  'not_includes_string',
  'present',
  'not_present',
] as const;

export type Operator = (typeof OPERATORS)[number];

/** Operators that take no value ("terminal" in Zendesk's words). */
export const TERMINAL_OPERATORS: ReadonlySet<Operator> = new Set([
  'changed',
  'not_changed',
  'present',
  'not_present',
]);

/** Where a condition may be used: triggers, automations, views. */
export type RuleKind = 'trigger' | 'automation' | 'view';

/**
 * The value a condition compares with:
 * - `enum`: one of `values` (`''` too where the ticket field may be empty);
 * - `id`: a record id, `''` (none) where allowed, or one of `special` (`current_user`…);
 * - `integer`: a count, hours or a via id (`known` limits it to those);
 * - `words`: space-separated words (tags, comment words);
 * - `text`: any string; `choice`: one of `values` exactly (`Create`/`Change`, roles…).
 */
export type ValueKind =
  | { kind: 'enum'; values: readonly string[]; blank: boolean; ordered: boolean }
  | { kind: 'id'; blank: boolean; special: readonly string[] }
  | { kind: 'integer'; known?: readonly number[] }
  | { kind: 'words' }
  | { kind: 'text' }
  | { kind: 'choice'; values: readonly string[] };

export interface ConditionField {
  operators: readonly Operator[];
  value: ValueKind;
  where: readonly RuleKind[];
}

const ALL: readonly RuleKind[] = ['trigger', 'automation', 'view'];
const TRIGGER: readonly RuleKind[] = ['trigger'];
const TIMED: readonly RuleKind[] = ['automation', 'view'];
/** Operators that read the change list: triggers only (automations and views see a ticket at rest). */
export const CHANGE_OPS: readonly Operator[] = [
  'changed',
  'value',
  'value_previous',
  'not_changed',
  'not_value',
  'not_value_previous',
];

/** Ordered fields (less_than / greater_than) in Zendesk's order, lowest first. */
export const ORDERED_FIELDS: ReadonlySet<string> = new Set(['status', 'priority']);

/** Per-field differences from the operators derived from a ticket field's kind (§3.3). */
const OPERATOR_OVERRIDES: Record<string, readonly Operator[]> = {
  type: ['is', 'is_not'],
  brand_id: [
    'is',
    'is_not',
    'less_than',
    'greater_than',
    'changed',
    'not_changed',
    'changed_to',
    'changed_from',
    'not_changed_to',
    'not_changed_from',
  ],
};

/** The special words an id condition accepts besides ids and `''` (§3.3). */
const ID_SPECIALS: Record<string, readonly string[]> = {
  assignee_id: ['current_user', 'requester_id'],
  requester_id: ['current_user'],
  submitter_id: ['current_user'],
};

function operatorsOf(name: string): readonly Operator[] {
  const override = OPERATOR_OVERRIDES[name];
  if (override) return override;
  const ordered: Operator[] = ORDERED_FIELDS.has(name) ? ['less_than', 'greater_than'] : [];
  return ['is', 'is_not', ...ordered, ...CHANGE_OPS];
}

/** The condition fields of a ticket-field table: its audited enum and id fields. */
export function ticketConditionFields(fields: FieldTable): Record<string, ConditionField> {
  const out: Record<string, ConditionField> = {};
  for (const [name, f] of Object.entries(fields)) {
    if (!f.audited || (f.kind !== 'enum' && f.kind !== 'id')) continue;
    const value: ValueKind =
      f.kind === 'enum'
        ? {
            kind: 'enum',
            values: f.values ?? [],
            blank: f.nullable,
            ordered: ORDERED_FIELDS.has(name),
          }
        : { kind: 'id', blank: f.nullable, special: ID_SPECIALS[name] ?? [] };
    out[name] = { operators: operatorsOf(name), value, where: ALL };
  }
  return out;
}

/**
 * Zendesk's via ids (§1.4): `via_id` / `current_via_id` values. 91 is Slack
 * (business_messaging_slack_connect), 5 the API, 0 the web form.
 */
export const KNOWN_VIA_IDS: readonly number[] = [
  0, 4, 5, 8, 9, 16, 17, 19, 20, 21, 23, 26, 27, 29, 30, 31, 33, 34, 35, 38, 41, 44, 45, 46, 48, 49,
  50, 55, 56, 57, 63, 64, 65, 66, 67, 69, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85,
  86, 87, 88, 90, 91,
];

const WORD_OPS: readonly Operator[] = ['includes', 'not_includes', 'is', 'is_not'];
const COUNT_OPS: readonly Operator[] = ['is', 'less_than', 'greater_than'];
const ROLES = ['end_user', 'agent', 'admin'] as const;
const ATTRIBUTE_OPS: readonly Operator[] = [
  'is',
  'is_not',
  'present',
  'not_present',
  'includes',
  'not_includes',
  'includes_string',
  'not_includes_string',
];

/** Conditions on what is not a ticket field: the update, its comment, the people, the channel. */
const OTHER_FIELDS: Record<string, ConditionField> = {
  current_tags: { operators: ['includes', 'not_includes'], value: { kind: 'words' }, where: ALL },
  subject_includes_word: { operators: WORD_OPS, value: { kind: 'text' }, where: TRIGGER },
  comment_includes_word: { operators: WORD_OPS, value: { kind: 'text' }, where: TRIGGER },
  via_id: {
    operators: ['is', 'is_not', 'includes', 'not_includes'],
    value: { kind: 'integer', known: KNOWN_VIA_IDS },
    where: ALL,
  },
  current_via_id: {
    operators: ['is', 'is_not'],
    value: { kind: 'integer', known: KNOWN_VIA_IDS },
    where: TRIGGER,
  },
  update_type: {
    operators: ['is'],
    value: { kind: 'choice', values: ['Create', 'Change'] },
    where: TRIGGER,
  },
  comment_is_public: {
    operators: ['is', 'is_not'],
    value: {
      kind: 'choice',
      values: ['true', 'false', 'not_relevant', 'requester_can_see_comment'],
    },
    where: TRIGGER,
  },
  role: { operators: ['is', 'is_not'], value: { kind: 'choice', values: ROLES }, where: TRIGGER },
  requester_role: {
    operators: ['is', 'is_not'],
    value: { kind: 'choice', values: ROLES },
    where: TRIGGER,
  },
  reopens: { operators: COUNT_OPS, value: { kind: 'integer' }, where: TRIGGER },
  replies: { operators: COUNT_OPS, value: { kind: 'integer' }, where: TRIGGER },
  agent_replies: { operators: COUNT_OPS, value: { kind: 'integer' }, where: TRIGGER },
  // Parley's own: the requester's email domain, and the tags of requester and organization.
  'requester.email_domain': { operators: ['is', 'is_not'], value: { kind: 'text' }, where: ALL },
  'requester.tags': {
    operators: ['includes', 'not_includes'],
    value: { kind: 'words' },
    where: ALL,
  },
  'organization.tags': {
    operators: ['includes', 'not_includes'],
    value: { kind: 'words' },
    where: ALL,
  },
  // Parley's own: the Slack connection (the DM account) the ticket came through.
  slack_connection_id: {
    operators: ['is', 'is_not'],
    value: { kind: 'id', blank: true, special: [] },
    where: ALL,
  },
};

/** Hours since an event (§4): automations and views only. */
const TIME_FIELDS = [
  'NEW',
  'OPEN',
  'PENDING',
  'HOLD',
  'SOLVED',
  'CLOSED',
  'assigned_at',
  'updated_at',
  'requester_updated_at',
  'assignee_updated_at',
  'due_date',
  'until_due_date',
] as const;

export type TimeField = (typeof TIME_FIELDS)[number];

function timeFields(): Record<string, ConditionField> {
  const out: Record<string, ConditionField> = {};
  for (const name of TIME_FIELDS) {
    out[name] = { operators: COUNT_OPS, value: { kind: 'integer' }, where: TIMED };
  }
  return out;
}

/** The custom-field attributes: `requester.custom_fields.<key>`, `organization.custom_fields.<key>`. */
export const ATTRIBUTE_FIELD = /^(requester|organization)\.custom_fields\.([A-Za-z0-9_]{1,64})$/;

const ATTRIBUTE_CONDITION: ConditionField = {
  operators: ATTRIBUTE_OPS,
  value: { kind: 'text' },
  where: ['trigger', 'automation'],
};

export const CONDITION_FIELDS: Readonly<Record<string, ConditionField>> = {
  ...ticketConditionFields(TICKET_FIELDS),
  ...OTHER_FIELDS,
  ...timeFields(),
};

/** The description of a condition field by its name, custom-field attributes included. */
export function conditionField(
  name: string,
  catalogue: Readonly<Record<string, ConditionField>> = CONDITION_FIELDS,
): ConditionField | undefined {
  if (Object.hasOwn(catalogue, name)) return catalogue[name];
  return ATTRIBUTE_FIELD.test(name) ? ATTRIBUTE_CONDITION : undefined;
}
