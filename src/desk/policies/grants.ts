import type { User } from '../../db/types.ts';
import type { Actor, Conn } from '../context.ts';
import { parseJson } from '../time.ts';

/**
 * What an actor's role grants beyond its base role: admins every permission, agents with a
 * custom role what its configuration says, everyone else nothing more.
 */
export type Grants = 'all' | 'none' | Readonly<Record<string, unknown>>;

/**
 * Kept per actor, which each door builds once per request or event: an agent's role is read
 * at most once per request, and only for agents that have a custom role.
 */
const loaded = new WeakMap<Actor, Promise<Grants>>();

/** Admins and agents without a custom role (the hot path) are answered without a query. */
export function grantsOf(db: Conn, actor: Actor): Grants | Promise<Grants> {
  const { user } = actor;
  if (user.role !== 'agent' || user.custom_role_id === null) return grantsOfUser(db, user);
  let grants = loaded.get(actor);
  if (!grants) {
    grants = loadRole(db, user.custom_role_id);
    loaded.set(actor, grants);
  }
  return grants;
}

/** `grantsOf` for a user without an actor (background checks); not kept. */
export function grantsOfUser(
  db: Conn,
  user: Pick<User, 'role' | 'custom_role_id'>,
): 'all' | 'none' | Promise<Grants> {
  if (user.role === 'admin') return 'all';
  if (user.role !== 'agent' || user.custom_role_id === null) return 'none';
  return loadRole(db, user.custom_role_id);
}

async function loadRole(db: Conn, roleId: number): Promise<Grants> {
  const role = await db
    .selectFrom('custom_roles')
    .select('configuration')
    .where('id', '=', roleId)
    .executeTakeFirst();
  // A role deleted under its agent grants nothing, as it did before policies.
  return role ? parseJson<Record<string, unknown>>(role.configuration, {}) : {};
}

/** A granted value: `true`, or an access level other than "none". */
export function grantsValue(value: unknown): boolean {
  if (value === true) return true;
  return typeof value === 'string' && value !== 'none';
}

/** Whether `grants` holds the custom role permission `key`. */
export function holds(grants: Grants, key: string): boolean {
  if (grants === 'all') return true;
  if (grants === 'none') return false;
  return grantsValue(grants[key]);
}

/**
 * Zendesk's chat/messaging permission. Only a custom role that says `chat_access: false`
 * withholds it: admins, agents without a custom role and roles that do not mention it keep it.
 */
export function seesMessaging(grants: Grants): boolean {
  return typeof grants === 'string' || grants.chat_access !== false;
}
