import type { Macro } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { NotFoundError } from '../desk/errors.ts';
import { authorize, can } from '../desk/policies/authorize.ts';
import type { MacroScope } from '../desk/policies/rules.ts';

/**
 * Which macros an agent sees, and what managing one is. Agents read and apply the shared
 * macros, their own personal ones and those of their groups; admins (macro_access full) also
 * every group's. Another agent's personal macro is listed to admins only on request
 * (`access=agents`), and shown to them by id; to anyone else it does not exist (404).
 */

export async function groupIdsOf(db: Conn, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('group_memberships')
    .select('group_id')
    .where('user_id', '=', userId)
    .execute();
  return rows.map((r) => r.group_id);
}

/** A macro's `current_groups` for this agent: their default group, else their first; or null. */
export async function currentGroupOf(db: Conn, userId: number): Promise<number | null> {
  const row = await db
    .selectFrom('group_memberships')
    .innerJoin('groups', 'groups.id', 'group_memberships.group_id')
    .select('group_memberships.group_id')
    .where('group_memberships.user_id', '=', userId)
    .where('groups.deleted', '=', 0)
    .orderBy('group_memberships.is_default', 'desc')
    .orderBy('group_memberships.id')
    .executeTakeFirst();
  return row?.group_id ?? null;
}

/** The groups of each macro, by macro id. */
export async function macroGroupIds(
  db: Conn,
  macroIds: readonly number[],
): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (macroIds.length === 0) return out;
  const rows = await db
    .selectFrom('macro_groups')
    .select(['macro_id', 'group_id'])
    .where('macro_id', 'in', [...macroIds])
    .orderBy('group_id')
    .execute();
  for (const r of rows) {
    const list = out.get(r.macro_id) ?? [];
    list.push(r.group_id);
    out.set(r.macro_id, list);
  }
  return out;
}

/** The macro's scope for the policy, given its groups and the actor's. */
export function scopeOf(
  macro: Pick<Macro, 'restriction_type' | 'owner_id'>,
  groups: readonly number[],
  ownGroups: readonly number[],
): MacroScope {
  if (macro.restriction_type === 'User') return { kind: 'personal', ownerId: macro.owner_id ?? 0 };
  if (macro.restriction_type === 'Group') {
    return { kind: 'group', inOwnGroups: groups.every((g) => ownGroups.includes(g)) };
  }
  return { kind: 'shared' };
}

/** Whether `actor` may read and apply `macro` (its groups given). */
export async function seesMacro(
  db: Conn,
  actor: Actor,
  macro: Macro,
  groups: readonly number[],
): Promise<boolean> {
  if (!(await can(db, actor, 'macro:use'))) return false;
  if (macro.restriction_type === 'User') {
    return macro.owner_id === actor.user.id || (await can(db, actor, 'macro:list-personal'));
  }
  if (macro.restriction_type === 'Group') {
    if (await can(db, actor, 'macro:manage', { kind: 'shared' })) return true;
    const own = await groupIdsOf(db, actor.user.id);
    return groups.some((g) => own.includes(g));
  }
  return true;
}

/** The macro `actor` may see, with its groups; any other is not found. */
export async function visibleMacro(
  db: Conn,
  actor: Actor,
  id: number,
): Promise<{ macro: Macro; groups: number[] }> {
  await authorize(db, actor, 'macro:use');
  const macro = await db.selectFrom('macros').selectAll().where('id', '=', id).executeTakeFirst();
  if (!macro) throw new NotFoundError('Macro');
  const groups = (await macroGroupIds(db, [id])).get(id) ?? [];
  if (!(await seesMacro(db, actor, macro, groups))) throw new NotFoundError('Macro');
  return { macro, groups };
}
