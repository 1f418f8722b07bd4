import {
  type Expression,
  type ExpressionBuilder,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import type { DB } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import { type TicketScope, visibleTickets } from '../desk/policies/tickets.ts';
import { TICKET_FIELDS } from '../desk/tickets/ticket-fields.ts';
import { VIA_IDS } from '../desk/via.ts';
import { ORDERED_FIELDS, type TimeField } from './condition-fields.ts';
import type { Condition, Conditions } from './conditions.ts';
import { type RuleProblem, refuse } from './rule-errors.ts';

/**
 * A view's conditions compiled into one SQL query over `tickets`: every condition is a WHERE
 * term (tags, the Slack connection and the requester's attributes as EXISTS subqueries), so
 * counting or paging a view never loads tickets to filter them in memory, and the terms keep
 * the shapes the ticket indexes serve (migration 0017): equality and IN lists on columns, and
 * ISO text timestamps compared with a bound computed here rather than a function of the column.
 */

/** Who runs the view and when: `current_user`, the time conditions and the ticket scope. */
export interface ViewRun {
  /** The agent executing the view (`current_user`). */
  userId: number;
  now: Date;
  /** The executing agent's ticket scope (src/desk/policies/tickets.ts), ANDed into the query. */
  scope: TicketScope;
}

type EB = ExpressionBuilder<DB, 'tickets'>;
type Where = Expression<SqlBool>;

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/** The live tickets of the view, within the agent's scope; select what you need from it. */
export function viewTickets(
  db: Conn,
  conditions: Conditions,
  run: ViewRun,
): SelectQueryBuilder<DB, 'tickets', object> {
  const q = db
    .selectFrom('tickets')
    .where('tickets.deleted_at', 'is', null)
    .where((eb) => viewWhere(eb, conditions, run));
  return visibleTickets(q, run.scope);
}

/** Zendesk's rule: every `all` condition and, unless `any` is empty, one of `any`. */
export function viewWhere(eb: EB, conditions: Conditions, run: ViewRun): Where {
  const parts = conditions.all.map((c) => conditionWhere(eb, c, run));
  if (conditions.any.length > 0) {
    parts.push(eb.or(conditions.any.map((c) => conditionWhere(eb, c, run))));
  }
  return parts.length === 0 ? TRUE : eb.and(parts);
}

/**
 * Refuses, with a 422 naming each, conditions the compiler has no SQL for. The parser already
 * keeps views to the catalogue's view fields; this guards a field added there later without
 * a compiled form here.
 */
export function checkCompilable(conditions: Conditions, prefix = 'conditions'): void {
  const problems: RuleProblem[] = [];
  for (const name of ['all', 'any'] as const) {
    conditions[name].forEach((c, i) => {
      if (!compilable(c.field)) {
        const path = `${prefix ? `${prefix}.` : ''}${name}[${i}].field`;
        problems.push({ path, message: `${c.field} is not supported in views` });
      }
    });
  }
  refuse(problems);
}

function compilable(field: string): boolean {
  return ticketColumn(field) !== undefined || Object.hasOwn(OTHER, field);
}

function ticketColumn(field: string): keyof DB['tickets'] | undefined {
  if (!Object.hasOwn(TICKET_FIELDS, field)) return undefined;
  const f = TICKET_FIELDS[field as keyof typeof TICKET_FIELDS];
  return f.kind === 'enum' || f.kind === 'id' ? (f.column as keyof DB['tickets']) : undefined;
}

function conditionWhere(eb: EB, c: Condition, run: ViewRun): Where {
  const column = ticketColumn(c.field);
  if (column !== undefined) return ticketFieldWhere(eb, c, column, run);
  const other = Object.hasOwn(OTHER, c.field) ? OTHER[c.field] : undefined;
  if (!other) {
    refuse([{ path: 'conditions', message: `${c.field} is not supported in views` }]);
    return FALSE;
  }
  return other(eb, c, run);
}

// ---- Ticket fields ----

type Col = `tickets.${string}`;

function ticketFieldWhere(eb: EB, c: Condition, column: string, run: ViewRun): Where {
  const col = `tickets.${column}` as Col as 'tickets.id';
  const nullable = TICKET_FIELDS[c.field as keyof typeof TICKET_FIELDS].nullable;
  const want = c.value === 'current_user' ? run.userId : c.value;
  if (c.operator === 'less_than' || c.operator === 'greater_than') {
    return orderedWhere(eb, c, col, nullable);
  }
  let is: Where;
  if (want === null) is = eb(col, 'is', null);
  else if (want === 'requester_id') is = eb(col, '=', eb.ref('tickets.requester_id'));
  else is = eb(col, '=', want as number);
  if (c.operator === 'is') return is;
  // `is_not` a value holds for tickets without one too, as the rules model decides it.
  if (want === null) return eb(col, 'is not', null);
  return nullable ? eb.or([eb.not(is), eb(col, 'is', null)]) : eb.not(is);
}

/**
 * less_than / greater_than: ordered enums as IN lists of the values below or above (no
 * priority counts as lower than low, as the rules model decides it); ids by number.
 */
function orderedWhere(eb: EB, c: Condition, col: 'tickets.id', nullable: boolean): Where {
  const less = c.operator === 'less_than';
  if (!ORDERED_FIELDS.has(c.field)) {
    if (c.value === null) return FALSE;
    return eb(col, less ? '<' : '>', Number(c.value));
  }
  const values = TICKET_FIELDS[c.field as 'status' | 'priority'].values as readonly string[];
  const at = c.value === null ? -1 : values.indexOf(String(c.value));
  const picked = values.filter((_, i) => (less ? i < at : i > at));
  const terms: Where[] = [];
  if (picked.length > 0) terms.push(eb(col, 'in', picked as unknown as number[]));
  if (less && nullable && at > -1) terms.push(eb(col, 'is', null));
  if (terms.length === 0) return FALSE;
  return terms.length === 1 ? terms[0]! : eb.or(terms);
}

// ---- Other fields ----

type Compiler = (eb: EB, c: Condition, run: ViewRun) => Where;

const negated = (c: Condition, w: Where, eb: EB): Where =>
  c.operator === 'is_not' ? eb.not(w) : w;

function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** Tags as the JSON lists users and organizations keep them: `"tag"` inside the text. */
function tagLikes(eb: EB, column: string, tags: readonly string[]): Where {
  const likes = tags.map(
    (t) =>
      sql<SqlBool>`${sql.ref(column)} like ${`%${likeEscaped(JSON.stringify(t))}%`} escape '\\'`,
  );
  return likes.length === 0 ? FALSE : eb.or(likes);
}

function tagsWhere(eb: EB, c: Condition): Where {
  const tags = c.value as readonly string[];
  if (tags.length === 0) return c.operator === 'not_includes' ? TRUE : FALSE;
  const found = eb.exists(
    eb
      .selectFrom('ticket_tags')
      .select(sql.lit(1).as('one'))
      .whereRef('ticket_tags.ticket_id', '=', 'tickets.id')
      .where('ticket_tags.tag', 'in', tags as string[]),
  );
  return c.operator === 'not_includes' ? eb.not(found) : found;
}

/** Via ids name channels (src/desk/via.ts); a via id no Parley channel has matches nothing. */
const CHANNEL_OF_VIA = new Map(Object.entries(VIA_IDS).map(([channel, id]) => [id, channel]));

function viaWhere(eb: EB, c: Condition): Where {
  const ids = Array.isArray(c.value) ? (c.value as number[]) : [Number(c.value)];
  const channels = ids.flatMap((id) => CHANNEL_OF_VIA.get(id) ?? []);
  const found = channels.length === 0 ? FALSE : eb('tickets.via_channel', 'in', channels);
  return c.operator === 'is_not' || c.operator === 'not_includes' ? eb.not(found) : found;
}

function slackConnectionWhere(eb: EB, c: Condition): Where {
  let conversation = eb
    .selectFrom('slack_conversation_tickets as sct')
    .innerJoin('slack_conversations as sc', 'sc.id', 'sct.conversation_id')
    .select(sql.lit(1).as('one'))
    .whereRef('sct.ticket_id', '=', 'tickets.id');
  if (c.value !== null) conversation = conversation.where('sc.connection_id', '=', Number(c.value));
  const found = eb.exists(conversation);
  // `is ""`: through no connection; `is_not ""`: through one.
  const is = c.value === null ? eb.not(found) : found;
  return negated(c, is, eb);
}

function emailDomainWhere(eb: EB, c: Condition): Where {
  const domain = String(c.value).toLowerCase();
  const found = eb.exists(
    eb
      .selectFrom('users as ru')
      .select(sql.lit(1).as('one'))
      .whereRef('ru.id', '=', 'tickets.requester_id')
      .where(sql<SqlBool>`lower(ru.email) like ${`%@${likeEscaped(domain)}`} escape '\\'`),
  );
  return negated(c, found, eb);
}

function requesterTagsWhere(eb: EB, c: Condition): Where {
  const found = eb.exists(
    eb
      .selectFrom('users as ru')
      .select(sql.lit(1).as('one'))
      .whereRef('ru.id', '=', 'tickets.requester_id')
      .where((sub) => tagLikes(sub as unknown as EB, 'ru.tags', c.value as readonly string[])),
  );
  return c.operator === 'not_includes' ? eb.not(found) : found;
}

function organizationTagsWhere(eb: EB, c: Condition): Where {
  const found = eb.exists(
    eb
      .selectFrom('organizations as ro')
      .select(sql.lit(1).as('one'))
      .whereRef('ro.id', '=', 'tickets.organization_id')
      .where((sub) => tagLikes(sub as unknown as EB, 'ro.tags', c.value as readonly string[])),
  );
  return c.operator === 'not_includes' ? eb.not(found) : found;
}

// ---- Time conditions: whole hours since (or until) an event ----

const HOUR = 3_600_000;

/** The column each time condition reads, and the status it applies to. */
const TIME_COLUMNS: Record<TimeField, { column: string; status?: string }> = {
  NEW: { column: 'created_at' },
  OPEN: { column: 'status_updated_at', status: 'open' },
  PENDING: { column: 'status_updated_at', status: 'pending' },
  HOLD: { column: 'status_updated_at', status: 'hold' },
  SOLVED: { column: 'status_updated_at', status: 'solved' },
  CLOSED: { column: 'status_updated_at', status: 'closed' },
  assigned_at: { column: 'assigned_at' },
  updated_at: { column: 'updated_at' },
  requester_updated_at: { column: 'requester_updated_at' },
  assignee_updated_at: { column: 'assignee_updated_at' },
  due_date: { column: 'due_at' },
  until_due_date: { column: 'due_at' },
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Hours since = floor((now - t) / 1h): `less_than n` is t > now - n h, `greater_than n` is
 * t <= now - (n+1) h, `is n` is between. `until_due_date` counts the other way (hours until
 * the due date), so its bounds mirror. A ticket without the timestamp matches none.
 */
function timeWhere(eb: EB, c: Condition, run: ViewRun): Where {
  const field = c.field as TimeField;
  const { column, status } = TIME_COLUMNS[field];
  const col = `tickets.${column}` as 'tickets.created_at';
  const n = Number(c.value);
  const now = run.now.getTime();
  const terms: Where[] = [];
  if (status) terms.push(eb('tickets.status', '=', status as 'open'));
  if (field === 'until_due_date') {
    if (c.operator !== 'greater_than')
      terms.push(eb(col, '<', iso(now + (c.operator === 'is' ? n + 1 : n) * HOUR)));
    if (c.operator !== 'less_than')
      terms.push(eb(col, '>=', iso(now + (c.operator === 'is' ? n : n + 1) * HOUR)));
  } else {
    if (c.operator !== 'greater_than')
      terms.push(eb(col, '>', iso(now - (c.operator === 'is' ? n + 1 : n) * HOUR)));
    if (c.operator !== 'less_than')
      terms.push(eb(col, '<=', iso(now - (c.operator === 'is' ? n : n + 1) * HOUR)));
  }
  return eb.and(terms);
}

const OTHER: Record<string, Compiler> = {
  current_tags: tagsWhere,
  via_id: viaWhere,
  slack_connection_id: slackConnectionWhere,
  'requester.email_domain': emailDomainWhere,
  'requester.tags': requesterTagsWhere,
  'organization.tags': organizationTagsWhere,
  ...Object.fromEntries(Object.keys(TIME_COLUMNS).map((f) => [f, timeWhere])),
};
