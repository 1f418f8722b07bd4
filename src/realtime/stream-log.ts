import { sql } from 'kysely';
import { isPostgres } from '../db/dialect.ts';
import type { Db } from '../db/index.ts';
import type { StreamEvent } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import type { DeskEvent, Processor } from '../desk/events.ts';

/**
 * The stream's durable log: each desk event the agent workspace is told of becomes a
 * `stream_events` row written inside the write's transaction, so it commits or rolls back with
 * the write, and a reconnecting client is replayed what it missed from the rows.
 */

/** The PostgreSQL channel that carries a new row's id (only the id: each node reads the row). */
export const STREAM_CHANNEL = 'parley_stream';

/**
 * The advisory lock every stream write takes before drawing its id, held until commit. A
 * sequence hands ids out in insert order, not commit order: without the lock, id 7 could
 * commit before id 6, a reader past 7 would never see 6, and a reconnect would lose it. SQLite
 * has one writer at a time, so its ids already follow commits.
 */
const STREAM_LOCK = 0x5053_5452; // "PSTR"

/** Who may be sent an event, beside what the client sees. */
export interface Audience {
  /** The ticket is of a messaging channel: agents whose role withholds chat access never see it. */
  messaging?: boolean;
  /** Only this user (a notification). */
  userId?: number;
}

/** A row as the hub hands it on: the client's data, and who may have it. */
export interface StreamItem {
  id: number;
  kind: string;
  ticketId: number | null;
  data: Record<string, unknown>;
  audience: Audience;
}

interface StoredPayload {
  data: Record<string, unknown>;
  audience: Audience;
}

export function itemOf(row: StreamEvent): StreamItem {
  const p = JSON.parse(row.payload) as StoredPayload;
  return {
    id: row.id,
    kind: row.kind,
    ticketId: row.ticket_id,
    data: p.data,
    audience: p.audience,
  };
}

/** Writes one row in `trx`; on PostgreSQL under the commit-order lock, with a NOTIFY at commit. */
export async function appendStreamEvent(
  trx: Conn,
  kind: string,
  ticketId: number | null,
  payload: StoredPayload,
): Promise<void> {
  const pg = isPostgres(trx);
  if (pg) await sql`select pg_advisory_xact_lock(${STREAM_LOCK})`.execute(trx);
  const row = await trx
    .insertInto('stream_events')
    .values({
      kind,
      ticket_id: ticketId,
      payload: JSON.stringify(payload),
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // NOTIFY inside a transaction is delivered when it commits, and not at all if it rolls back.
  if (pg) await sql`select pg_notify(${STREAM_CHANNEL}, ${String(row.id)})`.execute(trx);
}

async function messagingOf(trx: Conn, ticketId: number): Promise<boolean> {
  const t = await trx
    .selectFrom('tickets')
    .select('from_messaging_channel')
    .where('id', '=', ticketId)
    .executeTakeFirst();
  return t?.from_messaging_channel === 1;
}

/** The client's view of a desk event, and who may see it (null: not a stream event). */
async function streamPayloadOf(
  trx: Conn,
  event: DeskEvent,
): Promise<{ kind: string; ticketId: number | null; payload: StoredPayload } | null> {
  switch (event.name) {
    case 'ticket.written':
      return {
        kind: event.created ? 'ticket.created' : 'ticket.updated',
        ticketId: event.ticketId,
        payload: {
          data: {
            ticket_id: event.ticketId,
            audit_id: event.auditId,
            changes: event.changes.map((c) => ({
              field: c.field,
              previous: c.previous,
              value: c.value,
            })),
            comments: event.comments.map((c) => ({ id: c.id, public: c.public })),
            actor: { id: event.actor.userId, via: event.actor.via.channel },
          },
          audience: { messaging: await messagingOf(trx, event.ticketId) },
        },
      };
    case 'notification.created':
      return {
        kind: 'notification.created',
        ticketId: event.ticketId,
        payload: {
          data: {
            notification_id: event.notificationId,
            user_id: event.userId,
            ticket_id: event.ticketId,
          },
          audience: {
            userId: event.userId,
            ...(event.ticketId === null
              ? {}
              : { messaging: await messagingOf(trx, event.ticketId) }),
          },
        },
      };
    case 'comment.delivery':
      return {
        kind: 'comment.delivery',
        ticketId: event.ticketId,
        payload: {
          data: {
            ticket_id: event.ticketId,
            comment_id: event.commentId,
            status: event.status,
            reason: event.reason,
          },
          audience: { messaging: await messagingOf(trx, event.ticketId) },
        },
      };
    default:
      return null;
  }
}

/**
 * The desk-events processor that writes the log; `committed` wakes the local hub after commit
 * (PostgreSQL nodes also hear of it through NOTIFY; waking twice only reads nothing new).
 */
export function streamLogProcessor(committed: () => void): Processor {
  return {
    name: 'realtime.stream-log',
    handles: ['ticket.written', 'notification.created', 'comment.delivery'],
    async inTransaction(trx, event) {
      const p = await streamPayloadOf(trx, event);
      if (p) await appendStreamEvent(trx, p.kind, p.ticketId, p.payload);
    },
    afterCommit() {
      committed();
    },
  };
}

/** The rows after `afterId`, oldest first, at most `limit`. */
export async function readStreamEvents(
  db: Db,
  afterId: number,
  limit: number,
): Promise<StreamItem[]> {
  const rows = await db
    .selectFrom('stream_events')
    .selectAll()
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(itemOf);
}

/** The newest id (0 for none): where a node's live reading starts. */
export async function latestStreamEventId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('stream_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Whether events after `afterId` may have been pruned: the oldest kept row is past the next
 * id. With no row kept, nothing says what was pruned, so an id behind the newest ever issued
 * is judged by `latest` (the hub's last id): an id below it with no rows left was pruned.
 */
export async function prunedSince(db: Db, afterId: number, latest: number): Promise<boolean> {
  const row = await db
    .selectFrom('stream_events')
    .select((eb) => eb.fn.min('id').as('id'))
    .executeTakeFirst();
  const oldest = row?.id == null ? null : Number(row.id);
  if (oldest === null) return afterId < latest;
  return oldest > afterId + 1;
}

/**
 * How long events stay replayable: a client away longer (a laptop closed overnight) gets
 * `reset` and reloads, which it would want to do anyway.
 */
export const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Removes rows older than `before` (ISO time); how many went. */
export async function pruneStreamEvents(db: Db, before: string): Promise<number> {
  const res = await db
    .deleteFrom('stream_events')
    .where('created_at', '<', before)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
