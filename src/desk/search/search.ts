import { type SelectQueryBuilder, sql } from 'kysely';
import type { DB, Ticket, User } from '../../db/types.ts';
import { type Actor, type Conn, isAgent } from '../context.ts';
import { ForbiddenError } from '../errors.ts';
import { ticketScope, visibleTickets } from '../policies/tickets.ts';
import { parseSearchQuery } from './parse-query.ts';
import { ticketConditions, userConditions } from './search-conditions.ts';

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
function ticketSortKey(sortBy: SearchSort | undefined) {
  const by = sortBy ?? 'updated_at';
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
  scope: Awaited<ReturnType<typeof ticketScope>>,
  now: Date,
) {
  const parsed = parseSearchQuery(input.query);
  if (!parsed.ok) return parsed;
  const tCond = ticketConditions(db, actor, parsed.terms, now);
  const uCond = userConditions(db, parsed.terms, now);
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
  return { ok: true as const, tickets, users };
}

/**
 * `GET /api/v2/search`: tickets first, then users, one offset page over both (Zendesk mixes
 * them by relevance; Parley has no cross-type relevance, so a stable order pages soundly).
 */
export async function search(
  db: Conn,
  actor: Actor,
  input: SearchInput,
  now: Date,
): Promise<SearchResult> {
  mayTicketsSearch(actor);
  const q = searchQueries(db, actor, input, await ticketScope(db, actor), now);
  if (!q.ok) return q;
  const [ticketCount, userCount] = await Promise.all([count(q.tickets), count(q.users)]);
  const offset = (input.page - 1) * input.perPage;
  const dir = input.sortOrder;
  let tickets: Pick<Ticket, 'id' | 'version'>[] = [];
  if (q.tickets && offset < ticketCount) {
    tickets = await q.tickets
      .select(['tickets.id', 'tickets.version'])
      .orderBy(ticketSortKey(input.sortBy), dir)
      .orderBy('tickets.id', dir)
      .limit(input.perPage)
      .offset(offset)
      .execute();
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
      .offset(Math.max(0, offset - ticketCount))
      .execute();
  }
  return { ok: true, tickets, users, count: ticketCount + userCount };
}

/** `GET /api/v2/search/count`: the same matches, counted. */
export async function searchCount(
  db: Conn,
  actor: Actor,
  query: string,
  now: Date,
): Promise<{ ok: true; count: number } | { ok: false; problem: string }> {
  mayTicketsSearch(actor);
  const input: SearchInput = { query, sortOrder: 'desc', page: 1, perPage: 1 };
  const q = searchQueries(db, actor, input, await ticketScope(db, actor), now);
  if (!q.ok) return q;
  const [t, u] = await Promise.all([count(q.tickets), count(q.users)]);
  return { ok: true, count: t + u };
}

/** The rows a search query matches (PostgreSQL's count is a bigint, read as text). */
async function count(
  q: SelectQueryBuilder<DB, 'tickets', object> | SelectQueryBuilder<DB, 'users', object> | null,
): Promise<number> {
  if (!q) return 0;
  const counted = (q as SelectQueryBuilder<DB, 'tickets', object>).select(
    sql<number | string>`count(*)`.as('n'),
  );
  const row = await counted.executeTakeFirst();
  return Number(row?.n ?? 0);
}
