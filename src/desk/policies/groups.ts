import { isAgent } from '../context.ts';
import { holds } from './grants.ts';
import { agentsOnly, holding, type Rule } from './rule.ts';

/** Agents read groups; admins write, and so do agents whose custom role grants the permission. */
export const groupRules = {
  'group:read': agentsOnly,
  'group:manage': holding('manage_groups'),
  'group-membership:manage': holding('manage_group_memberships'),
  /** Zendesk lets agents pick their own default group; changing someone else's needs rights. */
  'group-membership:make-default': {
    allow: (who, s) =>
      isAgent(who.user) &&
      (s.userId === who.user.id || holds(who.grants, 'manage_group_memberships')),
  } satisfies Rule<{ userId: number }>,
};
