import { sql } from 'kysely';
import type { SqlBool } from 'kysely';

/**
 * External ids match ignoring case. The database lowers both sides, as the unique indexes of
 * migration 0007 do: SQLite's lower() folds ASCII letters only, so lowering the value in
 * JavaScript could miss a row the index then refuses to duplicate.
 */
export function externalIdIs(value: string) {
  return sql<SqlBool>`lower(external_id) = lower(${value})`;
}

export function externalIdIn(values: string[]) {
  return sql<SqlBool>`lower(external_id) in (${sql.join(values.map((v) => sql`lower(${v})`))})`;
}
