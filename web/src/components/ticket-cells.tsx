import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Group, TicketSummary, User } from '../types.ts';
import classes from './cells.module.css';
import { statusBadge } from './StatusBadge.tsx';

/** The key a column's value has in an execute row (Parley's rowKey, Zendesk's names). */
const ROW_KEYS: Record<string, string> = {
  nice_id: 'id',
  description: 'subject',
  requester: 'requester_id',
  assignee: 'assignee_id',
  submitter: 'submitter_id',
  group: 'group_id',
  organization: 'organization_id',
  brand: 'brand_id',
};
const USER_COLUMNS = new Set(['requester', 'assignee', 'submitter']);
const TIME_COLUMNS = new Set([
  'created',
  'updated',
  'solved',
  'assigned',
  'due_date',
  'updated_assignee',
  'updated_requester',
]);
/** Columns the server refuses to sort by (Zendesk's list) or that have no stored value. */
const UNSORTABLE = new Set([
  'description',
  'submitter',
  'custom_status_id',
  'updated_by_type',
  'locale_id',
  'satisfaction_score',
  'ticket_form',
]);

export const sortable = (column: string) => !UNSORTABLE.has(column);

export function rowValue(row: Record<string, unknown>, column: string): unknown {
  return row[ROW_KEYS[column] ?? column];
}

export interface CellContext {
  users: Map<number, User> | undefined;
  groups: Group[] | undefined;
  dates: Intl.DateTimeFormat;
  t: TFunction;
}

export function userIdsOf(rows: Array<Record<string, unknown>>, columns: string[]): number[] {
  return rows.flatMap((row) =>
    columns
      .filter((c) => USER_COLUMNS.has(c))
      .map((c) => rowValue(row, c))
      .filter((v): v is number => typeof v === 'number'),
  );
}

/**
 * Whether `row`'s cells read the same from both contexts: the same words and date format, and
 * the same names for the row's own people and group. A view's rows use it to skip drawing again
 * when only other rows' people were loaded (a new ticket's requester after a live refetch).
 */
export function sameCells(
  a: CellContext,
  b: CellContext,
  row: Record<string, unknown>,
  columns: string[],
): boolean {
  if (a.t !== b.t || a.dates !== b.dates) return false;
  for (const column of columns) {
    const value = rowValue(row, column);
    if (typeof value !== 'number') continue;
    if (USER_COLUMNS.has(column) && a.users?.get(value)?.name !== b.users?.get(value)?.name) {
      return false;
    }
    if (
      column === 'group' &&
      a.groups?.find((g) => g.id === value)?.name !== b.groups?.find((g) => g.id === value)?.name
    ) {
      return false;
    }
  }
  return true;
}

export function renderCell(
  column: string,
  row: Record<string, unknown> & { ticket: TicketSummary },
  ctx: CellContext,
): ReactNode {
  const value = rowValue(row, column);
  if (column === 'description') {
    return (
      <Link className={classes.link} to={`/tickets/${row.ticket.id}`}>
        {row.ticket.subject || `#${row.ticket.id}`}
      </Link>
    );
  }
  if (column === 'nice_id') return `#${row.ticket.id}`;
  if (column === 'status' && typeof value === 'string') return statusBadge(value, ctx.t);
  if (value === null || value === undefined) return '';
  if (USER_COLUMNS.has(column)) return ctx.users?.get(value as number)?.name ?? `#${value}`;
  if (column === 'group') return ctx.groups?.find((g) => g.id === value)?.name ?? `#${value}`;
  if (TIME_COLUMNS.has(column) && typeof value === 'string') {
    return <time dateTime={value}>{ctx.dates.format(new Date(value))}</time>;
  }
  return String(value);
}
