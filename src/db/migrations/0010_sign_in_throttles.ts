import type { Kysely } from 'kysely';

/**
 * Failed password sign-ins, counted per account and per client address in fixed windows. A
 * table rather than process memory so that every node behind a load balancer sees the same
 * count: an attacker spreading guesses over nodes gets no more of them.
 *
 * `key` is `account:<sha256 of the email>` or `ip:<address or IPv6 /64>`; the email is hashed
 * so that the table keeps no list of the (possibly unknown) addresses people tried.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_throttles')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_ends_at', 'text', (c) => c.notNull())
    .execute();
  // Expired windows are swept by time.
  await db.schema
    .createIndex('sign_in_throttles_window_ends_at')
    .on('sign_in_throttles')
    .column('window_ends_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sign_in_throttles').execute();
}
