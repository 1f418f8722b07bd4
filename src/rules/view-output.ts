import { z } from 'zod';
import { type RuleProblem, refuse, shown, zodProblems } from './rule-errors.ts';

/**
 * How a view shows its tickets (Zendesk's `output` on write, `execution` on read, §6): up to
 * ten columns from Zendesk's list, a grouping and a sort. Stored in the `output` form.
 */

/** Zendesk's column ids, their titles, and the ticket column each reads (null: Parley has none). */
export const VIEW_COLUMNS: Readonly<Record<string, { title: string; column: string | null }>> = {
  assigned: { title: 'Assigned', column: 'assigned_at' },
  assignee: { title: 'Assignee', column: 'assignee_id' },
  due_date: { title: 'Due Date', column: 'due_at' },
  group: { title: 'Group', column: 'group_id' },
  nice_id: { title: 'ID', column: 'id' },
  updated: { title: 'Updated', column: 'updated_at' },
  updated_assignee: { title: 'Assignee updated', column: 'assignee_updated_at' },
  updated_requester: { title: 'Requester updated', column: 'requester_updated_at' },
  updated_by_type: { title: 'Updater', column: null },
  organization: { title: 'Organization', column: 'organization_id' },
  priority: { title: 'Priority', column: 'priority' },
  created: { title: 'Requested', column: 'created_at' },
  requester: { title: 'Requester', column: 'requester_id' },
  locale_id: { title: 'Requester language', column: null },
  satisfaction_score: { title: 'Satisfaction', column: null },
  solved: { title: 'Solved', column: 'solved_at' },
  status: { title: 'Status', column: 'status' },
  description: { title: 'Subject', column: 'subject' },
  submitter: { title: 'Submitter', column: 'submitter_id' },
  ticket_form: { title: 'Ticket form', column: null },
  type: { title: 'Type', column: 'type' },
  brand: { title: 'Brand', column: 'brand_id' },
  custom_status_id: { title: 'Ticket status', column: null },
};

/** Columns Zendesk does not group or sort by (§6). */
const NOT_ORDERABLE = new Set(['description', 'submitter', 'custom_status_id']);

export const MAX_COLUMNS = 10;

export interface ViewOutput {
  columns: string[];
  group_by: string | null;
  group_order: 'asc' | 'desc';
  sort_by: string | null;
  sort_order: 'asc' | 'desc';
}

export const DEFAULT_OUTPUT: ViewOutput = {
  columns: ['status', 'description', 'requester', 'created', 'type', 'priority'],
  group_by: null,
  group_order: 'asc',
  sort_by: null,
  sort_order: 'desc',
};

const order = z.enum(['asc', 'desc']);
const rawOutput = z
  .object({
    columns: z.array(z.union([z.string(), z.number(), z.object({ id: z.unknown() })])).optional(),
    fields: z.array(z.unknown()).optional(),
    group_by: z.string().nullable().optional(),
    group_order: order.nullable().optional(),
    sort_by: z.string().nullable().optional(),
    sort_order: order.nullable().optional(),
  })
  // Zendesk's `execution` repeats the grouping and sort as objects; they say nothing more.
  .passthrough();

/** A column as given: an id, or an `{id, title}` object from an `execution` payload. */
function columnId(c: unknown): unknown {
  return typeof c === 'object' && c !== null && 'id' in c ? (c as { id: unknown }).id : c;
}

/**
 * Parses `output` (or an `execution` read back from Zendesk) into the stored form, over
 * `base` (the view's output so far); throws a 422 naming each bad part.
 */
export function parseOutput(input: unknown, path: string, base = DEFAULT_OUTPUT): ViewOutput {
  const raw = rawOutput.safeParse(input ?? {});
  if (!raw.success) refuse(zodProblems(path, raw.error));
  const given = raw.data!;
  const problems: RuleProblem[] = [];
  const out: ViewOutput = { ...base };
  if (given.columns !== undefined) {
    out.columns = given.columns.map(columnId).flatMap((id, i) => {
      if (typeof id === 'string' && Object.hasOwn(VIEW_COLUMNS, id)) return [id];
      problems.push({ path: `${path}.columns[${i}]`, message: `${shown(id)} is not a column` });
      return [];
    });
    if (given.columns.length > MAX_COLUMNS) {
      problems.push({ path: `${path}.columns`, message: `at most ${MAX_COLUMNS} columns` });
    }
  }
  for (const key of ['group_by', 'sort_by'] as const) {
    const v = given[key];
    if (v === undefined) continue;
    if (v === null || v === '') out[key] = null;
    else if (!Object.hasOwn(VIEW_COLUMNS, v) || NOT_ORDERABLE.has(v)) {
      problems.push({ path: `${path}.${key}`, message: `${shown(v)} is not a column to order by` });
    } else out[key] = v;
  }
  if (given.group_order) out.group_order = given.group_order;
  if (given.sort_order) out.sort_order = given.sort_order;
  refuse(problems);
  return out;
}

/** `execution` as Zendesk shows it. */
export function presentExecution(output: ViewOutput) {
  const described = (id: string | null, o: 'asc' | 'desc') =>
    id === null ? null : { id, title: VIEW_COLUMNS[id]?.title ?? id, order: o };
  return {
    group_by: output.group_by,
    group_order: output.group_order,
    sort_by: output.sort_by,
    sort_order: output.sort_order,
    group: described(output.group_by, output.group_order),
    sort: described(output.sort_by, output.sort_order),
    columns: presentColumns(output.columns),
    fields: presentColumns(output.columns),
    custom_fields: [],
  };
}

/** Whether a column id may order a view (group_by / sort_by). */
export function orderable(id: string): boolean {
  return Object.hasOwn(VIEW_COLUMNS, id) && !NOT_ORDERABLE.has(id);
}

export function presentColumns(ids: readonly string[]) {
  return ids.map((id) => ({ id, title: VIEW_COLUMNS[id]?.title ?? id }));
}

/** The key a column's value has in an `execute` row: ids as `<name>_id`, as Zendesk names them. */
export function rowKey(columnIdValue: string): string {
  const col = VIEW_COLUMNS[columnIdValue]?.column;
  if (col === 'id') return 'id';
  if (col === 'subject') return 'subject';
  return col?.endsWith('_id') ? col : columnIdValue;
}
