import { type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { isPostgres } from '../../db/dialect.ts';
import { ticketDocumentGeneration } from '../../db/search-documents.ts';
import type { DB, Ticket } from '../../db/types.ts';
import type { Actor, Conn } from '../context.ts';
import { type TicketScope, visibleTickets } from '../policies/tickets.ts';
import { countLiveTickets } from '../tickets/count-tickets.ts';
import type { SearchTerm } from './parse-query.ts';
import { stemOf } from './search-text.ts';
import {
  type TextMode,
  ticketConditionParts,
  ticketConditions,
  ticketTextMatches,
  ticketTextProbe,
} from './search-conditions.ts';

/**
 * Ticket search at scale: a count and a page that stay fast when a word matches most of a
 * million tickets, without sorting or counting every match.
 *
 * - **Count**: the matches among the newest candidates (the tickets the text matches, newest
 *   first, or every live ticket when there is no text) are counted up to `exactCount`. Beyond
 *   that the count is an estimate (`exact: false`): the matches found, scaled by how much of
 *   the id range they came from, as Zendesk's counts of large results are approximate (with a
 *   date condition, which picks tickets by age as ids do, `exactCount + 1`: "more than"). When
 *   the newest `countWalk` candidates hold fewer, the count is scaled from them likewise when
 *   that gives more than twice `exactCount` (and no date condition); else every match is
 *   counted exactly.
 * - **Page**: looked for among a window of the first tickets in the requested order (by
 *   `updated_at` or `created_at`, read from their indexes), each checked against the query
 *   with one index probe per text term; when the window holds the whole page, that page is
 *   the page of all matches, as no ticket outside the window sorts before one inside. The
 *   window is tried only when the count says it should hold the page. On PostgreSQL, past the
 *   windows, the tickets are walked in that order in growing chunks until the page is filled
 *   (walkedPage). Otherwise (a rare word, another sort) the query runs over every match, which
 *   the index lists.
 */
export const SEARCH_BOUNDS = {
  exactCount: 1000,
  countWalk: 20_000,
  /** Window sizes, smallest first. */
  windows: [2_000, 20_000] as number[],
  /** PostgreSQL, past the windows: tickets walked in the page's order, first chunk and at most. */
  walkFirst: 20_000,
  walkMax: 400_000,
};

export interface TicketCount {
  n: number;
  /** False: `n` is an estimate of a count above `exactCount`. */
  exact: boolean;
}

type TicketQuery = SelectQueryBuilder<DB, 'tickets', object>;
type Sql = RawBuilder<SqlBool>;

const and = (parts: Sql[]): Sql =>
  parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;

/** The live tickets `scope` sees. */
function liveTickets(db: Conn, scope: TicketScope): TicketQuery {
  return visibleTickets(db.selectFrom('tickets').where('tickets.deleted_at', 'is', null), scope);
}

const DATE_KEYS = new Set(['created', 'updated', 'solved']);

/** The tickets `terms` match, counted (exactly up to `exactCount`, then maybe estimated). */
export async function countTickets(
  db: Conn,
  actor: Actor,
  terms: SearchTerm[],
  scope: TicketScope,
  now: Date,
): Promise<TicketCount> {
  // SQLite: excluded words as the list of a word's matches (a probe per row costs more).
  if (isPostgres(db)) return countTicketsPg(db, actor, terms, scope, now);
  const parts = ticketConditionParts(db, actor, terms, now, 'set');
  if (!parts) return { n: 0, exact: true };
  const { exactCount, countWalk } = SEARCH_BOUNDS;
  const candidates =
    parts.text.length > 0
      ? ticketTextMatches(parts.text, countWalk)
      : sql<{ id: number }>`select id from tickets where deleted_at is null
          order by id desc limit ${countWalk}`;
  const found = await liveTickets(db, scope)
    .where(sql<SqlBool>`tickets.id in (${candidates})`)
    .where(and(parts.others))
    .select('tickets.id')
    .orderBy('tickets.id', 'desc')
    .limit(exactCount + 1)
    .execute();
  // A date condition picks tickets by age, as ids do: no spread to scale by.
  const dated = terms.some((t) => t.kind === 'filter' && DATE_KEYS.has(t.key));
  if (found.length > exactCount) {
    const n = dated ? found.length : await estimate(db, found.length, found.at(-1)!.id);
    return { n, exact: false };
  }
  const walked = await sql<{ n: number | string; low: number | null }>`select count(*) as n,
    min(id) as low from (${candidates}) c`.execute(db);
  const { n, low } = walked.rows[0]!; // an aggregate without group by gives one row
  if (Number(n) < countWalk) return { n: found.length, exact: true };
  // Sparse matches among many candidates: scaled as above when that says well over the
  // bound (not with a date condition), else counted exactly.
  if (!dated && low !== null) {
    const scaled = await estimate(db, found.length, Number(low));
    if (scaled > 2 * exactCount) return { n: scaled, exact: false };
  }
  // Few matches among many candidates: count them all (the text's index lists every match).
  const cond = ticketConditions(db, actor, terms, now, 'set')!; // parts were not null
  const row = await liveTickets(db, scope)
    .where(cond)
    .select(sql<number | string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return { n: Number(row.n), exact: true };
}

/**
 * PostgreSQL: listing a word's newest matches reads every match first (the GIN index knows no
 * order: 1.5 s for 750k matches at a million tickets), so the walk goes the other way: the newest
 * `countWalk` live tickets by id, each checked against the query (its document read by key), up
 * to `exactCount + 1` matches; then as on SQLite — more than `exactCount` found: estimated (the
 * bound plus one with a date condition); the walk saw every ticket: exact; sparse but scaled
 * well over the bound: estimated; else the matches counted, up to `exactCount + 1` again.
 */
async function countTicketsPg(
  db: Conn,
  actor: Actor,
  terms: SearchTerm[],
  scope: TicketScope,
  now: Date,
): Promise<TicketCount> {
  const probed = ticketConditions(db, actor, terms, now, 'probe');
  if (!probed) return { n: 0, exact: true };
  const { exactCount, countWalk } = SEARCH_BOUNDS;
  const dated = terms.some((t) => t.kind === 'filter' && DATE_KEYS.has(t.key));
  // The lowest id of the newest `countWalk` live tickets (none: fewer tickets than that).
  const edge = await db
    .selectFrom('tickets')
    .select('id')
    .where('deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .offset(countWalk - 1)
    .limit(1)
    .executeTakeFirst();
  let walk = liveTickets(db, scope).where(probed);
  if (edge) walk = walk.where('tickets.id', '>=', edge.id);
  const found = await walk
    .select('tickets.id')
    .orderBy('tickets.id', 'desc')
    .limit(exactCount + 1)
    .execute();
  if (found.length > exactCount) {
    const n = dated ? found.length : await estimate(db, found.length, found.at(-1)!.id);
    return { n, exact: false };
  }
  if (!edge) return { n: found.length, exact: true };
  if (!dated) {
    const scaled = await estimate(db, found.length, edge.id);
    if (scaled > 2 * exactCount) return { n: scaled, exact: false };
  }
  // Few matches among the newest tickets: the rest counted through the text's index, capped.
  const cond = ticketConditions(db, actor, terms, now, 'set')!; // probed was not null
  const capped = liveTickets(db, scope)
    .where(cond)
    .select(sql<number>`1`.as('one'))
    .limit(exactCount + 1);
  const { rows } = await sql<{
    n: number | string;
  }>`select count(*) as n from (${capped}) c`.execute(db);
  const n = Number(rows[0]!.n); // an aggregate without group by gives one row
  if (n <= exactCount) return { n, exact: true };
  const scaled = dated ? n : await estimate(db, found.length, edge.id);
  return { n: Math.max(n, scaled), exact: false };
}

/**
 * `found` matches among the live tickets from the newest down to id `lowest`: as many again
 * for every like share of the live id range (matches spread over ids as tickets over time).
 */
async function estimate(db: Conn, found: number, lowest: number): Promise<number> {
  const { rows } = await sql<{ lo: number | null; hi: number | null }>`select
    (select min(id) from tickets where deleted_at is null) as lo,
    (select max(id) from tickets where deleted_at is null) as hi`.execute(db);
  const lo = Number(rows[0]?.lo ?? lowest);
  const hi = Number(rows[0]?.hi ?? lowest);
  const share = (hi - lowest + 1) / Math.max(1, hi - lo + 1);
  return Math.max(found, Math.round(found / Math.min(1, Math.max(share, 1e-9))));
}

/** The split's budget in ids of range (about 1 µs each): some 60 ms at a million tickets. */
const MAX_SPLIT_COST = 60_000;
const PROBE_COST = 130;

/** Of ascending `ids`, the split id whose range and probes cost least. */
function cheapestSplit(ids: number[]): { from: number; cost: number } {
  const top = ids[ids.length - 1] ?? 0;
  let best = { from: top + 1, cost: ids.length * PROBE_COST };
  ids.forEach((id, below) => {
    const cost = top - id + 1 + below * PROBE_COST;
    if (cost < best.cost) best = { from: id, cost };
  });
  return best;
}

/** Sorts whose order an index reads, so a window of the first tickets in it is cheap. */
const WINDOWED = new Set(['updated_at', 'created_at']);

export interface PageRequest {
  sortBy: string;
  key: RawBuilder<unknown>;
  dir: 'asc' | 'desc';
  offset: number;
  perPage: number;
}

/** One page of the tickets `terms` match, in the requested order. */
export async function ticketPage(
  db: Conn,
  actor: Actor,
  terms: SearchTerm[],
  scope: TicketScope,
  now: Date,
  page: PageRequest,
  count: TicketCount,
): Promise<Pick<Ticket, 'id' | 'version'>[]> {
  const need = page.offset + page.perPage;
  if (WINDOWED.has(page.sortBy) && count.n > 0) {
    const live = await countLiveTickets(db);
    for (const size of SEARCH_BOUNDS.windows) {
      // Skipped when the window is every ticket anyway, or when too few matches are expected
      // in it to fill the page. An inexact count found more than `exactCount` matches among
      // the newest candidates: dense there, whatever its estimate says.
      if (size >= live || (count.exact && (count.n * size) / live < 2 * need)) continue;
      const rows = await windowPage(db, actor, terms, scope, now, page, size);
      if (rows.length === page.perPage) return rows;
    }
    // PostgreSQL: a walk in the page's order, when the matches should fill the page in it
    // (on a desk smaller than the first chunk, the plain query is as cheap).
    const { walkFirst, walkMax } = SEARCH_BOUNDS;
    const dense = !count.exact || (count.n * walkMax) / live >= 2 * need;
    if (isPostgres(db) && live > walkFirst && dense) {
      const rows = await walkedPage(db, actor, terms, scope, now, page);
      if (rows) return rows;
    }
  }
  const cond = ticketConditions(db, actor, terms, now, 'set');
  return cond ? pageOf(liveTickets(db, scope), cond, page) : [];
}

/**
 * The page among the first `size` live tickets in the page's order (fewer rows than asked:
 * the window does not hold the page).
 */
async function windowPage(
  db: Conn,
  actor: Actor,
  terms: SearchTerm[],
  scope: TicketScope,
  now: Date,
  page: PageRequest,
  size: number,
) {
  const window = db
    .selectFrom('tickets')
    .select('tickets.id')
    .where('tickets.deleted_at', 'is', null)
    .orderBy(page.key, page.dir)
    .orderBy('tickets.id', page.dir)
    .limit(size);
  const inWindow = liveTickets(db, scope).where('tickets.id', 'in', window);
  let mode: TextMode = 'probe';
  const text = terms.filter((t) => t.kind === 'text') as Extract<SearchTerm, { kind: 'text' }>[];
  if (!isPostgres(db) && text.length > 0) {
    // count.n > 0: the terms can match tickets, so they make a condition.
    const listed = () => pageOf(inWindow, ticketConditions(db, actor, terms, now, 'set')!, page);
    if (text.some((t) => t.negated)) return listed();
    // Split the window at an id: matches above it listed at once by id range (about 1 µs per
    // id of the range at a million tickets), the window's tickets below it probed one by one
    // (about 100 µs each). The cheapest split; none when even that costs too much.
    const ids = (await window.execute()).map((r) => r.id).sort((x, y) => x - y);
    const { from, cost } = cheapestSplit(ids);
    // Too spread (or an excluded word, which a probe per ticket would ask): every match listed
    // (a whole word's list, some 60 ms for 760k matches at a million tickets), still without
    // sorting them all as the plain query does.
    if (cost > MAX_SPLIT_COST) return listed();
    const below: number[] = [];
    for (const id of ids) {
      if (id >= from) break;
      if (await ticketTextProbe(db, text, id)) below.push(id);
    }
    mode = { from, below };
  }
  const cond = ticketConditions(db, actor, terms, now, mode);
  if (!cond) return [];
  return pageOf(inWindow, cond, page);
}

/**
 * PostgreSQL: the page found by walking the live tickets in its order (the index of its key,
 * keyset by key and id) in chunks growing tenfold, each ticket checked against the query (its
 * document read by key), stopping once the page is filled: no sort of every match. Null when
 * `walkMax` tickets were walked without filling it (the matches are too sparse in that order).
 */
async function walkedPage(
  db: Conn,
  actor: Actor,
  terms: SearchTerm[],
  scope: TicketScope,
  now: Date,
  page: PageRequest,
): Promise<Pick<Ticket, 'id' | 'version'>[] | null> {
  const cond = ticketConditions(db, actor, terms, now, 'probe');
  if (!cond) return [];
  const need = page.offset + page.perPage;
  const { key, dir } = page;
  const beyond = dir === 'desc' ? sql`<` : sql`>`;
  const within = dir === 'desc' ? sql`>=` : sql`<=`;
  const found: Pick<Ticket, 'id' | 'version'>[] = [];
  let cursor: { k: unknown; id: number } | undefined;
  let walked = 0;
  for (let size = SEARCH_BOUNDS.walkFirst; walked < SEARCH_BOUNDS.walkMax; size *= 10) {
    const chunk = Math.min(size, SEARCH_BOUNDS.walkMax - walked);
    const after = cursor
      ? sql<SqlBool>`(${key}, tickets.id) ${beyond} (${cursor.k}, ${cursor.id})`
      : sql<SqlBool>`1 = 1`;
    // The chunk's last ticket (none: the walk reaches the last ticket in this chunk).
    const edge = await db
      .selectFrom('tickets')
      .select([sql<unknown>`${key}`.as('k'), 'tickets.id'])
      .where('tickets.deleted_at', 'is', null)
      .where(after)
      .orderBy(key, dir)
      .orderBy('tickets.id', dir)
      .offset(chunk - 1)
      .limit(1)
      .executeTakeFirst();
    let q = liveTickets(db, scope).where(after).where(cond);
    if (edge) q = q.where(sql<SqlBool>`(${key}, tickets.id) ${within} (${edge.k}, ${edge.id})`);
    const rows = await q
      .select(['tickets.id', 'tickets.version'])
      .orderBy(key, dir)
      .orderBy('tickets.id', dir)
      .limit(need - found.length)
      .execute();
    found.push(...rows);
    if (found.length >= need || !edge) return found.slice(page.offset, need);
    cursor = edge;
    walked += chunk;
  }
  return null;
}

function pageOf(q: TicketQuery, cond: Sql, page: PageRequest) {
  return q
    .where(cond)
    .select(['tickets.id', 'tickets.version'])
    .orderBy(page.key, page.dir)
    .orderBy('tickets.id', page.dir)
    .limit(page.perPage)
    .offset(page.offset)
    .execute();
}

/** Prefixes covering more whole words than this stay prefixes (FTS5 then merges them). */
const MAX_EXPANSION = 64;

/**
 * Whole words per stem, kept while no ticket document was written since and for at most a few
 * seconds (a search that read the index while a write was not yet committed may have missed a
 * new word: it is read again soon). Looking a stem up costs tens of milliseconds at a million
 * tickets (fts5vocab counts each word's documents), so typing a search asks once.
 */
const expansionCache = new Map<string, { generation: number; at: number; words: string[] }>();
const EXPANSION_TTL_MS = 5_000;
const EXPANSION_CACHE_SIZE = 1_000;

/** The whole words of the ticket index starting with `stem` (up to MAX_EXPANSION + 1). */
async function wordsStarting(db: Conn, stem: string): Promise<string[]> {
  const generation = ticketDocumentGeneration();
  const now = Date.now();
  const kept = expansionCache.get(stem);
  if (kept && kept.generation === generation && now - kept.at < EXPANSION_TTL_MS) return kept.words;
  const next = stem.slice(0, -1) + String.fromCharCode(stem.charCodeAt(stem.length - 1) + 1);
  const { rows } = await sql<{ term: string }>`select term from ticket_search_terms
    where term >= ${stem} and term < ${next} limit ${MAX_EXPANSION + 1}`.execute(db);
  const words = rows.map((r) => r.term);
  if (expansionCache.size >= EXPANSION_CACHE_SIZE) expansionCache.clear();
  expansionCache.set(stem, { generation, at: now, words });
  return words;
}

/**
 * SQLite: each free word of `terms` as the whole words of the ticket index its stem starts
 * (ticket_search_terms, migration 0025), recorded on the term for fts5Expression. Stems other
 * than ASCII letters and digits stay prefixes (the index folds diacritics, the stem does not).
 */
export async function expandPrefixes(db: Conn, terms: SearchTerm[]): Promise<void> {
  if (isPostgres(db)) return;
  for (const t of terms) {
    if (t.kind !== 'text' || t.phrase) continue;
    t.expansions = [];
    for (const word of t.words) {
      const stem = stemOf(word);
      const words = /^[a-z0-9]+$/.test(stem) ? await wordsStarting(db, stem) : null;
      const plain = words?.every((w) => /^[\p{L}\p{N}]+$/u.test(w));
      t.expansions.push(words && plain && words.length <= MAX_EXPANSION ? words : null);
    }
  }
}
