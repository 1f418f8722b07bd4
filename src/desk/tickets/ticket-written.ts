import type { DeskEventOf, FiredEffect } from '../events.ts';
import type { Via } from '../via.ts';
import type { TicketWritePlan } from './plan-ticket-write.ts';

/** The event of a persisted ticket write: its plan's changes and comment, under its audit. */
export function ticketWritten(
  plan: TicketWritePlan,
  written: { ticketId: number; auditId: number; commentId: number | null },
  via: Via,
  effects: readonly FiredEffect[] = [],
): DeskEventOf<'ticket.written'> {
  const { comment } = plan;
  return {
    name: 'ticket.written',
    ticketId: written.ticketId,
    auditId: written.auditId,
    created: plan.before === null,
    changes: plan.changes,
    comments:
      comment && written.commentId !== null
        ? [
            {
              id: written.commentId,
              public: comment.public,
              authorId: comment.authorId,
              authorIsAgent: comment.authorIsAgent,
            },
          ]
        : [],
    actor: { userId: plan.actor.id, via },
    effects: [...effects],
  };
}
