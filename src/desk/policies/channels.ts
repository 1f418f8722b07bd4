import { isAgent } from '../context.ts';
import { seesMessaging } from './grants.ts';
import { agentsOnly, holding, type Rule } from './rule.ts';

/**
 * Starting a conversation makes a messaging ticket: only for agents who may see those, so that
 * nobody creates a ticket they then cannot read (issue 15, item 9).
 */
const startsConversations: Rule = {
  allow: (who) => isAgent(who.user) && seesMessaging(who.grants),
  refusal: 'Your role does not give access to messaging conversations, so you cannot start one.',
};

/**
 * Messaging channels (Slack connections, their apps and events) are admin work, or the work
 * of agents whose role may manage channels. Conversations are agents' work.
 */
export const channelRules = {
  'channel:manage': holding('manage_extensions_and_channels'),
  'conversation:read': agentsOnly,
  'conversation:start': startsConversations,
  /** Send a failed reply again; which reply and ticket is checked by the ticket's rules. */
  'conversation:redeliver': agentsOnly,
};
