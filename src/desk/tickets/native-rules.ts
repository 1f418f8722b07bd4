import type { TicketStatus } from '../../db/types.ts';
import { ValidationError } from '../errors.ts';
import { TICKET_FIELDS, type TicketFields } from './ticket-fields.ts';

// Described in ticket-fields.ts; exported here too, where the rules have always taken them.
export { AUDITED_FIELDS, type TicketFields } from './ticket-fields.ts';

export const STATUS_ORDER: TicketStatus[] = [...TICKET_FIELDS.status.values];

export interface NativeRuleInput {
  before: TicketFields | null;
  next: TicketFields;
  /** Whether the caller set `status` itself (rather than leaving it to the rules). */
  statusGiven: boolean;
  actor: { id: number; isAgent: boolean };
  /** The comment of this update, if any. */
  comment: { authorIsAgent: boolean; public: boolean } | null;
}

/**
 * Zendesk's native (non-configurable) status rules. Returns the fields after the rules; throws
 * ValidationError when the update is not allowed. Pure: no I/O, so rules can be unit tested.
 */
export function applyNativeRules(input: NativeRuleInput): TicketFields {
  const { before, statusGiven, actor, comment } = input;
  const next: TicketFields = { ...input.next, tags: [...input.next.tags] };

  if (before?.status === 'closed') {
    throw ValidationError.field('status', 'Status: closed prevents ticket update', 'ClosedTicket');
  }
  if (before && before.status !== 'new' && next.status === 'new') {
    throw ValidationError.field('status', 'Status: new is not valid once a ticket has left new');
  }
  if (before && before.priority !== null && next.priority === null) {
    throw ValidationError.field('priority', 'Priority: cannot be removed once set');
  }

  if (!statusGiven && comment) {
    // A requester writing on a pending, on-hold or solved ticket reopens it.
    if (!comment.authorIsAgent && ['pending', 'hold', 'solved'].includes(next.status)) {
      next.status = 'open';
    }
    // An agent's public reply takes a new ticket into work; an internal note does not.
    if (comment.authorIsAgent && comment.public && next.status === 'new' && before !== null) {
      next.status = 'open';
    }
  }
  // A new ticket that gets an assignee is open.
  if (next.status === 'new' && next.assignee_id !== null) next.status = 'open';

  if ((next.status === 'solved' || next.status === 'closed') && next.assignee_id === null) {
    // "Auto assign tickets upon solve": the agent who solves becomes the assignee.
    if (actor.isAgent) next.assignee_id = actor.id;
    else {
      throw ValidationError.field(
        'assignee_id',
        `Assignee: is required when the status is ${next.status}`,
        'BlankValue',
      );
    }
  }
  return next;
}

export function normalizeTags(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of tags) {
    for (const part of raw.split(/[\s,]+/)) {
      const tag = part.trim().toLowerCase();
      if (tag) out.add(tag);
    }
  }
  return [...out];
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
  }
  return a === b;
}
