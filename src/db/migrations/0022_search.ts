import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../dialect.ts';
import { rebuildSearchDocuments } from '../search-documents.ts';

/**
 * Full-text search (issue 15): one document per live ticket (subject, description, comments,
 * tags, requester) and per active user (name, email, Slack names), kept in step by the desk's
 * writes. SQLite: contentless FTS5 tables (the text already lives in tickets and comments;
 * contentless_delete lets a write replace a row). PostgreSQL: a tsvector per row, GIN-indexed.
 * Existing rows are indexed here, in batches so a large install's backfill stays bounded.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create table ticket_search (ticket_id integer primary key, document tsvector not null)`.execute(
      db,
    );
    await sql`create index ticket_search_document on ticket_search using gin (document)`.execute(
      db,
    );
    await sql`create table user_search (user_id integer primary key, document tsvector not null)`.execute(
      db,
    );
    await sql`create index user_search_document on user_search using gin (document)`.execute(db);
  } else {
    const fts = sql.raw(
      `content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'`,
    );
    await sql`create virtual table ticket_search using fts5(subject, description, comments, people, ${fts})`.execute(
      db,
    );
    await sql`create virtual table user_search using fts5(name, email, other, ${fts})`.execute(db);
  }
  await rebuildSearchDocuments(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table ticket_search`.execute(db);
  await sql`drop table user_search`.execute(db);
}
