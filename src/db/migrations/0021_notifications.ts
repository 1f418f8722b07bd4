import { type Kysely, sql } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * In-app notifications (issue 14): what a trigger's or automation's notification_user /
 * notification_group told an agent, rendered when it was sent, kept until the agent deletes it.
 * `dedupe_key` makes a notification job that runs again (a crash before it was marked done)
 * write each agent's notification once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = idColumn(isPostgres(db));
  await db.schema
    .createTable('notifications')
    .addColumn('id', id.type, id.build)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('ticket_id', 'integer')
    .addColumn('rule_kind', 'text')
    .addColumn('rule_id', 'integer')
    .addColumn('rule_title', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('read_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The list (newest first) and its unread filter and count: both by user, then id.
  await db.schema
    .createIndex('notifications_user')
    .on('notifications')
    .columns(['user_id', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_user_unread')
    .on('notifications')
    .columns(['user_id', 'id'])
    .where(sql.ref('read_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute();
}
