import type { GroupMembership, User } from '../../../db/types.ts';
import type { Actor, Conn } from '../../../desk/context.ts';
import { groupsQuery } from '../../../desk/groups.ts';
import { identitiesOf } from '../../../desk/identities.ts';
import {
  presentGroup,
  presentIdentity,
  presentOrganization,
  presentOrganizationFor,
  presentUser,
  presentUserFor,
} from './presenters.ts';
import type { TicketPageRow } from './ticket-json.ts';

/** The side-loads a request names with `include=`, already split into names. */
export type Include = readonly string[];
export type Sideloads = Record<string, unknown>;

/** `include=users,groups,organizations` side-loads the records tickets point at. */
export async function ticketSideloads(
  db: Conn,
  base: string,
  reader: Actor,
  rows: TicketPageRow[],
  include: Include,
): Promise<Sideloads> {
  const viewer = reader.user;
  const out: Sideloads = {};
  if (!['users', 'groups', 'organizations'].some((k) => include.includes(k))) return out;
  // Pages read only ids and versions: the references are read here, for the few that ask.
  const tickets = rows.length
    ? await db
        .selectFrom('tickets')
        .select(['requester_id', 'submitter_id', 'assignee_id', 'group_id', 'organization_id'])
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : [];
  if (include.includes('users')) {
    const ids = new Set<number>();
    for (const t of tickets) {
      for (const u of [t.requester_id, t.submitter_id, t.assignee_id]) if (u) ids.add(u);
    }
    const users = ids.size
      ? await db
          .selectFrom('users')
          .selectAll()
          .where('id', 'in', [...ids])
          .execute()
      : [];
    out.users = users.map((u) => presentUserFor(viewer, u, base));
  }
  if (include.includes('groups')) {
    const ids = [...new Set(tickets.map((t) => t.group_id).filter((g): g is number => g !== null))];
    out.groups = ids.length
      ? (await db.selectFrom('groups').selectAll().where('id', 'in', ids).execute()).map((g) =>
          presentGroup(g, base),
        )
      : [];
  }
  if (include.includes('organizations')) {
    const ids = [
      ...new Set(tickets.map((t) => t.organization_id).filter((o): o is number => o !== null)),
    ];
    out.organizations = ids.length
      ? (await db.selectFrom('organizations').selectAll().where('id', 'in', ids).execute()).map(
          (o) => presentOrganizationFor(viewer, o, base),
        )
      : [];
  }
  return out;
}

/** The authors of a page of comments, as `reader` may see them. */
export async function commentAuthors(
  db: Conn,
  base: string,
  reader: Actor,
  rows: { author_id: number }[],
): Promise<Sideloads> {
  const ids = [...new Set(rows.map((c) => c.author_id))];
  return {
    users: ids.length
      ? (await db.selectFrom('users').selectAll().where('id', 'in', ids).execute()).map((u) =>
          presentUserFor(reader.user, u, base),
        )
      : [],
  };
}

/** `include=identities,organizations,groups` side-loads what users point at (agents only). */
export async function userSideloads(
  db: Conn,
  base: string,
  users: User[],
  include: Include,
): Promise<Sideloads> {
  const out: Sideloads = {};
  const ids = users.map((u) => u.id);
  if (include.includes('identities')) {
    out.identities = (await identitiesOf(db, ids)).map((i) => presentIdentity(i, base));
  }
  if (include.includes('organizations')) {
    const orgIds = [
      ...new Set(users.map((u) => u.organization_id).filter((o): o is number => o !== null)),
    ];
    out.organizations = orgIds.length
      ? (await db.selectFrom('organizations').selectAll().where('id', 'in', orgIds).execute()).map(
          (o) => presentOrganization(o, base),
        )
      : [];
  }
  if (include.includes('groups')) {
    out.groups = ids.length
      ? (
          await db
            .selectFrom('groups')
            .selectAll()
            .where('deleted', '=', 0)
            .where('id', 'in', (eb) =>
              eb.selectFrom('group_memberships').select('group_id').where('user_id', 'in', ids),
            )
            .orderBy('id')
            .execute()
        ).map((g) => presentGroup(g, base))
      : [];
  }
  return out;
}

/** `include=users,groups` side-loads what memberships point at, as Zendesk's list does. */
export async function membershipSideloads(
  db: Conn,
  base: string,
  rows: GroupMembership[],
  include: Include,
): Promise<Sideloads> {
  const out: Sideloads = {};
  if (include.includes('users')) {
    const ids = [...new Set(rows.map((m) => m.user_id))];
    out.users = ids.length
      ? (await db.selectFrom('users').selectAll().where('id', 'in', ids).execute()).map((u) =>
          presentUser(u, base),
        )
      : [];
  }
  if (include.includes('groups')) {
    const ids = [...new Set(rows.map((m) => m.group_id))];
    out.groups = ids.length
      ? (await groupsQuery(db).where('id', 'in', ids).execute()).map((g) => presentGroup(g, base))
      : [];
  }
  return out;
}
