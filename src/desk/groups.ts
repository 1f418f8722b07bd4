import { isPostgres } from '../db/dialect.ts';
import { transaction } from '../db/transaction.ts';
import type { Group, GroupMembership, Ticket } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { isAgent } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { type DeskEvents, EventsAfterCommit } from './events.ts';
import { authorize } from './policies/authorize.ts';
import { writeTicket } from './tickets/write-ticket.ts';
import { lockUser } from './users.ts';

export async function getGroup(db: Conn, id: number): Promise<Group> {
  const group = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!group) throw new NotFoundError('Group');
  return group;
}

/** Zendesk lists deleted groups too (flagged `deleted`) unless asked to leave them out. */
export function groupsQuery(db: Conn, opts: { excludeDeleted?: boolean } = {}) {
  let q = db.selectFrom('groups').selectAll();
  if (opts.excludeDeleted) q = q.where('deleted', '=', 0);
  return q;
}

export interface GroupInput {
  name?: string;
  description?: string;
  is_public?: boolean;
  default?: boolean;
}

function cleanName(name: string | undefined): string {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) throw ValidationError.field('name', 'Name: cannot be blank', 'BlankValue');
  return trimmed;
}

/** One default group: the one tickets fall into when nothing routes them elsewhere. */
async function takeDefault(trx: Conn, id: number, now: string): Promise<void> {
  await trx
    .updateTable('groups')
    .set({ is_default: 0, updated_at: now })
    .where('is_default', '=', 1)
    .where('id', '!=', id)
    .execute();
}

export async function createGroup(
  db: Conn,
  actor: Actor,
  input: GroupInput,
  now: string,
): Promise<Group> {
  await authorize(db, actor, 'group:manage');
  const name = cleanName(input.name);
  return transaction(db, async (trx) => {
    const group = await trx
      .insertInto('groups')
      .values({
        name,
        description: input.description ?? '',
        is_public: input.is_public === false ? 0 : 1,
        is_default: input.default ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (input.default) await takeDefault(trx, group.id, now);
    return group;
  });
}

export async function updateGroup(
  db: Conn,
  actor: Actor,
  id: number,
  input: GroupInput,
  now: string,
): Promise<Group> {
  await authorize(db, actor, 'group:manage');
  return transaction(db, async (trx) => {
    const group = await getGroup(trx, id);
    if (group.deleted) throw new NotFoundError('Group');
    const set: Partial<Group> = { updated_at: now };
    if (input.name !== undefined) set.name = cleanName(input.name);
    if (input.description !== undefined) set.description = input.description;
    if (input.is_public !== undefined) set.is_public = input.is_public ? 1 : 0;
    if (input.default !== undefined) set.is_default = input.default ? 1 : 0;
    if (input.default) await takeDefault(trx, id, now);
    return trx
      .updateTable('groups')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * Deleting is soft: tickets keep their group_id and the group stays readable, flagged deleted.
 * Its memberships go, so a deleted group can no longer be anyone's default group (new tickets
 * assigned to that agent would otherwise land in it).
 */
export async function deleteGroup(db: Conn, actor: Actor, id: number, now: string): Promise<void> {
  await authorize(db, actor, 'group:manage');
  await transaction(db, async (trx) => {
    // Locked, so that racing deletes answer 404 after the first and a membership being added
    // meanwhile either lands before the delete (and goes with it) or sees the group deleted.
    let q = trx.selectFrom('groups').selectAll().where('id', '=', id);
    if (isPostgres(trx)) q = q.forUpdate();
    const group = await q.executeTakeFirst();
    if (!group || group.deleted) throw new NotFoundError('Group');
    if (group.is_default) {
      throw ValidationError.field(
        'base',
        'Group: the default group cannot be deleted; make another group the default first',
      );
    }
    const members = await trx
      .selectFrom('group_memberships')
      .select('user_id')
      .where('group_id', '=', id)
      .orderBy('user_id')
      .execute();
    for (const m of members) await lockUser(trx, m.user_id);
    await trx.deleteFrom('group_memberships').where('group_id', '=', id).execute();
    for (const m of members) await settleDefaultMembership(trx, m.user_id, now);
    await trx
      .updateTable('groups')
      .set({ deleted: 1, is_default: 0, updated_at: now })
      .where('id', '=', id)
      .execute();
  });
}

// ---------------------------------------------------------------------------------------------
// Group memberships

export async function getMembership(db: Conn, id: number): Promise<GroupMembership> {
  const row = await db
    .selectFrom('group_memberships')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('GroupMembership');
  return row;
}

export function membershipsQuery(db: Conn, filter: { userId?: number; groupId?: number } = {}) {
  let q = db.selectFrom('group_memberships').selectAll();
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.groupId !== undefined) q = q.where('group_id', '=', filter.groupId);
  return q;
}

export function userMemberships(db: Conn, userId: number): Promise<GroupMembership[]> {
  return membershipsQuery(db, { userId }).orderBy('id').execute();
}

/**
 * Every change to an agent's memberships locks the agent's row first (lockUser), so that two of
 * them never both see "no default yet" and each make theirs the default. Where a group is locked
 * too, the group comes first.
 *
 * Keeps "exactly one default membership per agent" true after a change, preferring `preferId`,
 * then the current default, then the oldest membership; and mirrors the default group into
 * users.default_group_id, which is what Zendesk shows on the user.
 */
async function settleDefaultMembership(
  trx: Conn,
  userId: number,
  now: string,
  preferId?: number,
): Promise<void> {
  const rows = await userMemberships(trx, userId);
  const chosen =
    rows.find((m) => m.id === preferId) ?? rows.find((m) => m.is_default === 1) ?? rows[0];
  for (const m of rows) {
    const want = m === chosen ? 1 : 0;
    if (m.is_default !== want) {
      await trx
        .updateTable('group_memberships')
        .set({ is_default: want, updated_at: now })
        .where('id', '=', m.id)
        .execute();
    }
  }
  const defaultGroupId = chosen?.group_id ?? null;
  await trx
    .updateTable('users')
    .set({ default_group_id: defaultGroupId, updated_at: now })
    .where('id', '=', userId)
    .where((eb) =>
      defaultGroupId === null
        ? eb('default_group_id', 'is not', null)
        : eb.or([eb('default_group_id', 'is', null), eb('default_group_id', '!=', defaultGroupId)]),
    )
    .execute();
}

export interface MembershipInput {
  user_id: number;
  group_id: number;
  default?: boolean;
}

export async function createMembership(
  db: Conn,
  actor: Actor,
  input: MembershipInput,
  now: string,
): Promise<GroupMembership> {
  await authorize(db, actor, 'group-membership:manage');
  return transaction(db, async (trx) => {
    // The group is share-locked: a delete of it waits for this membership, or this sees it gone.
    let groupQuery = trx
      .selectFrom('groups')
      .select(['id', 'deleted'])
      .where('id', '=', input.group_id);
    if (isPostgres(trx)) groupQuery = groupQuery.forShare();
    const group = await groupQuery.executeTakeFirst();
    const user = await lockUser(trx, input.user_id);
    if (!user || !user.active) {
      throw ValidationError.field('user_id', `User: there is no user with id ${input.user_id}`);
    }
    if (!isAgent(user)) {
      throw ValidationError.field('user_id', 'User: only agents can be members of a group');
    }
    if (!group || group.deleted) {
      throw ValidationError.field('group_id', `Group: there is no group with id ${input.group_id}`);
    }
    const existing = await trx
      .selectFrom('group_memberships')
      .select('id')
      .where('user_id', '=', input.user_id)
      .where('group_id', '=', input.group_id)
      .executeTakeFirst();
    if (existing) {
      throw ValidationError.field(
        'user_id',
        'User: is already a member of this group',
        'DuplicateValue',
      );
    }
    const row = await trx
      .insertInto('group_memberships')
      .values({
        user_id: input.user_id,
        group_id: input.group_id,
        is_default: 0,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // An agent's first group is their default one, as in Zendesk.
    await settleDefaultMembership(trx, input.user_id, now, input.default ? row.id : undefined);
    return getMembership(trx, row.id);
  });
}

/** Unsolved tickets of `groupId` that `userId` is assigned to, locked for update on PostgreSQL. */
async function unsolvedAssignedTickets(
  trx: Conn,
  userId: number,
  groupId: number,
): Promise<Ticket[]> {
  let q = trx
    .selectFrom('tickets')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('assignee_id', '=', userId)
    .where('status', 'in', ['new', 'open', 'pending', 'hold'])
    .where('deleted_at', 'is', null)
    .orderBy('id');
  if (isPostgres(trx)) q = q.forUpdate();
  return q.execute();
}

/**
 * Removes an agent from a group. Zendesk's native rule: the agent stops being the assignee of
 * that group's unsolved tickets (the group stays); solved and closed tickets keep their
 * assignee, since a solved ticket must have one. Each unassignment is a normal, audited ticket
 * update by the actor.
 */
export async function deleteMembership(
  db: Conn,
  actor: Actor,
  id: number,
  now: string,
  bus: DeskEvents,
): Promise<{ unassignedTicketIds: number[] }> {
  await authorize(db, actor, 'group-membership:manage');
  const events = new EventsAfterCommit(bus);
  const committed = transaction(db, async (trx) => {
    const run = events.attempt();
    const seen = await getMembership(trx, id);
    await lockUser(trx, seen.user_id);
    // Read again under the agent's lock: a racing delete of the same membership has gone first.
    const membership = await getMembership(trx, id);
    await trx.deleteFrom('group_memberships').where('id', '=', id).execute();
    const tickets = await unsolvedAssignedTickets(trx, membership.user_id, membership.group_id);
    for (const ticket of tickets) {
      await writeTicket(trx, {
        before: ticket,
        patch: { assignee_id: null },
        comment: null,
        actor: actor.user,
        via: actor.via,
        now,
        events: run,
      });
    }
    await settleDefaultMembership(trx, membership.user_id, now);
    return { unassignedTicketIds: tickets.map((t) => t.id) };
  });
  return events.publishAfter(committed);
}

/** Makes one of the user's memberships their default; returns all of the user's memberships. */
export async function makeDefaultMembership(
  db: Conn,
  actor: Actor,
  userId: number,
  id: number,
  now: string,
): Promise<GroupMembership[]> {
  await authorize(db, actor, 'group-membership:make-default', { userId });
  return transaction(db, async (trx) => {
    await lockUser(trx, userId);
    const membership = await getMembership(trx, id);
    if (membership.user_id !== userId) throw new NotFoundError('GroupMembership');
    await settleDefaultMembership(trx, userId, now, id);
    return userMemberships(trx, userId);
  });
}
