import { adminsOnly } from './rule.ts';

/** An API token acts for any agent who names it, so only admins see or revoke tokens. */
export const tokenRules = {
  'api-token:manage': adminsOnly,
};
