import { agentsOnly, holding } from './rule.ts';

/**
 * Business rules (triggers for now): admins, and agents whose custom role grants
 * `manage_triggers`, read and manage them; other agents and end users never.
 */
export const ruleRules = {
  'trigger:read': holding('manage_triggers'),
  'trigger:manage': holding('manage_triggers'),
  // In-app notifications are for agents and admins, each reading only their own (the rules'
  // queries filter by the reader); end users are told by email or in their channel instead.
  'notification:read': agentsOnly,
};
