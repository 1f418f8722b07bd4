import { adminsOnly, holding } from './rule.ts';

/**
 * Business rules. Triggers: admins, and agents whose custom role grants `manage_triggers`,
 * read and manage them; other agents and end users never. Webhooks: admins only, as in
 * Zendesk — a webhook holds a receiver's credentials and can make Parley call any address.
 */
export const ruleRules = {
  'trigger:read': holding('manage_triggers'),
  'trigger:manage': holding('manage_triggers'),
  'webhook:read': adminsOnly,
  'webhook:manage': adminsOnly,
};
