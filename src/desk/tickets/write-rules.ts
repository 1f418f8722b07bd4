import type { User } from '../../db/types.ts';
import type { Conn } from '../context.ts';
import type { FiredEffect } from '../events.ts';
import type { Via } from '../via.ts';
import type { TicketWritePlan } from './plan-ticket-write.ts';
import type { SeenUsers } from './ticket-references.ts';
import type { TicketFields } from './ticket-fields.ts';

/**
 * The seam by which business rules (triggers) run inside every ticket write, between planning
 * and persisting it, without the desk knowing them: the composition root registers a
 * WriteRules on the instance's DeskEvents (useWriteRules), and writeTicket calls it with the
 * plan of each write. Writes that do not go through writeTicket (user merges) do not run it.
 */

/** What the rules of a write know of it besides its plan. */
export interface WriteRulesContext {
  /** The via of this update (`current_via_id`). */
  via: Via;
  /** The via the ticket was created through (`via_id`): the create's own, or the stored one. */
  ticketVia: Via;
  actor: User;
  /** Users the write has read already (the requester often among them). */
  seen: SeenUsers;
}

/** A field a rule changed: the rule's via, and the value before the rules ran. */
export interface RuleFieldChange {
  via: Via;
  before: TicketFields[keyof TicketFields] | null;
}

export interface RuledWrite {
  /** The plan amended with what the rules changed (references resolved, native rules held). */
  plan: TicketWritePlan;
  /** The rules' side effects, in the order they fired. */
  effects: FiredEffect[];
  /** The fields whose final value a rule set, by field, with the last rule that set them. */
  changedBy: ReadonlyMap<keyof TicketFields, RuleFieldChange>;
}

export type WriteRules = (
  trx: Conn,
  plan: TicketWritePlan,
  context: WriteRulesContext,
) => Promise<RuledWrite>;
