import type { Actor, Conn } from '../desk/context.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { VIA_IDS } from '../desk/via.ts';
import { ACTION_FIELDS, type ActionValueKind } from './action-fields.ts';
import {
  CONDITION_FIELDS,
  type ConditionField,
  type Operator,
  TERMINAL_OPERATORS,
  type ValueKind,
} from './condition-fields.ts';

/**
 * `GET /triggers/definitions`: the conditions and actions a trigger may use, in Zendesk's
 * shape, derived from the rules model's catalogues (condition-fields.ts, action-fields.ts) so
 * that it never offers what the model refuses; the values of id fields (groups, agents,
 * brands, Slack connections) are read from the database.
 */

export interface DefinitionValue {
  value: string;
  title: string;
  enabled: boolean;
}

export interface Definition {
  subject: string;
  title: string;
  type: string;
  group: string;
  nullable: boolean;
  repeatable: boolean;
  operators?: { value: string; title: string; terminal: boolean }[];
  values?: DefinitionValue[];
}

/** Zendesk's operator titles (the definitions example in the reference, §3.3). */
const OPERATOR_TITLES: Record<Operator, string> = {
  is: 'Is',
  is_not: 'Is not',
  less_than: 'Less than',
  greater_than: 'Greater than',
  changed: 'Changed',
  not_changed: 'Not changed',
  value: 'Changed to',
  value_previous: 'Changed from',
  not_value: 'Not changed to',
  not_value_previous: 'Not changed from',
  changed_to: 'Changed to',
  changed_from: 'Changed from',
  not_changed_to: 'Not changed to',
  not_changed_from: 'Not changed from',
  includes: 'Contains at least one of the following',
  not_includes: 'Contains none of the following',
  includes_string: 'Contains the following string',
  not_includes_string: 'Does not contain the following string',
  present: 'Present',
  not_present: 'Not present',
};

const TITLES: Record<string, string> = {
  status: 'Status',
  priority: 'Priority',
  type: 'Type',
  group_id: 'Group',
  assignee_id: 'Assignee',
  requester_id: 'Requester',
  submitter_id: 'Submitter',
  organization_id: 'Organization',
  brand_id: 'Brand',
  current_tags: 'Tags',
  via_id: 'Ticket channel',
  current_via_id: 'Update via',
  update_type: 'Ticket',
  comment_is_public: 'Comment',
  comment_includes_word: 'Comment text',
  subject_includes_word: 'Subject text',
  role: 'Current user',
  requester_role: 'Requester role',
  reopens: 'Reopens',
  replies: 'Agent replies',
  agent_replies: 'Agent replies',
  'requester.email_domain': 'Requester email domain',
  'requester.tags': 'Requester tags',
  'organization.tags': 'Organization tags',
  slack_connection_id: 'Slack connection',
  set_tags: 'Set tags',
  remove_tags: 'Remove tags',
  notification_user: 'Email user',
  notification_group: 'Email group',
  notification_webhook: 'Notify active webhook',
};

const SPECIAL_TITLES: Record<string, string> = {
  current_user: '(current user)',
  requester_id: '(requester)',
  assignee_id: '(assignee)',
  all_agents: '(all non-restricted agents)',
  group_id: '(assigned group)',
};

/** Id fields whose values the database lists. */
type Lists = Record<string, DefinitionValue[]>;

function titleOf(subject: string): string {
  return TITLES[subject] ?? subject.replace(/_id$/, '').replace(/[._]/g, ' ');
}

function groupOf(subject: string): string {
  if (subject.startsWith('requester')) return 'requester';
  if (subject.startsWith('organization')) return 'organization';
  return 'ticket';
}

const capitalized = (v: string) => v.charAt(0).toUpperCase() + v.slice(1).replace(/_/g, ' ');
const listed = (values: readonly string[]): DefinitionValue[] =>
  values.map((v) => ({ value: v, title: capitalized(v), enabled: true }));
const specials = (values: readonly string[]): DefinitionValue[] =>
  values.map((v) => ({ value: v, title: SPECIAL_TITLES[v] ?? v, enabled: true }));
const NONE: DefinitionValue = { value: '', title: '-', enabled: true };

function viaValues(known: readonly number[]): DefinitionValue[] {
  const names = new Map(Object.entries(VIA_IDS).map(([name, id]) => [id, name]));
  return known.map((id) => ({
    value: String(id),
    title: capitalized(names.get(id) ?? `via ${id}`),
    enabled: true,
  }));
}

function conditionValues(subject: string, v: ValueKind, lists: Lists) {
  switch (v.kind) {
    case 'enum':
      return { type: 'list', values: [...(v.blank ? [NONE] : []), ...listed(v.values)] };
    case 'choice':
      return { type: 'list', values: listed(v.values) };
    case 'id': {
      const rows = lists[subject];
      if (!rows) return { type: 'autocomplete', values: specials(v.special) };
      return {
        type: 'list',
        values: [...(v.blank ? [NONE] : []), ...specials(v.special), ...rows],
      };
    }
    case 'integer':
      return v.known
        ? { type: 'list', values: viaValues(v.known) }
        : { type: 'number', values: [] };
    case 'words':
      return { type: 'tags', values: [] };
    case 'text':
      return { type: 'text', values: [] };
  }
}

function conditionDefinition(subject: string, f: ConditionField, lists: Lists): Definition {
  const { type, values } = conditionValues(subject, f.value, lists);
  return {
    subject,
    title: titleOf(subject),
    type,
    group: groupOf(subject),
    nullable: 'blank' in f.value ? f.value.blank : false,
    repeatable: false,
    operators: f.operators.map((op) => ({
      value: op,
      title: OPERATOR_TITLES[op],
      terminal: TERMINAL_OPERATORS.has(op),
    })),
    values,
  };
}

function actionValues(subject: string, v: ActionValueKind, lists: Lists) {
  switch (v.kind) {
    case 'enum':
      return { type: 'list', values: [...(v.blank ? [NONE] : []), ...listed(v.values)] };
    case 'id': {
      const rows = lists[subject] ?? [];
      return {
        type: 'list',
        values: [...(v.blank ? [NONE] : []), ...specials(v.special), ...rows],
      };
    }
    case 'words':
      return { type: 'tags', values: [] };
    case 'boolean':
      return { type: 'list', values: listed(['true', 'false']) };
    case 'notification': {
      const ids = v.recipientKind === 'group' ? lists.group_id : lists.assignee_id;
      return { type: 'list', values: [...specials(v.recipients), ...(ids ?? [])] };
    }
    default:
      return { type: 'text', values: [] };
  }
}

async function readLists(db: Conn): Promise<Lists> {
  const groups = await db
    .selectFrom('groups')
    .select(['id', 'name'])
    .where('deleted', '=', 0)
    .orderBy('name')
    .execute();
  const agents = await db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('role', 'in', ['agent', 'admin'])
    .where('active', '=', 1)
    .orderBy('name')
    .execute();
  const brands = await db.selectFrom('brands').select(['id', 'name']).orderBy('name').execute();
  const connections = await db
    .selectFrom('slack_connections')
    .select(['id', 'name'])
    .orderBy('name')
    .execute();
  const rows = (list: { id: number; name: string }[]) =>
    list.map((r) => ({ value: String(r.id), title: r.name, enabled: true }));
  return {
    group_id: rows(groups),
    assignee_id: rows(agents),
    brand_id: rows(brands),
    slack_connection_id: rows(connections),
  };
}

export async function triggerDefinitions(db: Conn, actor: Actor) {
  await authorize(db, actor, 'trigger:read');
  const lists = await readLists(db);
  const conditions = Object.entries(CONDITION_FIELDS)
    .filter(([, f]) => f.where.includes('trigger'))
    .map(([subject, f]) => conditionDefinition(subject, f, lists));
  const actions = Object.entries(ACTION_FIELDS)
    .filter(([, f]) => f.where.includes('trigger'))
    .map(([subject, f]): Definition => {
      const { type, values } = actionValues(subject, f.value, lists);
      const nullable = 'blank' in f.value ? f.value.blank : false;
      const repeatable = f.value.kind === 'notification' || f.value.kind === 'webhook';
      const group = repeatable ? 'notification' : 'ticket';
      return { subject, title: titleOf(subject), type, group, nullable, repeatable, values };
    });
  return { conditions_all: conditions, conditions_any: conditions, actions };
}
