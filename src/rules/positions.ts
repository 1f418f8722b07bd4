import type { Conn } from '../desk/context.ts';

/** The business-rule tables ordered by a `position` column. */
export type PositionedTable =
  'triggers' | 'trigger_categories' | 'automations' | 'macros' | 'views';

/** The position after the last one: where Zendesk puts a new rule unless told otherwise. */
export async function endPosition(db: Conn, table: PositionedTable): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.max('position').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}
