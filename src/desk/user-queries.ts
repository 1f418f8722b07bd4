/**
 * The queries behind listing, searching and autocompleting users. The `…Query` builders are
 * the desk's own; entry doors call the functions that take the actor, which authorize first.
 */
import { sql } from 'kysely';
import type { Role, User } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { externalIdIn, externalIdIs } from './external-ids.ts';
import { authorize } from './policies/authorize.ts';
import { loadUser } from './users.ts';

/** Escapes LIKE wildcards; callers add `escape '\'` (SQLite has no default escape character). */
function likePattern(text: string, mode: 'contains' | 'prefix'): string {
  const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return mode === 'prefix' ? `${escaped}%` : `%${escaped}%`;
}

export interface UserListFilter {
  roles?: Role[];
  externalId?: string;
  customRoleId?: number;
}

/** Active users, filtered as `GET /users` filters them. */
export function listUsersQuery(db: Conn, filter: UserListFilter = {}) {
  let q = db.selectFrom('users').selectAll().where('active', '=', 1);
  if (filter.roles && filter.roles.length > 0) q = q.where('role', 'in', filter.roles);
  if (filter.externalId !== undefined) {
    q = q.where(externalIdIs(filter.externalId));
  }
  if (filter.customRoleId !== undefined) q = q.where('custom_role_id', '=', filter.customRoleId);
  return q;
}

/**
 * `GET /users/search?query=`: an exact match on any email identity, or the text inside the
 * name or primary email, case-insensitively (PostgreSQL's LIKE is case-sensitive, so lower()).
 */
export function searchUsersQuery(db: Conn, query: string) {
  const text = query.trim();
  const pattern = likePattern(text, 'contains');
  return db
    .selectFrom('users')
    .selectAll()
    .where('active', '=', 1)
    .where((eb) =>
      eb.or([
        eb(sql<string>`lower(name)`, 'like', sql<string>`${pattern} escape '\\'`),
        eb(sql<string>`lower(email)`, 'like', sql<string>`${pattern} escape '\\'`),
        eb(
          'id',
          'in',
          eb
            .selectFrom('user_identities')
            .select('user_id')
            .where('value', '=', text.toLowerCase())
            .where('type', '=', 'email'),
        ),
      ]),
    );
}

/** `GET /users/autocomplete?name=`: users whose name starts with the text. */
export function autocompleteUsersQuery(db: Conn, name: string) {
  const pattern = likePattern(name.trim(), 'prefix');
  return db
    .selectFrom('users')
    .selectAll()
    .where('active', '=', 1)
    .where(sql<string>`lower(name)`, 'like', sql<string>`${pattern} escape '\\'`);
}

/** `GET /users/{id}` (and `/users/me`): agents read anyone, others only themselves. */
export async function showUser(db: Conn, actor: Actor, userId: number): Promise<User> {
  await authorize(db, actor, 'user:read', { userId });
  return loadUser(db, userId);
}

/** `GET /users`: the list query, for those who may list users. */
export async function listUsers(db: Conn, actor: Actor, filter: UserListFilter = {}) {
  await authorize(db, actor, 'user:list');
  return listUsersQuery(db, filter);
}

/** `GET /users/search`: by external id, or by text. */
export async function searchUsers(
  db: Conn,
  actor: Actor,
  by: { externalId: string } | { text: string },
) {
  await authorize(db, actor, 'user:list');
  return 'externalId' in by
    ? listUsersQuery(db, { externalId: by.externalId })
    : searchUsersQuery(db, by.text);
}

/** `GET /users/autocomplete`. */
export async function autocompleteUsers(db: Conn, actor: Actor, name: string) {
  await authorize(db, actor, 'user:list');
  return autocompleteUsersQuery(db, name);
}

/** `GET /users/show_many`: users by id, or by external id, deleted ones included. */
export async function showManyUsers(
  db: Conn,
  actor: Actor,
  by: { ids: number[] } | { externalIds: string[] },
): Promise<User[]> {
  await authorize(db, actor, 'user:list');
  let query = db.selectFrom('users').selectAll();
  if ('externalIds' in by) query = query.where(externalIdIn(by.externalIds));
  else query = query.where('id', 'in', by.ids);
  return query.orderBy('id').execute();
}
