import { adminsOnly, agentsOnly } from './rule.ts';

/** Agents read brands (they pick one for a ticket); only admins manage them. */
export const brandRules = {
  'brand:read': agentsOnly,
  'brand:manage': adminsOnly,
};
