import { isPostgres } from '../../db/dialect.ts';
import type { Ticket } from '../../db/types.ts';
import { type AuditEventInput, auditEventRows } from '../audits.ts';
import { writeTransaction } from '../../db/group-commit.ts';
import { transaction } from '../../db/transaction.ts';
import type { Actor, Conn } from '../context.ts';
import { isAgent } from '../context.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { type DeskEvents, EventsAfterCommit, type FiredEffect } from '../events.ts';
import { authorize } from '../policies/authorize.ts';
import { ticketScope } from '../policies/tickets.ts';
import { presentTime } from '../time.ts';
import { resolveAssigneeEmail } from './assignee-email.ts';
import {
  type CommentInput,
  type TicketPatch,
  type WriteResult,
  loadTicket,
  writeTicket,
} from './write-ticket.ts';
import { reindexTicket } from '../search/search-index.ts';

export interface UpdateOptions {
  /**
   * Zendesk's `safe_update`: the `updated_at` the client last read. When the ticket has changed
   * since, the update is refused and nothing is written, so that two agents editing one ticket
   * do not silently overwrite each other.
   */
  updatedStamp?: string;
  /** Kept in the update's audit as `metadata.custom`. */
  metadata?: Record<string, unknown>;
  /** The instance's bus: the update's `ticket.written` is published there once it commits. */
  events: DeskEvents;
  /** Side effects of the rule making this update (an automation), for its `ticket.written`. */
  effects?: readonly FiredEffect[];
  /**
   * A rule's last word on the ticket as locked for the write (an automation re-checks its
   * conditions: the ticket may have changed since it was selected). Runs inside the update's
   * transaction; false leaves the ticket alone and the update answers NotApplicable.
   */
  guard?: (trx: Conn, before: Ticket) => Promise<boolean>;
  /**
   * Work that must commit or roll back with this update (recording the macros it applied),
   * run in its transaction after the write; the events it returns join the update's audit.
   */
  alongside?: (trx: Conn, result: WriteResult) => Promise<AuditEventInput[]>;
}

/** An update its guard declined: the rule no longer applies to the ticket. */
export class NotApplicable extends Error {
  constructor() {
    super('the rule no longer applies to the ticket');
  }
}

export const UPDATE_CONFLICT =
  'Safe Update prevented the update due to outdated ticket data. ' +
  'Please fetch the latest ticket data and try again.';

export async function updateTicket(
  db: Conn,
  actor: Actor,
  id: number,
  patch: TicketPatch,
  comment: CommentInput | null,
  now: string,
  options: UpdateOptions,
): Promise<WriteResult> {
  const events = new EventsAfterCommit(options.events);
  const committed = writeTransaction(db, async (trx) => {
    const run = events.attempt();
    let q = trx
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null);
    // Two updates of one ticket must not interleave; SQLite serializes writers by itself.
    if (isPostgres(trx)) q = q.forUpdate();
    const before = await q.executeTakeFirst();
    if (!before) throw new NotFoundError('Ticket');
    // A ticket one may not read is one that does not exist, to write as well.
    await authorize(trx, actor, 'ticket:read', before);
    if (Object.keys(patch).length > 0) await authorize(trx, actor, 'ticket:change-fields');
    if (options.guard && !(await options.guard(trx, before))) throw new NotApplicable();
    // Compared as the API shows updated_at (to the second), since that is what clients send
    // back; read under the row lock, so no write can slip in between the check and this one.
    if (
      options.updatedStamp !== undefined &&
      presentTime(options.updatedStamp) !== presentTime(before.updated_at)
    ) {
      throw new ConflictError(UPDATE_CONFLICT, 'UpdateConflict');
    }
    const result = await writeTicket(trx, {
      before,
      patch: isAgent(actor.user) ? await resolveAssigneeEmail(trx, patch) : patch,
      comment,
      actor: actor.user,
      via: actor.via,
      now,
      metadata: options.metadata,
      events: run,
      effects: options.effects,
    });
    if (options.alongside) await addToAudit(trx, result, await options.alongside(trx, result));
    return result;
  });
  return events.publishAfter(committed);
}

/** Events added to a written audit (an update that changed nothing has none to add to). */
async function addToAudit(trx: Conn, result: WriteResult, events: AuditEventInput[]) {
  if (events.length === 0 || result.auditId === 0) return;
  const rows = await trx
    .insertInto('audit_events')
    .values(auditEventRows(result.auditId, result.ticket.id, events))
    .returningAll()
    .execute();
  result.written?.events.push(...rows.sort((a, b) => a.id - b.id));
}

/** Zendesk's delete is soft: the ticket leaves lists and reads but its history stays. */
export async function deleteTicket(db: Conn, actor: Actor, id: number, now: string): Promise<void> {
  await authorize(db, actor, 'ticket:delete');
  // Only an actor who does not see every ticket has one to look at first.
  if ((await ticketScope(db, actor)).kind !== 'all') {
    await authorize(db, actor, 'ticket:read', await loadTicket(db, id));
  }
  await transaction(db, async (trx) => {
    const res = await trx
      .updateTable('tickets')
      .set((eb) => ({ deleted_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new NotFoundError('Ticket');
    await reindexTicket(trx, id);
  });
}
