import type { Ticket, User } from '../../db/types.ts';
import type { Conn } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { FiredEffect, TransactionEvents } from '../events.ts';
import { parseJson } from '../time.ts';
import type { Via, ViaSource } from '../via.ts';
import { batchFor, persistTicketWrite, type WriteResult } from './persist-ticket-write.ts';
import {
  changesNothing,
  commentToWrite,
  planTicketWrite,
  type TicketWritePlan,
} from './plan-ticket-write.ts';
import { resolveAuthor, resolveReferences, type SeenUsers } from './ticket-references.ts';
import type { CommentInput, TicketPatch } from './ticket-input.ts';
import type { WriteBatch } from './write-batch.ts';
import type { RuledWrite } from './write-rules.ts';

// The names callers have imported from here since before the write was split in two.
export type { CommentInput, TicketPatch } from './ticket-input.ts';
export type { WriteResult, WrittenAudit } from './persist-ticket-write.ts';
export { applyPatch, fieldsOf } from './plan-ticket-write.ts';

export interface WriteTicketArgs {
  /** null to create. */
  before: Ticket | null;
  patch: TicketPatch;
  comment: CommentInput | null;
  actor: User;
  via: Via;
  now: string;
  /** Users the caller has just read in this transaction, so that they are not read again. */
  knownUsers?: User[];
  /** A brand the caller has just read in this transaction, so that it is not checked again. */
  knownBrandId?: number;
  /**
   * PostgreSQL: record an update's rows in this batch instead of writing them now (see
   * write-batch.ts); the caller flushes it. Creates and comments with uploads are written now,
   * after the batch is flushed.
   */
  batch?: WriteBatch;
  /**
   * The events of the caller's transaction, which publishes them once it commits
   * (publishCommitted): the write emits its `ticket.written` there.
   */
  events: TransactionEvents;
  /** Side effects of the rule making this write (an automation), for its `ticket.written`. */
  effects?: readonly FiredEffect[];
  /** The client's `metadata`, kept in the audit as `metadata.custom` (as Zendesk does). */
  metadata?: Record<string, unknown>;
  /** Only for creates. */
  create?: {
    fromMessagingChannel?: boolean;
    followupSourceId?: number | null;
    viaSource?: Via;
  };
}

/**
 * The one path by which a ticket changes, inside the caller's transaction: plan it (the patch
 * and the native rules, plan-ticket-write.ts), check and fill its references, then persist it
 * (the row, the tags, the comment and one audit with its events, persist-ticket-write.ts).
 */
export async function writeTicket(trx: Conn, args: WriteTicketArgs): Promise<WriteResult> {
  const { before, actor, now } = args;
  // Flushed first when this write cannot wait in the batch, so that ids keep the order of the
  // writes (see batchFor).
  const batch = await batchFor(before, args.comment, args.batch);
  // The actor (read when the request was authenticated) and the users the caller has read
  // already need not be read again.
  const seen: SeenUsers = new Map([actor, ...(args.knownUsers ?? [])].map((u) => [u.id, u]));
  const comment = commentToWrite(before, args.comment);
  const author = await resolveAuthor(trx, comment, actor, seen);
  const planned = planTicketWrite(before, args.patch, comment, actor, { now, author });
  const resolved = await resolveReferences(trx, planned, seen, args.knownBrandId);
  const ruled = await runWriteRules(trx, resolved, args, seen);
  return persistTicketWrite(trx, ruled.plan, {
    via: args.via,
    metadata: args.metadata,
    create: args.create,
    batch,
    events: args.events,
    effects: [...(args.effects ?? []), ...ruled.effects],
    ruleChanges: ruled.changedBy,
  });
}

/**
 * The instance's write rules (the triggers) over the plan. None run for an update that changes
 * nothing, nor on a closed ticket (Zendesk: triggers don't run once a ticket is closed; the
 * update that closes it runs them, its `before` not being closed yet).
 */
async function runWriteRules(
  trx: Conn,
  plan: TicketWritePlan,
  args: WriteTicketArgs,
  seen: SeenUsers,
): Promise<RuledWrite> {
  const rules = args.events.writeRules;
  const { before } = args;
  if (!rules || before?.status === 'closed' || changesNothing(plan)) {
    return { plan, effects: [], changedBy: new Map() };
  }
  const ticketVia: Via = before
    ? {
        channel: before.via_channel,
        source: parseJson<ViaSource>(before.via_source, { from: {}, to: {}, rel: null }),
      }
    : (args.create?.viaSource ?? args.via);
  return rules(trx, plan, { via: args.via, ticketVia, actor: args.actor, seen });
}

export async function loadTicket(db: Conn, id: number): Promise<Ticket> {
  const ticket = await db
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!ticket) throw new NotFoundError('Ticket');
  return ticket;
}
