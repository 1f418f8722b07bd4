import { agentsOnly } from './rule.ts';

/**
 * Tags as a list of their own (suggestions, the account's tag list) are agents'. Which tickets'
 * tags an agent is told about follows its ticket scope (src/desk/tags.ts).
 */
export const tagRules = {
  'tag:read': agentsOnly,
};
