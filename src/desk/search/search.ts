import { type SelectQueryBuilder, sql } from 'kysely';
import type { DB, Ticket, User } from '../../db/types.ts';
import { type Actor, type Conn, isAgent } from '../context.ts';
import { ForbiddenError } from '../errors.ts';
import { type TicketScope, ticketScope, visibleTickets } from '../policies/tickets.ts';
import { parseSearchQuery, type SearchTerm } from './parse-query.ts';
import { ticketConditions, userConditions } from './search-conditions.ts';
import { countTickets, expandPrefixes, ticketPage } from './ticket-search.ts';

export const SEARCH_SORTS = [
  'updated_at',
  'created_at',
  'priority',
  'status',
  'ticket_type',
] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface SearchInput {
  query: string;
  sortBy?: SearchSort | undefined;
  sortOrder: 'asc' | 'desc';
  page: number;
  perPage: number;
}

export type SearchResult =
  | { ok: true; tickets: Pick<Ticket, 'id' | 'version'>[]; users: User[]; count: number }
  | { ok: false; problem: string };

/** Only agents search tickets and users; end users search the help center, as in Zendesk. */
function mayTicketsSearch(actor: Actor): void {
  if (!isAgent(actor.user)) throw new ForbiddenError();
}

const RANKS: Record<string, readonly string[]> = {
  status: ['new', 'open', 'pending', 'hold', 'solved', 'closed'],
  priority: ['low', 'normal', 'high', 'urgent'],
};

/** What a sort orders tickets by: orders of importance, not of spelling, for status and priority. */
function ticketSortKey(by: SearchSort) {
  const ranks = RANKS[by];
  if (!ranks) return sql.ref(by === 'ticket_type' ? 'tickets.type' : `tickets.${by}`);
  const cases = ranks.map((r, i) => sql`when ${r} then ${i}`);
  return sql`case ${sql.ref(`tickets.${by}`)} ${sql.join(cases, sql` `)} else -1 end`;
}

/** The search's two record types, in scope, as queries (null: a type the query rules out). */
export function searchQueries(
  db: Conn,
  actor: Actor,
  input: SearchInput,
  scope: TicketScope,
  now: Date,
) {
  const parsed = parseSearchQuery(input.query);
  if (!parsed.ok) return parsed;
  return queriesFor(db, actor, parsed.terms, scope, now);
}

function queriesFor(db: Conn, actor: Actor, terms: SearchTerm[], scope: TicketScope, now: Date) {
  const tCond = ticketConditions(db, actor, terms, now);
  const uCond = userConditions(db, terms, now);
  const tickets = tCond
    ? visibleTickets(db.selectFrom('tickets').where('deleted_at', 'is', null), scope).where(tCond)
    : null;
  const users = uCond
    ? db
        .selectFrom('users')
        .where('active', '=', 1)
        .where('merged_into_id', 'is', null)
        .where(uCond)
    : null;
  return { ok: true as const, tickets, users, terms };
}

/** The query parsed, its prefixes looked up (SQLite), as queries. */
async function prepare(db: Conn, actor: Actor, query: string, scope: TicketScope, now: Date) {
  const parsed = parseSearchQuery(query);
  if (!parsed.ok) return parsed;
  await expandPrefixes(db, parsed.terms);
  return queriesFor(db, actor, parsed.terms, scope, now);
}

/**
 * `GET /api/v2/search`: tickets first, then users, one offset page over both (Zendesk mixes
 * them by relevance; Parley has no cross-type relevance, so a stable order pages soundly).
 * Ticket counts above a thousand may be estimates (ticket-search.ts).
 */
export async function search(
  db: Conn,
  actor: Actor,
  input: SearchInput,
  now: Date,
): Promise<SearchResult> {
  mayTicketsSearch(actor);
  const scope = await ticketScope(db, actor);
  const q = await prepare(db, actor, input.query, scope, now);
  if (!q.ok) return q;
  const [ticketCount, userCount] = await Promise.all([
    q.tickets ? countTickets(db, actor, q.terms, scope, now) : { n: 0, exact: true },
    count(q.users),
  ]);
  const offset = (input.page - 1) * input.perPage;
  const dir = input.sortOrder;
  let tickets: Pick<Ticket, 'id' | 'version'>[] = [];
  // An estimated count may be off either way: the page itself says where the tickets end.
  if (q.tickets && (offset < ticketCount.n || !ticketCount.exact)) {
    const sortBy = input.sortBy ?? 'updated_at';
    const page = { sortBy, key: ticketSortKey(sortBy), dir, offset, perPage: input.perPage };
    tickets = await ticketPage(db, actor, q.terms, scope, now, page, ticketCount);
  }
  let users: User[] = [];
  const userRoom = input.perPage - tickets.length;
  if (q.users && userRoom > 0) {
    const by = input.sortBy === 'created_at' ? 'users.created_at' : 'users.updated_at';
    users = await q.users
      .selectAll('users')
      .orderBy(by, dir)
      .orderBy('users.id', dir)
      .limit(userRoom)
      .offset(Math.max(0, offset - ticketCount.n))
      .execute();
  }
  return { ok: true, tickets, users, count: ticketCount.n + userCount };
}

/** `GET /api/v2/search/count`: the same matches, counted (above a thousand, maybe estimated). */
export async function searchCount(
  db: Conn,
  actor: Actor,
  query: string,
  now: Date,
): Promise<{ ok: true; count: number } | { ok: false; problem: string }> {
  mayTicketsSearch(actor);
  const scope = await ticketScope(db, actor);
  const q = await prepare(db, actor, query, scope, now);
  if (!q.ok) return q;
  const [t, u] = await Promise.all([
    q.tickets ? countTickets(db, actor, q.terms, scope, now) : { n: 0, exact: true },
    count(q.users),
  ]);
  return { ok: true, count: t.n + u };
}

/** The users a search query matches (PostgreSQL's count is a bigint, read as text). */
async function count(q: SelectQueryBuilder<DB, 'users', object> | null): Promise<number> {
  if (!q) return 0;
  const row = await q.select(sql<number | string>`count(*)`.as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}
