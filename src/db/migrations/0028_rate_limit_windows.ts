import type { Kysely } from 'kysely';

/**
 * Requests counted at the public doors (sign-in, /setup, the Slack install and OAuth
 * redirect), per door and client address, in fixed windows: on PostgreSQL every node counts
 * in this table, so N nodes together allow the limit once, not N times. (SQLite serves one
 * node, which counts in memory; the table stays empty there.)
 *
 * One row per key and window start; a request adds one with an atomic upsert. Ended windows
 * are deleted by time (`window_ends_at`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limit_windows')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('window_ends_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_windows_pkey', ['key', 'window_start'])
    .execute();
  await db.schema
    .createIndex('rate_limit_windows_window_ends_at')
    .on('rate_limit_windows')
    .column('window_ends_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limit_windows').execute();
}
