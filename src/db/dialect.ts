import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Integer ids as in Zendesk's API: `serial` on PostgreSQL, `integer … autoincrement` on SQLite. */
export function idColumn(pg: boolean): {
  type: 'serial' | 'integer';
  build: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
} {
  return pg
    ? { type: 'serial', build: (c) => c.primaryKey() }
    : { type: 'integer', build: (c) => c.primaryKey().autoIncrement() };
}
