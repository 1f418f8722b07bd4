import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * tickets_deleted: the few soft-deleted tickets, so that the number of live tickets can be
 * counted as all tickets minus these. SQLite counts a whole table from its b-tree pages
 * without visiting rows (a few µs at 100k tickets) but must step through every entry of
 * tickets_live to count it (2 ms at 100k, paid by every offset page). The deleted-tickets
 * list and the purge of old deleted tickets read this index as well.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('tickets_deleted')
    .on('tickets')
    .column('deleted_at')
    .where(sql.ref('deleted_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tickets_deleted').execute();
}
