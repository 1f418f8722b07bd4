import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { DB, Ticket } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import { TICKET_FIELDS } from '../desk/tickets/ticket-fields.ts';
import type { TimeField } from './condition-fields.ts';
import type { Condition, Conditions } from './conditions.ts';
import { STATUS_HOURS } from './nullification.ts';

/**
 * The tickets an automation may act on, one keyset page at a time (never all of them in
 * memory): not closed, not deleted, and — where it is easy to say in SQL — narrowed by the
 * automation's `all` conditions on status, priority, type, group, assignee, tags and the hours
 * since an event. It is a pre-filter: every ticket it returns is still checked with `matches`,
 * so it may let through more than match, never fewer.
 */

type Query = SelectQueryBuilder<DB, 'tickets', Ticket>;
type Eb = ExpressionBuilder<DB, 'tickets'>;

const HOUR_MS = 3_600_000;

export function candidatePage(
  db: Conn,
  conditions: Conditions,
  now: Date,
  afterId: number,
  limit: number,
): Promise<Ticket[]> {
  let q: Query = db
    .selectFrom('tickets')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('status', '!=', 'closed')
    .where('id', '>', afterId);
  for (const c of conditions.all) q = narrow(q, c, now);
  return q.orderBy('id').limit(limit).execute();
}

/** The columns the hours conditions count from (due dates are left to `matches`). */
const TIME_COLUMNS: Partial<Record<TimeField, keyof Ticket & string>> = {
  NEW: 'created_at',
  updated_at: 'updated_at',
  assigned_at: 'assigned_at',
  requester_updated_at: 'requester_updated_at',
  assignee_updated_at: 'assignee_updated_at',
  OPEN: 'status_updated_at',
  PENDING: 'status_updated_at',
  HOLD: 'status_updated_at',
  SOLVED: 'status_updated_at',
};

const SCALARS = new Set(['status', 'priority', 'type', 'group_id', 'assignee_id']);

function narrow(q: Query, c: Condition, now: Date): Query {
  if (c.field === 'current_tags') return narrowTags(q, c);
  if (SCALARS.has(c.field)) return narrowScalar(q, c);
  const column = TIME_COLUMNS[c.field as TimeField];
  if (!column) return q;
  const status = STATUS_HOURS[c.field as TimeField];
  if (status !== undefined) q = q.where('status', '=', status as Ticket['status']);
  return narrowHours(q, column, c, now);
}

/**
 * Whole hours h since `column`: `greater_than N` is h ≥ N+1, so the time is at most N+1 hours
 * before now; `less_than N` is h < N, after N hours before now; `is N` between the two.
 */
function narrowHours(q: Query, column: keyof Ticket & string, c: Condition, now: Date): Query {
  const n = Number(c.value);
  const hoursAgo = (h: number) => new Date(now.getTime() - h * HOUR_MS).toISOString();
  const col = column as 'created_at';
  if (c.operator === 'greater_than') return q.where(col, '<=', hoursAgo(n + 1));
  if (c.operator === 'less_than') return q.where(col, '>', hoursAgo(n));
  return q.where(col, '<=', hoursAgo(n)).where(col, '>', hoursAgo(n + 1));
}

function narrowTags(q: Query, c: Condition): Query {
  const tags = [...((c.value as readonly string[] | null) ?? [])];
  if (tags.length === 0) return q;
  const tagged = (eb: Eb) =>
    eb.exists(
      eb
        .selectFrom('ticket_tags')
        .select('ticket_tags.ticket_id')
        .whereRef('ticket_tags.ticket_id', '=', 'tickets.id')
        .where('ticket_tags.tag', 'in', tags),
    );
  return c.operator === 'not_includes'
    ? q.where((eb) => eb.not(tagged(eb)))
    : q.where((eb) => tagged(eb));
}

/** The values an ordered field may take for `less_than` / `greater_than` (null lowest). */
function orderedValues(field: 'status' | 'priority', c: Condition): (string | null)[] {
  const values: (string | null)[] = [null, ...TICKET_FIELDS[field].values];
  const at = values.indexOf(c.value as string | null);
  return c.operator === 'less_than' ? values.slice(0, at) : values.slice(at + 1);
}

function narrowScalar(q: Query, c: Condition): Query {
  const v = c.value;
  // `current_user` and `requester_id` are resolved per ticket by `matches`.
  if (typeof v === 'string' && (v === 'current_user' || v === 'requester_id')) return q;
  const col = c.field as 'priority';
  if (c.operator === 'less_than' || c.operator === 'greater_than') {
    const allowed = orderedValues(c.field as 'status' | 'priority', c);
    const named = allowed.filter((x): x is string => x !== null) as Ticket['priority'][];
    return q.where((eb) =>
      eb.or([
        ...(named.length > 0 ? [eb(col, 'in', named)] : []),
        ...(allowed.includes(null) ? [eb(col, 'is', null)] : []),
        ...(allowed.length === 0 ? [eb.lit(false)] : []),
      ]),
    );
  }
  const value = v as Ticket['priority'];
  if (c.operator === 'is')
    return value === null ? q.where(col, 'is', null) : q.where(col, '=', value);
  if (c.operator === 'is_not') {
    return value === null
      ? q.where(col, 'is not', null)
      : q.where((eb) => eb.or([eb(col, '!=', value), eb(col, 'is', null)]));
  }
  return q;
}
