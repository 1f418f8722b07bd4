/**
 * What entry doors read of organizations. Each takes the actor and authorizes first; the
 * builders in organizations.ts (organizationsQuery, getOrganization…) are the desk's own,
 * unchecked.
 */
import { sql } from 'kysely';
import type { Organization } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { externalIdIn } from './external-ids.ts';
import {
  getOrganization,
  nameKey,
  organizationsQuery,
  searchOrganizationsQuery,
} from './organizations.ts';
import { authorize } from './policies/authorize.ts';

/** `GET /organizations`. */
export async function listOrganizations(db: Conn, actor: Actor) {
  await authorize(db, actor, 'organization:read');
  return organizationsQuery(db);
}

/** `GET /organizations/count`. */
export async function countOrganizations(db: Conn, actor: Actor): Promise<number> {
  await authorize(db, actor, 'organization:read');
  const row = await db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * `GET /organizations/show_many`: by id, or by external id (unique regardless of case, so
 * looked up that way too).
 */
export async function showManyOrganizations(
  db: Conn,
  actor: Actor,
  by: { ids: number[] } | { externalIds: string[] },
): Promise<Organization[]> {
  await authorize(db, actor, 'organization:read');
  if ('ids' in by) {
    if (by.ids.length === 0) return [];
    return organizationsQuery(db).where('id', 'in', by.ids).orderBy('id').execute();
  }
  if (by.externalIds.length === 0) return [];
  return organizationsQuery(db).where(externalIdIn(by.externalIds)).orderBy('id').execute();
}

/** `GET /organizations/search`: a name or an external id, exactly, ignoring case. */
export async function searchOrganizations(
  db: Conn,
  actor: Actor,
  by: { name: string } | { external_id: string },
) {
  await authorize(db, actor, 'organization:read');
  return searchOrganizationsQuery(db, by);
}

/** `GET /organizations/autocomplete`: names that start with `prefix`, ignoring case. */
export async function autocompleteOrganizations(db: Conn, actor: Actor, prefix: string) {
  await authorize(db, actor, 'organization:read');
  const escaped = nameKey(prefix).replace(/[\\%_]/g, (c) => `\\${c}`);
  return organizationsQuery(db).where(sql<boolean>`name_key like ${`${escaped}%`} escape '\\'`);
}

/** `GET /organizations/{id}`. */
export async function showOrganization(db: Conn, actor: Actor, id: number): Promise<Organization> {
  await authorize(db, actor, 'organization:read');
  return getOrganization(db, id);
}

/** `GET /organizations/{id}/users`: its active users. */
export async function listOrganizationUsers(db: Conn, actor: Actor, organizationId: number) {
  const org = await showOrganization(db, actor, organizationId);
  return db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', org.id)
    .where('active', '=', 1);
}
