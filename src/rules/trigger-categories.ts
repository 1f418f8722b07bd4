import { transaction } from '../db/transaction.ts';
import type { TriggerCategory } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { NotFoundError, ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { endPosition } from './positions.ts';

export interface TriggerCategoryInput {
  name?: string;
  position?: number;
}

export async function getTriggerCategory(db: Conn, id: number): Promise<TriggerCategory> {
  const row = await db
    .selectFrom('trigger_categories')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('TriggerCategory');
  return row;
}

/** `GET /trigger_categories`: a query the door pages, by position. */
export async function listTriggerCategories(db: Conn, actor: Actor) {
  await authorize(db, actor, 'trigger:read');
  return db.selectFrom('trigger_categories').selectAll();
}

export async function showTriggerCategory(
  db: Conn,
  actor: Actor,
  id: number,
): Promise<TriggerCategory> {
  await authorize(db, actor, 'trigger:read');
  return getTriggerCategory(db, id);
}

function cleanName(name: string | undefined): string {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) throw ValidationError.field('name', 'Name: cannot be blank', 'BlankValue');
  return trimmed;
}

export async function createTriggerCategory(
  db: Conn,
  actor: Actor,
  input: TriggerCategoryInput,
  now: string,
): Promise<TriggerCategory> {
  await authorize(db, actor, 'trigger:manage');
  const name = cleanName(input.name);
  return transaction(db, async (trx) => {
    const position = input.position ?? (await endPosition(trx, 'trigger_categories'));
    return trx
      .insertInto('trigger_categories')
      .values({ name, position, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export async function updateTriggerCategory(
  db: Conn,
  actor: Actor,
  id: number,
  input: TriggerCategoryInput,
  now: string,
): Promise<TriggerCategory> {
  await authorize(db, actor, 'trigger:manage');
  return transaction(db, async (trx) => {
    await getTriggerCategory(trx, id);
    const set: Partial<TriggerCategory> = { updated_at: now };
    if (input.name !== undefined) set.name = cleanName(input.name);
    if (input.position !== undefined) set.position = input.position;
    return trx
      .updateTable('trigger_categories')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** A category that still holds triggers is not deleted (a 422: move or delete them first). */
export async function deleteTriggerCategory(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'trigger:manage');
  await transaction(db, async (trx) => {
    await getTriggerCategory(trx, id);
    const used = await trx
      .selectFrom('triggers')
      .select('id')
      .where('category_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    if (used) {
      throw ValidationError.field(
        'base',
        'Trigger category: a category that has triggers cannot be deleted; move or delete them first',
      );
    }
    await trx.deleteFrom('trigger_categories').where('id', '=', id).execute();
  });
}
