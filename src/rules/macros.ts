import { transaction } from '../db/transaction.ts';
import type { Macro } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { isAgent } from '../desk/context.ts';
import { ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { parseActions } from './actions.ts';
import { groupIdsOf, macroGroupIds, scopeOf, visibleMacro } from './macro-access.ts';
import { endPosition } from './positions.ts';
import { cleanTitle, MAX_RULE_BYTES } from './rule-input.ts';

/** Zendesk's `restriction`: null (shared), a user (personal) or groups. */
export type MacroRestriction =
  | null
  | { type: 'User'; id?: number; ids?: number[] }
  | { type: 'Group'; id?: number; ids?: number[] };

/** A macro as a door sends it (Zendesk's `macro` object, already shaped by the door). */
export interface MacroInput {
  title?: string;
  description?: string | null;
  active?: boolean;
  position?: number;
  restriction?: MacroRestriction;
  actions?: unknown;
}

/** A macro with its groups, as the commands hand it to the doors. */
export interface MacroRecord {
  macro: Macro;
  groups: number[];
}

function actionsJson(actions: unknown): string {
  parseActions(actions, 'macro');
  const json = JSON.stringify(actions);
  if (Buffer.byteLength(json) >= MAX_RULE_BYTES) {
    throw ValidationError.field('actions', 'Actions: a business rule must be smaller than 65 kB');
  }
  return json;
}

interface Restricted {
  restriction_type: Macro['restriction_type'];
  owner_id: number | null;
  groups: number[];
}

/** A restriction checked against the database: the user is an agent, the groups exist. */
async function resolveRestriction(
  db: Conn,
  actor: Actor,
  r: MacroRestriction,
): Promise<Restricted> {
  if (r === null) return { restriction_type: null, owner_id: null, groups: [] };
  if (r.type === 'User') {
    const ownerId = r.id ?? r.ids?.[0] ?? actor.user.id;
    const owner = await db
      .selectFrom('users')
      .select(['id', 'role'])
      .where('id', '=', ownerId)
      .executeTakeFirst();
    if (!owner || !isAgent(owner)) {
      throw ValidationError.field('restriction.id', `Restriction: ${ownerId} is not an agent`);
    }
    return { restriction_type: 'User', owner_id: ownerId, groups: [] };
  }
  const groups = [...new Set(r.ids && r.ids.length > 0 ? r.ids : r.id ? [r.id] : [])];
  if (groups.length === 0) {
    throw ValidationError.field('restriction.ids', 'Restriction: a group macro names its groups');
  }
  const found = await db
    .selectFrom('groups')
    .select('id')
    .where('id', 'in', groups)
    .where('deleted', '=', 0)
    .execute();
  const missing = groups.find((g) => !found.some((f) => f.id === g));
  if (missing !== undefined) {
    throw ValidationError.field('restriction.ids', `Restriction: no group has the id ${missing}`);
  }
  return { restriction_type: 'Group', owner_id: null, groups };
}

/** Throws unless `actor` may manage a macro restricted so. */
async function authorizeScope(db: Conn, actor: Actor, r: Restricted): Promise<void> {
  const own = r.restriction_type === 'Group' ? await groupIdsOf(db, actor.user.id) : [];
  await authorize(db, actor, 'macro:manage', scopeOf(r, r.groups, own));
}

async function setGroups(db: Conn, macroId: number, groups: readonly number[]): Promise<void> {
  await db.deleteFrom('macro_groups').where('macro_id', '=', macroId).execute();
  if (groups.length === 0) return;
  await db
    .insertInto('macro_groups')
    .values(groups.map((group_id) => ({ macro_id: macroId, group_id })))
    .execute();
}

export async function createMacro(
  db: Conn,
  actor: Actor,
  input: MacroInput,
  now: string,
): Promise<MacroRecord> {
  await authorize(db, actor, 'macro:use');
  const title = cleanTitle(input.title);
  const actions = actionsJson(input.actions);
  return transaction(db, async (trx) => {
    const r = await resolveRestriction(trx, actor, input.restriction ?? null);
    await authorizeScope(trx, actor, r);
    const macro = await trx
      .insertInto('macros')
      .values({
        title,
        description: input.description ?? null,
        active: input.active === false ? 0 : 1,
        position: input.position ?? (await endPosition(trx, 'macros')),
        restriction_type: r.restriction_type,
        owner_id: r.owner_id,
        actions,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await setGroups(trx, macro.id, r.groups);
    return { macro, groups: r.groups };
  });
}

/** An update inside the caller's transaction: both the macro as it was and as it will be must be the actor's to manage. */
async function updateIn(
  trx: Conn,
  actor: Actor,
  id: number,
  input: MacroInput,
  now: string,
): Promise<MacroRecord> {
  const before = await visibleMacro(trx, actor, id);
  const own = await groupIdsOf(trx, actor.user.id);
  await authorize(trx, actor, 'macro:manage', scopeOf(before.macro, before.groups, own));
  const set: Partial<Macro> = { updated_at: now };
  if (input.title !== undefined) set.title = cleanTitle(input.title);
  if (input.description !== undefined) set.description = input.description;
  if (input.active !== undefined) set.active = input.active ? 1 : 0;
  if (input.position !== undefined) set.position = input.position;
  if (input.actions !== undefined) set.actions = actionsJson(input.actions);
  let groups = before.groups;
  if (input.restriction !== undefined) {
    const r = await resolveRestriction(trx, actor, input.restriction);
    await authorizeScope(trx, actor, r);
    Object.assign(set, { restriction_type: r.restriction_type, owner_id: r.owner_id });
    await setGroups(trx, id, r.groups);
    groups = r.groups;
  }
  const macro = await trx
    .updateTable('macros')
    .set(set)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { macro, groups };
}

export async function updateMacro(
  db: Conn,
  actor: Actor,
  id: number,
  input: MacroInput,
  now: string,
): Promise<MacroRecord> {
  await authorize(db, actor, 'macro:use');
  return transaction(db, (trx) => updateIn(trx, actor, id, input, now));
}

/**
 * `PUT /macros/update_many`: Zendesk lets it change `active` and `position` of several macros
 * at once; all or none change (the first macro the actor may not see or manage refuses all).
 */
export async function updateManyMacros(
  db: Conn,
  actor: Actor,
  changes: readonly { id: number; active?: boolean; position?: number }[],
  now: string,
): Promise<MacroRecord[]> {
  await authorize(db, actor, 'macro:use');
  return transaction(db, async (trx) => {
    const out: MacroRecord[] = [];
    for (const { id, ...input } of changes) out.push(await updateIn(trx, actor, id, input, now));
    return out;
  });
}

async function deleteIn(trx: Conn, actor: Actor, id: number): Promise<void> {
  const { macro, groups } = await visibleMacro(trx, actor, id);
  const own = await groupIdsOf(trx, actor.user.id);
  await authorize(trx, actor, 'macro:manage', scopeOf(macro, groups, own));
  await trx.deleteFrom('macro_usages').where('macro_id', '=', id).execute();
  await trx.deleteFrom('macro_groups').where('macro_id', '=', id).execute();
  await trx.deleteFrom('macros').where('id', '=', id).execute();
}

export async function deleteMacro(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'macro:use');
  await transaction(db, (trx) => deleteIn(trx, actor, id));
}

/** `DELETE /macros/destroy_many?ids=`: all or none. */
export async function deleteManyMacros(
  db: Conn,
  actor: Actor,
  ids: readonly number[],
): Promise<void> {
  await authorize(db, actor, 'macro:use');
  await transaction(db, async (trx) => {
    for (const id of new Set(ids)) await deleteIn(trx, actor, id);
  });
}

export async function showMacro(db: Conn, actor: Actor, id: number): Promise<MacroRecord> {
  return visibleMacro(db, actor, id);
}

/** `GET /macros/new?macro_id=`: the macro the door presents as an unsaved copy to start from. */
export async function macroReplica(db: Conn, actor: Actor, id: number): Promise<MacroRecord> {
  return visibleMacro(db, actor, id);
}

/** The groups of these macros, for doors presenting a list. */
export async function groupsOfMacros(db: Conn, macros: readonly Macro[]) {
  return macroGroupIds(
    db,
    macros.map((m) => m.id),
  );
}
