import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * Macros (Zendesk's §5) and their usage. A macro is shared (no restriction), personal
 * (`owner_id`, restriction type "User") or a group macro (restriction type "Group", its groups
 * in macro_groups). Actions are stored as the rules model parsed them. Each use of a macro on a
 * ticket update is one macro_usages row; usage_1h/24h/7d/30d count them by time window, hence
 * the (macro_id, used_at) index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = idColumn(isPostgres(db));

  await db.schema
    .createTable('macros')
    .addColumn('id', id.type, id.build)
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('restriction_type', 'text')
    .addColumn('owner_id', 'integer', (c) => c.references('users.id'))
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('macros_owner').on('macros').columns(['owner_id']).execute();
  await db.schema
    .createIndex('macros_restriction')
    .on('macros')
    .columns(['restriction_type', 'active'])
    .execute();

  await db.schema
    .createTable('macro_groups')
    .addColumn('macro_id', 'integer', (c) =>
      c.notNull().references('macros.id').onDelete('cascade'),
    )
    .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id'))
    .addPrimaryKeyConstraint('macro_groups_pk', ['macro_id', 'group_id'])
    .execute();
  await db.schema
    .createIndex('macro_groups_group')
    .on('macro_groups')
    .columns(['group_id'])
    .execute();

  await db.schema
    .createTable('macro_usages')
    .addColumn('id', id.type, id.build)
    .addColumn('macro_id', 'integer', (c) =>
      c.notNull().references('macros.id').onDelete('cascade'),
    )
    .addColumn('ticket_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('used_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('macro_usages_macro_time')
    .on('macro_usages')
    .columns(['macro_id', 'used_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('macro_usages').execute();
  await db.schema.dropTable('macro_groups').execute();
  await db.schema.dropTable('macros').execute();
}
