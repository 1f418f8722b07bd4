import type { Macro } from '../../../db/types.ts';
import { parseJson, presentTime } from '../../../desk/time.ts';
import { ACTION_FIELDS, type ActionValueKind } from '../../../rules/action-fields.ts';
import type { AppliedComment } from '../../../rules/macro-apply.ts';
import type { UsageWindow } from '../../../rules/macro-queries.ts';

/** Zendesk's `restriction`: null, `{type: "User", id}` or `{type: "Group", id, ids}`. */
function restrictionOf(row: Macro, groups: readonly number[]) {
  if (row.restriction_type === 'User') return { type: 'User', id: row.owner_id };
  if (row.restriction_type === 'Group') return { type: 'Group', id: groups[0], ids: [...groups] };
  return null;
}

/** Zendesk's macro JSON (§5); the usage counts asked for with `include=` when given. */
export function presentMacro(
  row: Macro & Partial<Record<UsageWindow, unknown>>,
  groups: readonly number[],
  base: string,
  usage: readonly UsageWindow[] = [],
) {
  return {
    url: `${base}/api/v2/macros/${row.id}.json`,
    id: row.id,
    title: row.title,
    raw_title: row.title,
    description: row.description,
    active: row.active === 1,
    position: row.position,
    default: row.is_default === 1,
    restriction: restrictionOf(row, groups),
    actions: parseJson(row.actions, []),
    created_at: presentTime(row.created_at),
    updated_at: presentTime(row.updated_at),
    ...Object.fromEntries(usage.map((w) => [w, Number(row[w] ?? 0)])),
  };
}

/** `GET /macros/new`: the macro as an unsaved copy, without what only a saved one has. */
export function presentReplica(row: Macro, groups: readonly number[], base: string) {
  const {
    url: _u,
    id: _i,
    created_at: _c,
    updated_at: _up,
    ...rest
  } = presentMacro(row, groups, base);
  return { ...rest, default: false };
}

/** The apply result's comment, as Zendesk nests it in the ticket (and Parley repeats beside). */
export function presentAppliedComment(c: AppliedComment) {
  return { body: c.body, html_body: c.html_body, public: c.public, scoped_body: c.scoped_body };
}

const TITLES: Record<string, string> = {
  status: 'Status',
  priority: 'Priority',
  type: 'Type',
  group_id: 'Group',
  assignee_id: 'Assignee',
  set_tags: 'Set tags',
  current_tags: 'Add tags',
  remove_tags: 'Remove tags',
  subject: 'Set subject',
  comment_value: 'Comment/description',
  comment_value_html: 'Comment/description (HTML)',
  comment_mode_is_public: 'Comment mode',
};

function definitionType(v: ActionValueKind): string {
  switch (v.kind) {
    case 'enum':
      return 'list';
    case 'id':
      return 'integer';
    case 'words':
      return 'tags';
    case 'boolean':
      return 'checkbox';
    default:
      return 'text';
  }
}

function definitionValues(v: ActionValueKind) {
  if (v.kind === 'enum') {
    const values = v.macroValues ?? v.values;
    return [...(v.blank ? [''] : []), ...values].map((value) => ({
      value,
      title: value === '' ? '-' : value[0]!.toUpperCase() + value.slice(1),
      enabled: true,
    }));
  }
  if (v.kind === 'id') {
    return v.special.map((value) => ({ value, title: value, enabled: true }));
  }
  if (v.kind === 'boolean') {
    return [
      { value: 'true', title: 'Public', enabled: true },
      { value: 'false', title: 'Private', enabled: true },
    ];
  }
  return undefined;
}

/**
 * The actions a macro may use (`/macros/actions`, `/macros/definitions`), from the rules'
 * catalogue (action-fields.ts), in the shape of Zendesk's definitions.
 */
export function macroActionDefinitions() {
  return Object.entries(ACTION_FIELDS)
    .filter(([, f]) => f.where.includes('macro'))
    .map(([subject, f]) => {
      const values = definitionValues(f.value);
      return {
        subject,
        title: TITLES[subject] ?? subject,
        type: definitionType(f.value),
        group: subject.startsWith('comment_') ? 'comment' : 'ticket',
        nullable: f.value.kind === 'enum' || f.value.kind === 'id' ? f.value.blank : false,
        repeatable: false,
        ...(values ? { values } : {}),
      };
    });
}
