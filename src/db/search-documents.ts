import { sql, type Kysely, type RawBuilder } from 'kysely';
import { isPostgres } from './dialect.ts';

/**
 * What the search indexes hold, written by SQL so that the migration's backfill and every
 * later write build the same documents (and a write never reads a ticket's comments into
 * the process to index them).
 *
 * SQLite: FTS5 tables (contentless, rowid = ticket or user id) whose unicode61 tokenizer folds
 * case and diacritics. PostgreSQL: one tsvector per row, `simple` configuration (no stemming
 * that would favour one language), weighted by field so `subject:` and friends can ask for
 * one field: A subject, B description, C comments, D tags and requester; users A name,
 * B email, C Slack names. Both are matched with prefix terms (src/desk/search/search-text.ts), which is what
 * makes "stampante" find "stampanti" and "printer" find "printers".
 */

/**
 * PostgreSQL's parser reads an email as one token and hyphenated words as compounds; SQLite's
 * splits them. Separators made spaces first, so both split alike (search-text.ts splits a
 * query the same way).
 */
function words(pgExpr: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`regexp_replace(lower(coalesce(${pgExpr}, '')), ${SEPARATORS_PG}, ' ', 'g')`;
}

/** ASCII other than letters and digits, Latin-1 punctuation, general punctuation. */
export const SEPARATORS_PG = '[^a-z0-9\\u00c0-\\u1fff\\u2070-\\uffff]+';

const commentsOf = (ticket: RawBuilder<unknown>, joiner: RawBuilder<unknown>) =>
  sql`(select ${joiner} from comments c where c.ticket_id = ${ticket} and c.deleted_at is null)`;

let ticketDocumentWrites = 0;

/**
 * How many times this process has written ticket documents: what a cache of the index's words
 * (src/desk/search/ticket-search.ts) compares to know it may be stale.
 */
export function ticketDocumentGeneration(): number {
  return ticketDocumentWrites;
}

/** Rebuilds the ticket documents of `ids` (dropping those of deleted or missing tickets). */
export async function writeTicketDocuments(db: Kysely<any>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  ticketDocumentWrites++;
  const list = sql.join(ids.map((id) => sql`${id}`));
  if (isPostgres(db)) {
    // An upsert, not delete-then-insert: two transactions rewriting one document at once would
    // both delete the old row, and the second insert would then collide with the first's
    // (a unique violation the write path answers with a 409 after its retries). Rows in id order
    // so two overlapping batches lock them in the same order.
    await sql`delete from ticket_search where ticket_id in (${list}) and ticket_id not in
      (select id from tickets where id in (${list}) and deleted_at is null)`.execute(db);
    await sql`insert into ticket_search (ticket_id, document)
      select t.id, ${ticketVectorPg()} from tickets t join users u on u.id = t.requester_id
      where t.id in (${list}) and t.deleted_at is null order by t.id
      on conflict (ticket_id) do update set document = excluded.document`.execute(db);
    return;
  }
  await sql`delete from ticket_search where rowid in (${list})`.execute(db);
  await sql`insert into ticket_search (rowid, subject, description, comments, people)
    select t.id, coalesce(t.subject, ''), t.description,
      coalesce(${commentsOf(sql`t.id`, sql`group_concat(c.plain_body, ' ')`)}, ''),
      t.tags || ' ' || coalesce(u.name, '') || ' ' || coalesce(u.email, '')
    from tickets t join users u on u.id = t.requester_id
    where t.id in (${list}) and t.deleted_at is null`.execute(db);
}

function ticketVectorPg(): RawBuilder<unknown> {
  const comments = commentsOf(sql`t.id`, sql`string_agg(c.plain_body, ' ')`);
  const people = sql`t.tags || ' ' || coalesce(u.name, '') || ' ' || coalesce(u.email, '')`;
  return sql`setweight(to_tsvector('simple', ${words(sql`t.subject`)}), 'A')
    || setweight(to_tsvector('simple', ${words(sql`t.description`)}), 'B')
    || setweight(to_tsvector('simple', ${words(comments)}), 'C')
    || setweight(to_tsvector('simple', ${words(people)}), 'D')`;
}

/** Slack's display names live in user_fields; identities hold the emails and Slack ids. */
const slackNames = sql`coalesce(json_extract(u.user_fields, '$.slack_display_name'), '')`;
const slackNamesPg = sql`coalesce(u.user_fields::json ->> 'slack_display_name', '')`;

/** Rebuilds the user documents of `ids` (merged and deleted users have none). */
export async function writeUserDocuments(db: Kysely<any>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const list = sql.join(ids.map((id) => sql`${id}`));
  const identities = (joiner: RawBuilder<unknown>) =>
    sql`(select ${joiner} from user_identities i where i.user_id = u.id)`;
  const live = sql`u.id in (${list}) and u.active = 1 and u.merged_into_id is null`;
  if (isPostgres(db)) {
    // An upsert for the reason writeTicketDocuments gives.
    await sql`delete from user_search where user_id in (${list}) and user_id not in
      (select u.id from users u where ${live})`.execute(db);
    const emails = identities(sql`string_agg(i.value, ' ')`);
    await sql`insert into user_search (user_id, document)
      select u.id, setweight(to_tsvector('simple', ${words(sql`u.name`)}), 'A')
        || setweight(to_tsvector('simple', ${words(sql`u.email`)}), 'B')
        || setweight(to_tsvector('simple', ${words(sql`${slackNamesPg} || ' ' || coalesce(${emails}, '')`)}), 'C')
      from users u where ${live} order by u.id
      on conflict (user_id) do update set document = excluded.document`.execute(db);
    return;
  }
  await sql`delete from user_search where rowid in (${list})`.execute(db);
  await sql`insert into user_search (rowid, name, email, other)
    select u.id, u.name, coalesce(u.email, ''),
      ${slackNames} || ' ' || coalesce(${identities(sql`group_concat(i.value, ' ')`)}, '')
    from users u where ${live}`.execute(db);
}

/**
 * Every ticket's and user's document again, in id order, a thousand at a time: the migration's
 * backfill, and what a bulk load that bypassed the desk (a benchmark's copies) runs afterwards.
 */
export async function rebuildSearchDocuments(db: Kysely<any>): Promise<void> {
  await rebuild(db, 'tickets', writeTicketDocuments);
  await rebuild(db, 'users', writeUserDocuments);
}

async function rebuild(
  db: Kysely<any>,
  table: 'tickets' | 'users',
  write: (db: Kysely<any>, ids: number[]) => Promise<void>,
): Promise<void> {
  let after = 0;
  for (;;) {
    const rows: { id: number }[] = await db
      .selectFrom(table)
      .select('id')
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    if (rows.length === 0) return;
    await write(
      db,
      rows.map((r) => r.id),
    );
    after = rows[rows.length - 1]!.id;
  }
}
