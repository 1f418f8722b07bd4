import { sql } from 'kysely';
import { transaction } from '../db/transaction.ts';
import type { Trigger } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { NotFoundError, ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { parseActions } from './actions.ts';
import { triggersChanged } from './active-triggers.ts';
import { conditionsOfRule } from './conditions.ts';
import { refuseUnknownWebhooks } from './webhooks.ts';
import { endPosition } from './positions.ts';
import { checkRuleSize, cleanTitle, conditionsAsWritten } from './rule-input.ts';

/** A trigger as a door sends it (Zendesk's `trigger` object, already shaped by the door). */
export interface TriggerInput {
  title?: string;
  raw_title?: string;
  description?: string | null;
  active?: boolean;
  position?: number;
  category_id?: number | null;
  conditions?: unknown;
  all?: unknown;
  any?: unknown;
  actions?: unknown;
}

export interface TriggerFilter {
  active?: boolean;
  categoryId?: number;
}

export async function getTrigger(db: Conn, id: number): Promise<Trigger> {
  const row = await db.selectFrom('triggers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('Trigger');
  return row;
}

/** `GET /triggers` (and `/triggers/active`): a query the door pages, in firing order. */
export async function listTriggers(db: Conn, actor: Actor, filter: TriggerFilter = {}) {
  await authorize(db, actor, 'trigger:read');
  let q = db.selectFrom('triggers').selectAll();
  if (filter.active !== undefined) q = q.where('active', '=', filter.active ? 1 : 0);
  if (filter.categoryId !== undefined) q = q.where('category_id', '=', filter.categoryId);
  return q;
}

/** `GET /triggers/search?query=`: titles containing the text, case-insensitively. */
export async function searchTriggers(
  db: Conn,
  actor: Actor,
  text: string,
  filter: TriggerFilter = {},
) {
  const q = await listTriggers(db, actor, filter);
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return q.where(sql<boolean>`lower(title) like ${pattern} escape '\\'`);
}

export async function showTrigger(db: Conn, actor: Actor, id: number): Promise<Trigger> {
  await authorize(db, actor, 'trigger:read');
  return getTrigger(db, id);
}

async function checkCategory(db: Conn, id: number | null | undefined): Promise<void> {
  if (id === null || id === undefined) return;
  const found = await db
    .selectFrom('trigger_categories')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!found) {
    throw ValidationError.field('category_id', `Category: no trigger category has the id ${id}`);
  }
}

/**
 * Conditions checked by the rules model, kept as the client wrote them (Zendesk's JSON round-
 * trips: `"20455932"` stays a string); the model refuses unknown keys, so nothing else slips in.
 */
function conditionsJson(input: TriggerInput): string {
  conditionsOfRule(input, 'trigger');
  return conditionsAsWritten(input);
}

function actionsJson(actions: unknown): string {
  parseActions(actions, 'trigger');
  return JSON.stringify(actions);
}

function hasConditions(input: TriggerInput): boolean {
  return input.conditions !== undefined || input.all !== undefined || input.any !== undefined;
}

export async function createTrigger(
  db: Conn,
  actor: Actor,
  input: TriggerInput,
  now: string,
): Promise<Trigger> {
  await authorize(db, actor, 'trigger:manage');
  const title = cleanTitle(input.title);
  const conditions = conditionsJson(input);
  const actions = actionsJson(input.actions ?? []);
  checkRuleSize('Trigger', [title, input.raw_title, input.description, conditions, actions]);
  return transaction(db, async (trx) => {
    await checkCategory(trx, input.category_id);
    await triggersChanged(trx);
    await refuseUnknownWebhooks(trx, parseActions(input.actions ?? [], 'trigger'));
    return trx
      .insertInto('triggers')
      .values({
        title,
        raw_title: input.raw_title?.trim() || title,
        description: input.description ?? null,
        active: input.active === false ? 0 : 1,
        position: input.position ?? (await endPosition(trx, 'triggers')),
        category_id: input.category_id ?? null,
        conditions,
        actions,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export async function updateTrigger(
  db: Conn,
  actor: Actor,
  id: number,
  input: TriggerInput,
  now: string,
): Promise<Trigger> {
  await authorize(db, actor, 'trigger:manage');
  return transaction(db, async (trx) => {
    const before = await getTrigger(trx, id);
    const set: Partial<Trigger> = { updated_at: now };
    if (input.title !== undefined) {
      set.title = cleanTitle(input.title);
      if (input.raw_title === undefined) set.raw_title = set.title;
    }
    if (input.raw_title !== undefined)
      set.raw_title = input.raw_title.trim() || (set.title ?? before.title);
    if (input.description !== undefined) set.description = input.description;
    if (input.active !== undefined) set.active = input.active ? 1 : 0;
    if (input.position !== undefined) set.position = input.position;
    if (input.category_id !== undefined) {
      await checkCategory(trx, input.category_id);
      set.category_id = input.category_id;
    }
    if (hasConditions(input)) set.conditions = conditionsJson(input);
    if (input.actions !== undefined) {
      set.actions = actionsJson(input.actions);
      await refuseUnknownWebhooks(trx, parseActions(input.actions, 'trigger'));
    }
    checkRuleSize('Trigger', [
      set.title ?? before.title,
      set.raw_title ?? before.raw_title,
      set.description !== undefined ? set.description : before.description,
      set.conditions ?? before.conditions,
      set.actions ?? before.actions,
    ]);
    await triggersChanged(trx);
    return trx
      .updateTable('triggers')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export async function deleteTrigger(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'trigger:manage');
  await transaction(db, async (trx) => {
    await getTrigger(trx, id);
    await trx.deleteFrom('triggers').where('id', '=', id).execute();
    await triggersChanged(trx);
  });
}

/**
 * `PUT /triggers/reorder`: the listed triggers take positions 1..n in that order; triggers not
 * listed keep their order after them. Every id must be a trigger (a 422 naming the first not).
 */
export async function reorderTriggers(
  db: Conn,
  actor: Actor,
  ids: readonly number[],
  now: string,
): Promise<Trigger[]> {
  await authorize(db, actor, 'trigger:manage');
  return transaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('triggers')
      .selectAll()
      .orderBy('position')
      .orderBy('id')
      .execute();
    const known = new Set(rows.map((r) => r.id));
    const missing = ids.find((id) => !known.has(id));
    if (missing !== undefined) {
      throw ValidationError.field('trigger_ids', `Trigger ids: no trigger has the id ${missing}`);
    }
    await triggersChanged(trx);
    const listed = new Set(ids);
    const order = [...ids, ...rows.filter((r) => !listed.has(r.id)).map((r) => r.id)];
    for (const [i, id] of order.entries()) {
      await trx
        .updateTable('triggers')
        .set({ position: i + 1, updated_at: now })
        .where('id', '=', id)
        .execute();
    }
    return trx.selectFrom('triggers').selectAll().orderBy('position').orderBy('id').execute();
  });
}
