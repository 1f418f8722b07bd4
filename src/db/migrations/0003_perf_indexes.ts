import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Indexes found missing by `npm run bench -- api` on 100,000 tickets.
 *
 * tickets_live: every ticket list filters `deleted_at is null` and orders by id. Without this
 * index the offset pagination's `count(*)` read the whole tickets table (rows carry their
 * description), about 100 ms on SQLite at 100k tickets; counting the entries of this narrow
 * partial index takes a few. Offset and cursor pages walk it in id order as well.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('tickets_live')
    .on('tickets')
    .column('id')
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tickets_live').execute();
}
