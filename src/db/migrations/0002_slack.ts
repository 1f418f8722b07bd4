import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * The Slack DM channel and the durable job queue it delivers through.
 *  - slack_apps / slack_connections: who we are in Slack (encrypted tokens only).
 *  - slack_inbox: every acked event, keyed by Slack's event_id, until it is applied.
 *  - slack_conversations / slack_conversation_tickets / slack_messages: DM ↔ ticket ↔ comment.
 *  - jobs: the outbox, drained in order per key after commit.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumn(pg);

  await db.schema
    .createTable('slack_apps')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull()) // env | sandbox | api
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('client_secret_enc', 'text', (c) => c.notNull())
    .addColumn('signing_secret_enc', 'text', (c) => c.notNull())
    .addColumn('app_token_enc', 'text') // xapp- token for Socket Mode
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('slack_connections')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'integer', (c) => c.notNull().references('brands.id'))
    .addColumn('app_id', 'integer', (c) => c.notNull().references('slack_apps.id'))
    .addColumn('mode', 'text', (c) => c.notNull()) // bot | account
    .addColumn('status', 'text', (c) => c.notNull()) // pending | active | disconnected
    .addColumn('status_reason', 'text')
    .addColumn('team_id', 'text')
    .addColumn('team_name', 'text')
    .addColumn('enterprise_id', 'text')
    .addColumn('slack_app_id', 'text')
    .addColumn('identity_user_id', 'text') // the bot user or the dedicated account's user id
    .addColumn('bot_id', 'text')
    .addColumn('token_enc', 'text')
    .addColumn('scopes', 'text')
    .addColumn('attachments_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('allowed_file_types', 'text', (c) =>
      c.notNull().defaultTo('["pdf","png","jpeg","gif","txt"]'),
    )
    .addColumn('installed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('slack_connections_team')
    .on('slack_connections')
    .columns(['team_id', 'identity_user_id'])
    .execute();

  await db.schema
    .createTable('slack_oauth_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'integer', (c) =>
      c.notNull().references('slack_connections.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();

  await db.schema
    .createTable('slack_inbox')
    .addColumn('id', id.type, id.build)
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('app_id', 'integer')
    .addColumn('team_id', 'text')
    // The DM channel the event belongs to: events of one conversation are applied in order.
    .addColumn('conversation_key', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('outcome', 'text')
    .execute();
  await db.schema
    .createIndex('slack_inbox_pending')
    .on('slack_inbox')
    .columns(['processed_at', 'id'])
    .execute();

  await db.schema
    .createTable('slack_conversations')
    .addColumn('id', id.type, id.build)
    .addColumn('connection_id', 'integer', (c) => c.notNull().references('slack_connections.id'))
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('slack_user_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('current_ticket_id', 'integer', (c) => c.references('tickets.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('slack_conversations_channel', ['connection_id', 'channel_id'])
    .execute();

  await db.schema
    .createTable('slack_conversation_tickets')
    .addColumn('ticket_id', 'integer', (c) =>
      c.primaryKey().references('tickets.id').onDelete('cascade'),
    )
    .addColumn('conversation_id', 'integer', (c) =>
      c.notNull().references('slack_conversations.id'),
    )
    .execute();
  await db.schema
    .createIndex('slack_conversation_tickets_conv')
    .on('slack_conversation_tickets')
    .column('conversation_id')
    .execute();

  // Every message of a DM we know of, in or out, by Slack's identity (channel, ts).
  await db.schema
    .createTable('slack_messages')
    .addColumn('id', id.type, id.build)
    .addColumn('conversation_id', 'integer', (c) =>
      c.notNull().references('slack_conversations.id'),
    )
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull()) // in | out | hint
    .addColumn('comment_id', 'integer', (c) => c.references('comments.id').onDelete('set null'))
    .addColumn('thread_ts', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('slack_messages_ts', ['conversation_id', 'ts'])
    .execute();
  await db.schema
    .createIndex('slack_messages_comment')
    .on('slack_messages')
    .column('comment_id')
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', id.type, id.build)
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending')) // pending|running|done|failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('jobs_ready')
    .on('jobs')
    .columns(['queue', 'status', 'run_at'])
    .execute();
  await db.schema
    .createIndex('jobs_order')
    .on('jobs')
    .columns(['queue', 'order_key', 'status', 'id'])
    .execute();

  // Channel delivery of a public reply, shown to agents as `delivery: {status, error}`.
  await db.schema.alterTable('comments').addColumn('delivery_status', 'text').execute();
  await db.schema.alterTable('comments').addColumn('delivery_error', 'text').execute();
  await db.schema.alterTable('comments').addColumn('deleted_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('comments').dropColumn('deleted_at').execute();
  await db.schema.alterTable('comments').dropColumn('delivery_error').execute();
  await db.schema.alterTable('comments').dropColumn('delivery_status').execute();
  for (const t of [
    'jobs',
    'slack_messages',
    'slack_conversation_tickets',
    'slack_conversations',
    'slack_inbox',
    'slack_oauth_states',
    'slack_connections',
    'slack_apps',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
