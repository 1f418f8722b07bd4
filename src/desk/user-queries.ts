/** The queries behind listing, searching and autocompleting users. */
import { sql } from 'kysely';
import type { Role } from '../db/types.ts';
import { type Conn } from './context.ts';
import { externalIdIs } from './external-ids.ts';

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
