import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * The help desk core. Portable across SQLite and PostgreSQL: times are ISO-8601 UTC text
 * (fixed width, so they sort as text), booleans are 0/1 integers, lists are JSON text.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumn(pg);
  const blob = pg ? 'bytea' : 'blob';

  await db.schema
    .createTable('brands')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('subdomain', 'text', (c) => c.notNull().unique())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('custom_roles')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('role_type', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('configuration', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('groups')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('organizations')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('external_id', 'text')
    .addColumn('details', 'text')
    .addColumn('notes', 'text')
    .addColumn('group_id', 'integer', (c) => c.references('groups.id').onDelete('set null'))
    .addColumn('shared_tickets', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('shared_comments', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('domain_names', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('organization_fields', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('organizations_external_id')
    .on('organizations')
    .column('external_id')
    .execute();

  // Email domains map to organizations; a domain belongs to one organization.
  await db.schema
    .createTable('organization_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'integer', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('end-user'))
    .addColumn('custom_role_id', 'integer', (c) =>
      c.references('custom_roles.id').onDelete('set null'),
    )
    .addColumn('organization_id', 'integer', (c) =>
      c.references('organizations.id').onDelete('set null'),
    )
    .addColumn('default_group_id', 'integer', (c) => c.references('groups.id').onDelete('set null'))
    .addColumn('external_id', 'text')
    .addColumn('alias', 'text')
    .addColumn('details', 'text')
    .addColumn('notes', 'text')
    .addColumn('phone', 'text')
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('en-US'))
    .addColumn('time_zone', 'text')
    .addColumn('photo_url', 'text')
    .addColumn('signature', 'text')
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('user_fields', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('password_hash', 'text')
    .addColumn('merged_into_id', 'integer')
    .addColumn('last_login_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_email').on('users').column('email').execute();
  await db.schema.createIndex('users_external_id').on('users').column('external_id').execute();
  await db.schema.createIndex('users_role').on('users').columns(['role', 'id']).execute();

  // A value (an email, a Slack user) belongs to exactly one user.
  await db.schema
    .createTable('user_identities')
    .addColumn('id', id.type, id.build)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('user_identities_type_value', ['type', 'value'])
    .execute();
  await db.schema
    .createIndex('user_identities_user')
    .on('user_identities')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('group_memberships')
    .addColumn('id', id.type, id.build)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('group_memberships_user_group', ['user_id', 'group_id'])
    .execute();
  await db.schema
    .createIndex('group_memberships_group')
    .on('group_memberships')
    .column('group_id')
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', id.type, id.build)
    .addColumn('external_id', 'text')
    .addColumn('type', 'text')
    .addColumn('subject', 'text')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('priority', 'text')
    .addColumn('requester_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('submitter_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('assignee_id', 'integer', (c) => c.references('users.id'))
    .addColumn('group_id', 'integer', (c) => c.references('groups.id'))
    .addColumn('organization_id', 'integer', (c) => c.references('organizations.id'))
    .addColumn('brand_id', 'integer', (c) => c.notNull().references('brands.id'))
    .addColumn('via_channel', 'text', (c) => c.notNull())
    .addColumn('via_source', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('from_messaging_channel', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('followup_source_id', 'integer', (c) => c.references('tickets.id'))
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('due_at', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('status_updated_at', 'text', (c) => c.notNull())
    .addColumn('initially_assigned_at', 'text')
    .addColumn('assigned_at', 'text')
    .addColumn('requester_updated_at', 'text')
    .addColumn('assignee_updated_at', 'text')
    .addColumn('agent_updated_at', 'text')
    .addColumn('latest_comment_added_at', 'text')
    .addColumn('first_solved_at', 'text')
    .addColumn('solved_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('tickets_status').on('tickets').columns(['status', 'id']).execute();
  await db.schema
    .createIndex('tickets_requester')
    .on('tickets')
    .columns(['requester_id', 'id'])
    .execute();
  await db.schema
    .createIndex('tickets_assignee')
    .on('tickets')
    .columns(['assignee_id', 'id'])
    .execute();
  await db.schema.createIndex('tickets_group').on('tickets').columns(['group_id', 'id']).execute();
  await db.schema
    .createIndex('tickets_organization')
    .on('tickets')
    .columns(['organization_id', 'id'])
    .execute();
  await db.schema
    .createIndex('tickets_updated')
    .on('tickets')
    .columns(['updated_at', 'id'])
    .execute();
  await db.schema.createIndex('tickets_external_id').on('tickets').column('external_id').execute();
  await db.schema
    .createIndex('tickets_followup_source')
    .on('tickets')
    .column('followup_source_id')
    .execute();

  // Tags are also kept as a JSON list on the ticket (read with it); this table answers
  // "which tickets carry tag X" for views, rules and reports.
  await db.schema
    .createTable('ticket_tags')
    .addColumn('ticket_id', 'integer', (c) =>
      c.notNull().references('tickets.id').onDelete('cascade'),
    )
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ticket_tags_pk', ['ticket_id', 'tag'])
    .execute();
  await db.schema
    .createIndex('ticket_tags_tag')
    .on('ticket_tags')
    .columns(['tag', 'ticket_id'])
    .execute();

  await db.schema
    .createTable('audits')
    .addColumn('id', id.type, id.build)
    .addColumn('ticket_id', 'integer', (c) =>
      c.notNull().references('tickets.id').onDelete('cascade'),
    )
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('via_channel', 'text', (c) => c.notNull())
    .addColumn('via_source', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audits_ticket').on('audits').columns(['ticket_id', 'id']).execute();

  await db.schema
    .createTable('comments')
    .addColumn('id', id.type, id.build)
    .addColumn('ticket_id', 'integer', (c) =>
      c.notNull().references('tickets.id').onDelete('cascade'),
    )
    .addColumn('audit_id', 'integer', (c) =>
      c.notNull().references('audits.id').onDelete('cascade'),
    )
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('plain_body', 'text', (c) => c.notNull())
    .addColumn('via_channel', 'text', (c) => c.notNull())
    .addColumn('via_source', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('comments_ticket')
    .on('comments')
    .columns(['ticket_id', 'id'])
    .execute();

  // Event values are JSON text so that a tag list and a status share one column.
  await db.schema
    .createTable('audit_events')
    .addColumn('id', id.type, id.build)
    .addColumn('audit_id', 'integer', (c) =>
      c.notNull().references('audits.id').onDelete('cascade'),
    )
    .addColumn('ticket_id', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('field_name', 'text')
    .addColumn('value', 'text')
    .addColumn('previous_value', 'text')
    .addColumn('comment_id', 'integer')
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createIndex('audit_events_audit')
    .on('audit_events')
    .columns(['audit_id', 'id'])
    .execute();
  await db.schema
    .createIndex('audit_events_ticket_field')
    .on('audit_events')
    .columns(['ticket_id', 'field_name'])
    .execute();

  // An attachment starts as an upload (token, no comment) and is bound to one comment.
  await db.schema
    .createTable('attachments')
    .addColumn('id', id.type, id.build)
    .addColumn('upload_token', 'text')
    .addColumn('comment_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
    .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id').onDelete('cascade'))
    .addColumn('uploader_id', 'integer', (c) => c.references('users.id'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('inline', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('attachments_token')
    .on('attachments')
    .column('upload_token')
    .execute();
  await db.schema
    .createIndex('attachments_comment')
    .on('attachments')
    .column('comment_id')
    .execute();

  await db.schema
    .createTable('blobs')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('data', sql.raw(blob) as any, (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Account-level API tokens as in Zendesk: any agent authenticates with `email/token:TOKEN`.
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id.type, id.build)
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_hint', 'text', (c) => c.notNull())
    .addColumn('created_by_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'settings',
    'sessions',
    'api_tokens',
    'blobs',
    'attachments',
    'audit_events',
    'comments',
    'audits',
    'ticket_tags',
    'tickets',
    'group_memberships',
    'user_identities',
    'users',
    'organization_domains',
    'organizations',
    'groups',
    'custom_roles',
    'brands',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
