import { TICKET_FIELDS } from '../desk/tickets/ticket-fields.ts';

/**
 * The catalogue of action fields (Zendesk's actions reference, the shared reference's §3.4):
 * for each, the value it takes and the rules that may use it. The values of the ticket's own
 * enum fields come from TICKET_FIELDS.
 */

/** Rules that carry actions. */
export type ActionRuleKind = 'trigger' | 'automation' | 'macro';

/**
 * - `enum`: one of `values` (`''` clears where `blank`); `macroValues` narrows it for macros;
 * - `id`: a record id, `''` (none) where `blank`, or one of `special` (for macros also
 *   `macroSpecial`);
 * - `words`: space-separated tags; `text`: a string; `boolean`: true/false (or "true"/"false");
 * - `comment`: a string, or `[channel, text]` (channel:all, channel:web, channel:chat);
 * - `notification`: `[recipient, subject, body]`; `webhook`: `[webhook id, body]`.
 */
export type ActionValueKind =
  | { kind: 'enum'; values: readonly string[]; blank: boolean; macroValues?: readonly string[] }
  | { kind: 'id'; blank: boolean; special: readonly string[]; macroSpecial?: readonly string[] }
  | { kind: 'words' }
  | { kind: 'text' }
  | { kind: 'boolean' }
  | { kind: 'comment' }
  | { kind: 'notification'; recipients: readonly string[]; recipientKind: 'user' | 'group' }
  | { kind: 'webhook' };

export interface ActionField {
  value: ActionValueKind;
  where: readonly ActionRuleKind[];
}

const EVERY: readonly ActionRuleKind[] = ['trigger', 'automation', 'macro'];
const RULES: readonly ActionRuleKind[] = ['trigger', 'automation'];
const MACROS: readonly ActionRuleKind[] = ['macro'];

const statuses = TICKET_FIELDS.status.values;

export const ACTION_FIELDS: Readonly<Record<string, ActionField>> = {
  status: {
    // Macros can't set new or closed (§3.4).
    value: {
      kind: 'enum',
      values: statuses,
      blank: false,
      macroValues: statuses.filter((s) => s !== 'new' && s !== 'closed'),
    },
    where: EVERY,
  },
  // Once set, a priority can't be removed (native rules, §1.2): no "".
  priority: {
    value: { kind: 'enum', values: TICKET_FIELDS.priority.values, blank: false },
    where: EVERY,
  },
  type: { value: { kind: 'enum', values: TICKET_FIELDS.type.values, blank: true }, where: EVERY },
  // Macros also `current_groups`: the applying agent's group (§3.4).
  group_id: {
    value: { kind: 'id', blank: true, special: [], macroSpecial: ['current_groups'] },
    where: EVERY,
  },
  assignee_id: { value: { kind: 'id', blank: true, special: ['current_user'] }, where: EVERY },
  brand_id: { value: { kind: 'id', blank: false, special: [] }, where: ['trigger'] },
  set_tags: { value: { kind: 'words' }, where: EVERY },
  current_tags: { value: { kind: 'words' }, where: EVERY },
  remove_tags: { value: { kind: 'words' }, where: EVERY },
  subject: { value: { kind: 'text' }, where: MACROS },
  // Triggers cannot add comments (§3.4): comment actions are macros'.
  comment_value: { value: { kind: 'comment' }, where: MACROS },
  comment_value_html: { value: { kind: 'text' }, where: MACROS },
  comment_mode_is_public: { value: { kind: 'boolean' }, where: MACROS },
  notification_user: {
    value: {
      kind: 'notification',
      recipients: ['requester_id', 'assignee_id', 'current_user', 'all_agents'],
      recipientKind: 'user',
    },
    where: RULES,
  },
  notification_group: {
    value: { kind: 'notification', recipients: ['group_id'], recipientKind: 'group' },
    where: RULES,
  },
  notification_webhook: { value: { kind: 'webhook' }, where: RULES },
};

export const COMMENT_CHANNELS: readonly string[] = ['channel:all', 'channel:web', 'channel:chat'];
