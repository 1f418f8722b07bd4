import { agentsOnly } from './rule.ts';

/**
 * The agent workspace's live doors: the event stream and presence on tickets are agents' (each
 * event and each ticket still filtered by what the agent may read).
 */
export const realtimeRules = {
  'stream:read': agentsOnly,
  'presence:share': agentsOnly,
};
