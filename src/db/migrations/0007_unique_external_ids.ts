import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isPostgres } from '../dialect.ts';

/**
 * A user's external_id is unique among active users, and an organization's among
 * organizations, both ignoring case, as in Zendesk. Parley checked that before writing, but on
 * PostgreSQL two integrations syncing one record at once (create_or_update) both passed the
 * check and created it twice. These indexes make the database refuse the second, and
 * transaction() runs its request again, which then finds and updates the first. They replace
 * 0001's plain indexes on the column, which lookups by lower(external_id) could not use.
 *
 * Rows that already share an external id (left by that race) stop the migration with their ids,
 * rather than being changed here: which record keeps the id is the admin's decision.
 */
const INDEXES = [
  { table: 'users', index: 'users_external_id', where: sql`active = 1` },
  { table: 'organizations', index: 'organizations_external_id', where: null },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const { table, index, where } of INDEXES) {
    const ids = isPostgres(db)
      ? sql`string_agg(id::text, ', ' order by id)`
      : sql`group_concat(id, ', ')`;
    const { rows } = await sql<{ shared: string; ids: string }>`
      select lower(external_id) as shared, ${ids} as ids from ${sql.table(table)}
      where external_id is not null ${where ? sql`and ${where}` : sql``}
      group by lower(external_id) having count(*) > 1`.execute(db);
    if (rows.length > 0) {
      const list = rows.map((r) => `"${r.shared}" (ids ${r.ids})`).join(', ');
      throw new Error(
        `migration 0007: these ${table} share an external_id: ${list}. Give all but one of ` +
          'each another external_id (or none), then start Parley again.',
      );
    }
    await db.schema.dropIndex(index).execute();
    // NULLs never collide in a unique index, so rows without an external id need no exception.
    await sql`create unique index ${sql.id(index)} on ${sql.table(table)} (lower(external_id))
      ${where ? sql`where ${where}` : sql``}`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table, index } of INDEXES) {
    await db.schema.dropIndex(index).execute();
    await db.schema.createIndex(index).on(table).column('external_id').execute();
  }
}
