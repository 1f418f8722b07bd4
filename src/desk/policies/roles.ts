import { adminsOnly } from './rule.ts';

/** Custom roles decide what agents may do, so only admins read or change them. */
export const roleRules = {
  'custom-role:manage': adminsOnly,
};
