import { isAgent } from '../context.ts';
import { agentsOnly, type Rule } from './rule.ts';

/**
 * Agents list, search and write users (user-commands refines which users an agent may
 * change); anyone reads their own profile.
 */
export const userRules = {
  'user:list': agentsOnly,
  'user:read': {
    allow: (who, s) => isAgent(who.user) || s.userId === who.user.id,
  } satisfies Rule<{ userId: number }>,
  'user:write': agentsOnly,
  'user:read-identities': agentsOnly,
  'user:write-identities': agentsOnly,
};
