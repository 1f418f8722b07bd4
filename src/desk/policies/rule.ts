import type { User } from '../../db/types.ts';
import { isAgent } from '../context.ts';
import type { PermissionKey } from '../custom-roles.ts';
import { type Grants, holds } from './grants.ts';

/** The actor as policies see it: the user and what their role grants. */
export interface Who {
  user: User;
  grants: Grants;
}

/**
 * One action's rule. `hides` names the record a refused actor is told does not exist (a 404,
 * as Zendesk answers for what a reader may not see); without it a refusal is a 403.
 */
export interface Rule<S = undefined> {
  allow(who: Who, subject: S): boolean;
  hides?: string;
  /** The message of a 403 refusal, where the desk has always said why. */
  refusal?: string;
}

export const agentsOnly: Rule = { allow: (who) => isAgent(who.user) };
export const adminsOnly: Rule = { allow: (who) => who.user.role === 'admin' };

/** Admins, and agents whose custom role grants the permission `key`. */
export function holding(key: PermissionKey): Rule {
  return { allow: (who) => holds(who.grants, key) };
}
