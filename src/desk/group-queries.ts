/**
 * What entry doors read of groups and their memberships. Each takes the actor and authorizes
 * first; the builders in groups.ts (groupsQuery, membershipsQuery, getGroup…) are the desk's
 * own, unchecked.
 */
import type { Group, GroupMembership } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { getGroup, getMembership, groupsQuery, membershipsQuery } from './groups.ts';
import { authorize } from './policies/authorize.ts';
import { getUser } from './users.ts';

/** `GET /groups` (deleted ones too unless left out) and `GET /groups/assignable`. */
export async function listGroups(db: Conn, actor: Actor, opts: { excludeDeleted?: boolean }) {
  await authorize(db, actor, 'group:read');
  return groupsQuery(db, opts);
}

/** `GET /groups/count`: the live groups. */
export async function countGroups(db: Conn, actor: Actor): Promise<number> {
  await authorize(db, actor, 'group:read');
  const row = await db
    .selectFrom('groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** `GET /groups/{id}`. */
export async function showGroup(db: Conn, actor: Actor, id: number): Promise<Group> {
  await authorize(db, actor, 'group:read');
  return getGroup(db, id);
}

/** `GET /groups/{id}/users`: the group's active members. */
export async function listGroupUsers(db: Conn, actor: Actor, groupId: number) {
  const group = await showGroup(db, actor, groupId);
  return db
    .selectFrom('users')
    .selectAll()
    .where('active', '=', 1)
    .where('id', 'in', (eb) =>
      eb.selectFrom('group_memberships').select('user_id').where('group_id', '=', group.id),
    );
}

/**
 * `GET /group_memberships`, `/users/{id}/group_memberships`, `/groups/{id}/memberships`: the
 * memberships, of one (active) user or one group when named.
 */
export async function listMemberships(
  db: Conn,
  actor: Actor,
  filter: { userId?: number; groupId?: number },
) {
  await authorize(db, actor, 'group:read');
  if (filter.userId !== undefined) await getUser(db, filter.userId);
  if (filter.groupId !== undefined) await getGroup(db, filter.groupId);
  return membershipsQuery(db, filter);
}

/** `GET /group_memberships/{id}`. */
export async function showMembership(db: Conn, actor: Actor, id: number): Promise<GroupMembership> {
  await authorize(db, actor, 'group:read');
  return getMembership(db, id);
}
