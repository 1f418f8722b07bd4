import type { User } from '../../db/types.ts';
import { isAgent } from '../context.ts';
import { adminsOnly, agentsOnly, type Rule } from './rule.ts';

/** The user a command changes, as the user rules look at it. */
export type UserSubject = Pick<User, 'id' | 'role'>;

/**
 * Admins edit anyone; agents edit end users and their own profile; end users edit nobody
 * through the users API.
 */
function editsUser(who: { user: User }, target: UserSubject): boolean {
  if (who.user.role === 'admin') return true;
  return who.user.role === 'agent' && (target.role === 'end-user' || target.id === who.user.id);
}

/**
 * Agents list, search and write users (`user:edit` refines which users an agent may change);
 * anyone reads their own profile.
 */
export const userRules = {
  'user:list': agentsOnly,
  'user:read': {
    allow: (who, s) => isAgent(who.user) || s.userId === who.user.id,
  } satisfies Rule<{ userId: number }>,
  'user:write': agentsOnly,
  'user:edit': { allow: editsUser } satisfies Rule<UserSubject>,
  'user:set-role': { ...adminsOnly, refusal: 'Only admins can set roles.' },
  'user:suspend': { ...adminsOnly, refusal: 'Only admins can suspend users.' },
  /** Agents delete end users; only admins delete agents and admins. */
  'user:delete': {
    allow: (who, target) =>
      isAgent(who.user) && (who.user.role === 'admin' || target.role === 'end-user'),
  } satisfies Rule<UserSubject>,
  /** Agents merge end users; an end user merges only themselves (proving the target's password). */
  'user:merge': {
    allow: (who, source) => source.id === who.user.id || isAgent(who.user),
  } satisfies Rule<UserSubject>,
  'user:read-identities': agentsOnly,
  'user:write-identities': agentsOnly,
};
