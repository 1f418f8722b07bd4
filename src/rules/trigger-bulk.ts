import { transaction } from '../db/transaction.ts';
import type { Trigger } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { triggersChanged } from './active-triggers.ts';

/**
 * Zendesk's bulk trigger endpoints: `PUT /triggers/update_many` and `DELETE
 * /triggers/destroy_many`. Both are all or nothing: one unknown id (or category) refuses the
 * whole request with a 422 naming it, and nothing changes.
 */

/** One trigger's part of `update_many`: only these three can be changed in bulk. */
export interface TriggerBulkUpdate {
  id: number;
  position?: number;
  active?: boolean;
  category_id?: number | null;
}

async function existing(trx: Conn, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await trx.selectFrom('triggers').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

async function checkCategories(trx: Conn, updates: readonly TriggerBulkUpdate[]): Promise<void> {
  const wanted = [
    ...new Set(updates.flatMap((u) => (typeof u.category_id === 'number' ? [u.category_id] : []))),
  ];
  if (wanted.length === 0) return;
  const rows = await trx
    .selectFrom('trigger_categories')
    .select('id')
    .where('id', 'in', wanted)
    .execute();
  const found = new Set(rows.map((r) => r.id));
  const index = updates.findIndex(
    (u) => typeof u.category_id === 'number' && !found.has(u.category_id),
  );
  if (index >= 0) {
    const id = updates[index]!.category_id;
    throw ValidationError.field(
      `triggers[${index}].category_id`,
      `Category: no trigger category has the id ${id}`,
    );
  }
}

export async function updateManyTriggers(
  db: Conn,
  actor: Actor,
  updates: readonly TriggerBulkUpdate[],
  now: string,
): Promise<Trigger[]> {
  await authorize(db, actor, 'trigger:manage');
  return transaction(db, async (trx) => {
    const found = await existing(
      trx,
      updates.map((u) => u.id),
    );
    const missing = updates.findIndex((u) => !found.has(u.id));
    if (missing >= 0) {
      throw ValidationError.field(
        `triggers[${missing}].id`,
        `Trigger: no trigger has the id ${updates[missing]!.id}`,
      );
    }
    await checkCategories(trx, updates);
    for (const u of updates) {
      const set: Partial<Trigger> = { updated_at: now };
      if (u.position !== undefined) set.position = u.position;
      if (u.active !== undefined) set.active = u.active ? 1 : 0;
      if (u.category_id !== undefined) set.category_id = u.category_id;
      await trx.updateTable('triggers').set(set).where('id', '=', u.id).execute();
    }
    await triggersChanged(trx);
    const ids = updates.map((u) => u.id);
    if (ids.length === 0) return [];
    return trx
      .selectFrom('triggers')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('position')
      .orderBy('id')
      .execute();
  });
}

export async function destroyManyTriggers(
  db: Conn,
  actor: Actor,
  ids: readonly number[],
): Promise<void> {
  await authorize(db, actor, 'trigger:manage');
  await transaction(db, async (trx) => {
    const found = await existing(trx, ids);
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) {
      throw ValidationError.field('ids', `Ids: no trigger has the id ${missing}`);
    }
    await trx.deleteFrom('triggers').where('id', 'in', ids).execute();
    await triggersChanged(trx);
  });
}
