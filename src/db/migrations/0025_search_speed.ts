import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../dialect.ts';

/**
 * Search at a million tickets (src/desk/search/ticket-search.ts).
 *
 * tickets_created: tickets in creation order, for searches sorted by `created_at`, whose first
 * page is looked for among the first tickets in that order as tickets_updated serves the
 * default sort.
 *
 * SQLite, ticket_search_terms: the words the ticket index holds (an fts5vocab view of it, no
 * data of its own), so that a prefix word ("printer*") is asked as the few whole words it
 * stands for. FTS5 answers a prefix by merging the lists of every word it covers, all of them,
 * on each query (20-40 ms at 100k tickets even for one row), where a whole word seeks one row
 * or an id range in a fraction of a millisecond.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('tickets_created')
    .on('tickets')
    .columns(['created_at', 'id'])
    .execute();
  if (!isPostgres(db)) {
    await sql`create virtual table ticket_search_terms using fts5vocab(ticket_search, row)`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) await sql`drop table ticket_search_terms`.execute(db);
  await db.schema.dropIndex('tickets_created').execute();
}
