import { presentTime } from '../../../desk/time.ts';
import { parseJson } from '../../../desk/time.ts';
import {
  VIEW_COLUMNS,
  presentColumns,
  presentExecution,
  rowKey,
} from '../../../rules/view-output.ts';
import type { ViewRow } from '../../../rules/view-run.ts';
import { storedOutput, type ViewRecord } from '../../../rules/views.ts';
import { renderViewTitle } from '../../../rules/view-titles.ts';

/** Zendesk's `restriction`: a user's personal view, groups' view, or null (shared). */
export function presentRestriction(v: ViewRecord) {
  if (v.row.user_id !== null) return { type: 'User', id: v.row.user_id };
  if (v.groupIds.length > 0) return { type: 'Group', id: v.groupIds[0]!, ids: v.groupIds };
  return null;
}

/** Zendesk's view JSON (§6). */
/** `locale` is the reader's: a default view's `{{zd.…}}` title is rendered in it. */
export function presentView(v: ViewRecord, base: string, locale: string) {
  const { row } = v;
  return {
    url: `${base}/api/v2/views/${row.id}.json`,
    id: row.id,
    title: renderViewTitle(row.title, locale),
    raw_title: row.title,
    description: row.description,
    active: row.active === 1,
    position: row.position,
    default: row.is_default === 1,
    restriction: presentRestriction(v),
    conditions: parseJson(row.conditions, { all: [], any: [] }),
    execution: presentExecution(storedOutput(row)),
    created_at: presentTime(row.created_at),
    updated_at: presentTime(row.updated_at),
  };
}

/** `GET /views/compact`: what a list of views in the agent's sidebar needs. */
export function presentCompactView(v: ViewRecord, base: string, locale: string) {
  const { row } = v;
  return {
    url: `${base}/api/v2/views/${row.id}.json`,
    id: row.id,
    title: renderViewTitle(row.title, locale),
    active: row.active === 1,
    position: row.position,
    default: row.is_default === 1,
    restriction: presentRestriction(v),
    updated_at: presentTime(row.updated_at),
  };
}

export function presentCount(viewId: number | null, value: number, active: boolean, base: string) {
  return {
    view_id: viewId,
    url: viewId === null ? null : `${base}/api/v2/views/${viewId}/count.json`,
    value,
    pretty: String(value),
    fresh: true,
    active,
  };
}

const TIME_COLUMNS = new Set([
  'created_at',
  'updated_at',
  'assigned_at',
  'solved_at',
  'due_at',
  'requester_updated_at',
  'assignee_updated_at',
]);

/** One `execute` row: each column's value under its key, and the ticket's partial. */
export function presentRow(t: ViewRow, columns: readonly string[], base: string) {
  const out: Record<string, unknown> = {};
  for (const id of columns) {
    const column = VIEW_COLUMNS[id]?.column ?? null;
    const value = column === null ? null : (t as Record<string, unknown>)[column];
    out[rowKey(id)] =
      column && TIME_COLUMNS.has(column) ? presentTime(value as string | null) : (value ?? null);
  }
  out.ticket = {
    id: t.id,
    url: `${base}/api/v2/tickets/${t.id}.json`,
    subject: t.subject,
    description: t.description,
    status: t.status,
    type: t.type,
    priority: t.priority,
    requester_id: t.requester_id,
    assignee_id: t.assignee_id,
    group_id: t.group_id,
    organization_id: t.organization_id,
    brand_id: t.brand_id,
    via: { channel: t.via_channel },
    created_at: presentTime(t.created_at),
    updated_at: presentTime(t.updated_at),
  };
  return out;
}

export { presentColumns };
