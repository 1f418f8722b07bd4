import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * Triggers and their categories (Zendesk's business rules). Conditions and actions are stored
 * as the JSON the rules model parsed (src/rules), so reading them back never fails. Triggers
 * fire in position order, then by id; categories order the admin's list the same way.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = idColumn(isPostgres(db));

  await db.schema
    .createTable('trigger_categories')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('trigger_categories_position')
    .on('trigger_categories')
    .columns(['position', 'id'])
    .execute();

  await db.schema
    .createTable('triggers')
    .addColumn('id', id.type, id.build)
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('raw_title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('category_id', 'integer', (c) => c.references('trigger_categories.id'))
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('triggers_position')
    .on('triggers')
    .columns(['position', 'id'])
    .execute();
  await db.schema
    .createIndex('triggers_category')
    .on('triggers')
    .columns(['category_id', 'position'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('triggers').execute();
  await db.schema.dropTable('trigger_categories').execute();
}
