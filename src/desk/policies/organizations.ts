import { agentsOnly, holding } from './rule.ts';

/** Agents read organizations; admins, and agents whose role has manage_organizations, write. */
export const organizationRules = {
  'organization:read': agentsOnly,
  'organization:manage': holding('manage_organizations'),
};
