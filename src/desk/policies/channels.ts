import { agentsOnly, holding } from './rule.ts';

/**
 * Messaging channels (Slack connections, their apps and events) are admin work, or the work
 * of agents whose role may manage channels. Conversations are agents' work.
 */
export const channelRules = {
  'channel:manage': holding('manage_extensions_and_channels'),
  'conversation:read': agentsOnly,
  'conversation:start': agentsOnly,
  /** Send a failed reply again; which reply and ticket is checked by the ticket's rules. */
  'conversation:redeliver': agentsOnly,
};
