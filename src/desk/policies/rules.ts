import { holding } from './rule.ts';

/**
 * Business rules: admins, and agents whose custom role grants `manage_triggers` (triggers) or
 * `manage_automations` (automations), read and manage them; other agents and end users never.
 */
export const ruleRules = {
  'trigger:read': holding('manage_triggers'),
  'trigger:manage': holding('manage_triggers'),
  'automation:read': holding('manage_automations'),
  'automation:manage': holding('manage_automations'),
};
