import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Web sessions get a "last seen" time, so one left unused ends before its 14-day limit; it is
 * moved forward at most once a minute, not on every request. Sessions that already exist count
 * as seen at sign-in.
 *
 * setup_codes holds the one-time codes printed at start while no administrator exists; only
 * their hashes are kept. Each node that starts prints and stores its own, so with several
 * nodes on one PostgreSQL the code any of them printed opens /setup on all of them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
  await sql`update sessions set last_seen_at = created_at`.execute(db);
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('setup_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('setup_codes').execute();
  await db.schema.dropIndex('sessions_user_id').execute();
  await db.schema.dropIndex('sessions_expires_at').execute();
  await db.schema.alterTable('sessions').dropColumn('last_seen_at').execute();
}
