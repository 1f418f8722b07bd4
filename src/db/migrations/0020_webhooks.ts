import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * Webhooks (Zendesk's `/api/v2/webhooks`), the targets of `notification_webhook`, and the
 * history of their calls. Authentication data and the signing secret are sealed with the
 * instance's secret box: a copy of the database does not hand out receivers' credentials.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = idColumn(isPostgres(db));

  await db.schema
    .createTable('webhooks')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('http_method', 'text', (c) => c.notNull())
    .addColumn('request_format', 'text', (c) => c.notNull())
    .addColumn('subscriptions', 'text', (c) => c.notNull())
    .addColumn('auth_type', 'text')
    .addColumn('auth_add_position', 'text')
    .addColumn('auth_data_sealed', 'text')
    .addColumn('custom_headers', 'text', (c) => c.notNull())
    .addColumn('signing_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('updated_by', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_name').on('webhooks').columns(['name', 'id']).execute();

  await db.schema
    .createTable('webhook_invocations')
    .addColumn('id', id.type, id.build)
    // No foreign key: a webhook's history goes with it, deleted by the delete itself.
    .addColumn('webhook_id', 'integer', (c) => c.notNull())
    .addColumn('ticket_id', 'integer')
    .addColumn('rule_kind', 'text')
    .addColumn('rule_id', 'integer')
    .addColumn('rule_title', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_invocations_webhook')
    .on('webhook_invocations')
    .columns(['webhook_id', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_invocation_attempts')
    .addColumn('id', id.type, id.build)
    .addColumn('invocation_id', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('completed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_invocation_attempts_invocation')
    .on('webhook_invocation_attempts')
    .columns(['invocation_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_invocation_attempts').execute();
  await db.schema.dropTable('webhook_invocations').execute();
  await db.schema.dropTable('webhooks').execute();
}
