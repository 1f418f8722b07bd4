import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { isPostgres } from '../../db/dialect.ts';
import type { Actor, Conn } from '../context.ts';
import { AGO, DAY, type FilterKey, type SearchTerm } from './parse-query.ts';
import { fts5Expression, type TextMatch, tsqueryExpression } from './search-text.ts';

/**
 * Search terms as SQL conditions on tickets and on users. Text goes through the full-text
 * indexes (a subquery per term, either a lookup of all matches or a probe of one row: TextMode);
 * keywords are conditions on the row. A term that cannot apply to a record type (`status:` for users, `role:` for tickets)
 * leaves that type out of the results, as a `type:` would.
 */

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const USER_KEYS = new Set<FilterKey>(['type', 'created', 'updated', 'organization', 'role']);
const TICKET_TEXT = new Set(['any', 'subject', 'description', 'comment']);
const USER_TEXT = new Set(['any', 'name', 'email']);

/** The values of an ordered list a comparison keeps (`status<solved`). */
function ordered(list: string[], op: string, value: string): string[] {
  const i = list.indexOf(value.toLowerCase());
  if (i < 0) return [];
  const keep: Record<string, (j: number) => boolean> = {
    ':': (j) => j === i,
    '<': (j) => j < i,
    '>': (j) => j > i,
    '<=': (j) => j <= i,
    '>=': (j) => j >= i,
  };
  return list.filter((_, j) => keep[op]!(j));
}

/**
 * A date term as an ISO range [from, to). A day is the whole day (`created:2026-01-01`),
 * `>` is after it, `<` before it; a time ago (`created>4hours`) is a moment: `>` is since then.
 */
function dateRange(op: string, value: string, now: Date): { from?: string; to?: string } {
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (DAY.test(value)) {
    const start = new Date(`${value}T00:00:00Z`);
    const next = new Date(start.getTime() + 86_400_000);
    if (op === ':') return { from: iso(start), to: iso(next) };
    if (op === '>') return { from: iso(next) };
    if (op === '>=') return { from: iso(start) };
    if (op === '<') return { to: iso(start) };
    return { to: iso(next) };
  }
  const [, n, unit] = AGO.exec(value)!; // the parser let only these two forms through
  const at = new Date(now);
  const count = Number(n);
  if (unit === 'month') at.setUTCMonth(at.getUTCMonth() - count);
  else if (unit === 'year') at.setUTCFullYear(at.getUTCFullYear() - count);
  else {
    const ms = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 }[unit!]!;
    at.setTime(at.getTime() - count * ms);
  }
  return op.startsWith('<') ? { to: iso(at) } : { from: iso(at) };
}

type Sql = RawBuilder<SqlBool>;
const TRUE: Sql = sql<SqlBool>`1 = 1`;
const FALSE: Sql = sql<SqlBool>`1 = 0`;

/** Not `cond`, a null (no assignee, say) counting as not matching: `-assignee:x` keeps unassigned. */
function negate(cond: Sql): Sql {
  return sql<SqlBool>`not coalesce(${cond}, false)`;
}

function all(parts: Sql[]): Sql {
  return parts.length === 0 ? TRUE : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

function inRange(column: string, range: { from?: string; to?: string }): Sql {
  const ref = sql.ref(column);
  const parts: Sql[] = [];
  if (range.from) parts.push(sql<SqlBool>`${ref} >= ${range.from}`);
  if (range.to) parts.push(sql<SqlBool>`${ref} < ${range.to}`);
  return all(parts);
}

/** A user named by `me`, an email or a name (case-insensitively). */
function usersNamed(actor: Actor, value: string) {
  const v = value.toLowerCase();
  if (v === 'me') return sql`(${actor.user.id})`;
  return sql`(select id from users where lower(email) = ${v} or lower(name) = ${v})`;
}

const byName = (table: string, value: string) =>
  sql`(select id from ${sql.table(table)} where lower(name) = ${value.toLowerCase()})`;

function ticketFilter(
  actor: Actor,
  now: Date,
  t: Extract<SearchTerm, { kind: 'filter' }>,
): Sql | null {
  const v = t.value;
  const id = (column: string, set: RawBuilder<unknown>) =>
    v.toLowerCase() === 'none'
      ? sql<SqlBool>`${sql.ref(column)} is null`
      : sql<SqlBool>`${sql.ref(column)} in ${set}`;
  const oneOf = (column: string, values: string[]) =>
    values.length === 0 ? FALSE : sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`;
  switch (t.key) {
    case 'type':
      return v.toLowerCase() === 'ticket' ? TRUE : null;
    case 'status':
      return oneOf('tickets.status', ordered(STATUSES, t.op, v));
    case 'priority':
      return oneOf('tickets.priority', ordered(PRIORITIES, t.op, v));
    case 'ticket_type':
      return oneOf('tickets.type', [v.toLowerCase()]);
    case 'assignee':
      return id('tickets.assignee_id', usersNamed(actor, v));
    case 'requester':
      return id('tickets.requester_id', usersNamed(actor, v));
    case 'group':
      return id('tickets.group_id', byName('groups', v));
    case 'organization':
      return id('tickets.organization_id', byName('organizations', v));
    case 'brand':
      return id('tickets.brand_id', byName('brands', v));
    case 'tags':
      return sql<SqlBool>`exists (select 1 from ticket_tags tt where tt.ticket_id = tickets.id and tt.tag = ${v.toLowerCase()})`;
    case 'via': {
      const channel = v.toLowerCase();
      if (channel === 'slack') return sql<SqlBool>`tickets.from_messaging_channel = 1`;
      return sql<SqlBool>`tickets.via_channel = ${channel}`;
    }
    case 'created':
    case 'updated':
    case 'solved': {
      return inRange(`tickets.${t.key}_at`, dateRange(t.op, v, now));
    }
    case 'role':
      return null;
  }
}

function userFilter(t: Extract<SearchTerm, { kind: 'filter' }>, now: Date): Sql | null {
  const v = t.value.toLowerCase();
  switch (t.key) {
    case 'type':
      return v === 'user' ? TRUE : null;
    case 'role':
      return sql<SqlBool>`users.role = ${v}`;
    case 'organization':
      return v === 'none'
        ? sql<SqlBool>`users.organization_id is null`
        : sql<SqlBool>`users.organization_id in ${byName('organizations', v)}`;
    case 'created':
    case 'updated':
      return inRange(`users.${t.key}_at`, dateRange(t.op, t.value, now));
    default:
      return null;
  }
}

/**
 * How a text condition asks the index. `set`: the row's id is among every match (the index
 * lists them all once; best when the text is what narrows the search). `probe`: the index is
 * asked about this one row (best when few rows are checked: a window of the newest tickets;
 * on SQLite each probe costs about 0.1 ms, so only for a few). `{ from, below }` (SQLite,
 * positive text): the matches with ids from `from` up, listed once (FTS5 seeks to an id range
 * in a fraction of a millisecond), and the ids `below` it found matching by ticketTextProbe.
 */
export type TextMode = 'set' | 'probe' | { from: number; below: number[] };

/** Text terms through the index: rows of `table` whose document matches. */
function textIn(
  db: Conn,
  kind: 'ticket' | 'user',
  matches: TextMatch[],
  negated: boolean,
  mode: TextMode = 'set',
): Sql {
  const idRef = sql.ref(kind === 'ticket' ? 'tickets.id' : 'users.id');
  const [table, key] =
    kind === 'ticket' ? ['ticket_search', 'ticket_id'] : ['user_search', 'user_id'];
  const t = sql.table(table!);
  if (typeof mode === 'object' && !negated && !isPostgres(db)) {
    // The ids below `from` that match, probed one by one beforehand: as an `exists` here,
    // SQLite would turn the probe into a list of every match.
    const inRange = sql<SqlBool>`(${idRef} >= ${mode.from} and ${idRef} in (select rowid from ${t}
      where ${t} match ${fts5Expression(matches)} and rowid >= ${mode.from}))`;
    if (mode.below.length === 0) return inRange;
    return sql<SqlBool>`(${inRange} or ${idRef} in (${sql.join(mode.below)}))`;
  }
  if (mode !== 'set') {
    const exists = negated ? sql`not exists` : sql`exists`;
    // PostgreSQL: the row's document read by its key, then matched. As an `exists` with both
    // conditions the planner may take the GIN index, a full lookup per window row (the likely
    // cause of a 38 s page at 100k tickets, docs/benchmarks.md).
    const hit = sql<SqlBool>`coalesce((select s.document from ${t} s
      where s.${sql.ref(key!)} = ${idRef}) @@ to_tsquery('simple', ${tsqueryExpression(matches)}), false)`;
    return isPostgres(db)
      ? negated
        ? sql<SqlBool>`not ${hit}`
        : hit
      : sql<SqlBool>`${exists} (select 1 from ${t} where ${t} match ${fts5Expression(matches)}
          and rowid = ${idRef})`;
  }
  const not = negated ? sql`not in` : sql`in`;
  if (isPostgres(db)) {
    return sql<SqlBool>`${idRef} ${not} (select ${sql.ref(key!)} from ${t}
      where document @@ to_tsquery('simple', ${tsqueryExpression(matches)}))`;
  }
  return sql<SqlBool>`${idRef} ${not} (select rowid from ${t} where ${t} match ${fts5Expression(matches)})`;
}

/**
 * What `terms` ask of tickets, or null when they can match no ticket at all: the positive
 * text terms (which one index lookup answers together) apart from every other condition
 * (each excluded text term on its own, with `mode`).
 */
export function ticketConditionParts(
  db: Conn,
  actor: Actor,
  terms: SearchTerm[],
  now: Date,
  mode: TextMode,
): { text: TextMatch[]; others: Sql[] } | null {
  const others: Sql[] = [];
  const text: TextMatch[] = [];
  for (const t of terms) {
    if (t.kind === 'text') {
      if (!TICKET_TEXT.has(t.field)) return null;
      if (t.negated) others.push(textIn(db, 'ticket', [t], true, mode));
      else text.push(t);
      continue;
    }
    const cond = ticketFilter(actor, now, t);
    if (!cond) return null;
    others.push(t.negated ? negate(cond) : cond);
  }
  return { text, others };
}

/** The condition `terms` put on tickets, or null when they can match no ticket at all. */
export function ticketConditions(
  db: Conn,
  actor: Actor,
  terms: SearchTerm[],
  now: Date,
  mode: TextMode = 'set',
): Sql | null {
  const parts = ticketConditionParts(db, actor, terms, now, mode);
  if (!parts) return null;
  const { text, others } = parts;
  return all(text.length > 0 ? [textIn(db, 'ticket', text, false, mode), ...others] : others);
}

/** SQLite: whether ticket `id`'s document matches `text`, asked of that one row. */
export async function ticketTextProbe(db: Conn, text: TextMatch[], id: number): Promise<boolean> {
  const { rows } = await sql`select 1 as hit from ticket_search
    where ticket_search match ${fts5Expression(text)} and rowid = ${id}`.execute(db);
  return rows.length > 0;
}

/**
 * SQLite: the rows of the ticket index matching `text` (all of it), newest ticket first, at most
 * `limit` (FTS5 reads them in rowid order; PostgreSQL's GIN index would list every match first,
 * so its count walks the tickets instead: countTicketsPg).
 */
export function ticketTextMatches(text: TextMatch[], limit: number) {
  return sql<{ id: number }>`select rowid as id from ticket_search
    where ticket_search match ${fts5Expression(text)} order by rowid desc limit ${limit}`;
}

/** The condition `terms` put on users, or null when they can match no user. */
export function userConditions(db: Conn, terms: SearchTerm[], now: Date): Sql | null {
  const parts: Sql[] = [];
  const positive: TextMatch[] = [];
  for (const t of terms) {
    if (t.kind === 'text') {
      if (!USER_TEXT.has(t.field)) return null;
      if (t.negated) parts.push(textIn(db, 'user', [t], true));
      else positive.push(t);
      continue;
    }
    if (!USER_KEYS.has(t.key)) return null;
    const cond = userFilter(t, now);
    if (!cond) return null;
    parts.push(t.negated ? negate(cond) : cond);
  }
  if (positive.length > 0) parts.unshift(textIn(db, 'user', positive, false));
  return all(parts);
}
