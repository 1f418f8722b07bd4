import type { SlackConnection, SlackConversation, Ticket, User } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import type { TransactionEvents } from '../../../desk/events.ts';
import type { WriteBatch } from '../../../desk/tickets/write-batch.ts';
import { messageOf, type Prepared } from './prepared.ts';

/**
 * Rows one apply transaction reads up front for all its events (one query each instead of one
 * per event) and keeps current as its events change them.
 */
export interface ApplyState {
  /** Parley users by Slack user id. */
  requesters: Map<string, User>;
  /** Conversations by `connection channel`. */
  conversations: Map<string, SlackConversation>;
  /** Messages already applied, by `conversation ts`. */
  seen: Set<string>;
  /** The conversations' current tickets (locked FOR UPDATE on PostgreSQL). */
  tickets: Map<number, Ticket>;
  /**
   * PostgreSQL: comments on existing tickets are collected here and written in a few
   * statements (see write-batch.ts), flushed before anything reads them back.
   */
  batch?: WriteBatch;
  /** The transaction's desk events, published by applyBatch once it commits. */
  events: TransactionEvents;
  /** Incoming messages recorded, written in one statement before anything reads them. */
  messages: {
    conversation_id: number;
    ts: string;
    comment_id: number | null;
    created_at: string;
  }[];
}

/** Reads, in one query each, the rows the events of one transaction look up. */
export async function loadState(
  trx: Conn,
  batch: Prepared[],
  pg: boolean,
  events: TransactionEvents,
): Promise<ApplyState> {
  const state: ApplyState = {
    events,
    requesters: new Map(),
    conversations: new Map(),
    seen: new Set(),
    tickets: new Map(),
    messages: [],
  };
  const users = new Set<string>();
  const channels = new Set<string>();
  for (const p of batch) {
    const m = messageOf(p);
    if (!m || !p.connections[0]) continue;
    if (m.user) users.add(m.user);
    channels.add(m.channel);
  }
  if (users.size > 0) {
    const rows = await trx
      .selectFrom('user_identities')
      .innerJoin('users', 'users.id', 'user_identities.user_id')
      .selectAll('users')
      .select('user_identities.value as slack_identity')
      .where('user_identities.type', '=', 'slack')
      .where('user_identities.value', 'in', [...users])
      .execute();
    for (const { slack_identity, ...user } of rows) state.requesters.set(slack_identity, user);
  }
  if (channels.size === 0) return state;
  await loadConversations(trx, state, batch, [...channels], pg);
  return state;
}

/** The DMs' conversations, which of their messages were applied, and their current tickets. */
async function loadConversations(
  trx: Conn,
  state: ApplyState,
  batch: Prepared[],
  channels: string[],
  pg: boolean,
): Promise<void> {
  const conversations = await trx
    .selectFrom('slack_conversations')
    .selectAll()
    .where('channel_id', 'in', channels)
    .execute();
  for (const c of conversations) state.conversations.set(`${c.connection_id} ${c.channel_id}`, c);
  const convIds = conversations.map((c) => c.id);
  const tss = [...new Set(batch.map((p) => messageOf(p)?.ts).filter((t) => t !== undefined))];
  if (convIds.length > 0 && tss.length > 0) {
    const seen = await trx
      .selectFrom('slack_messages')
      .select(['conversation_id', 'ts'])
      .where('conversation_id', 'in', convIds)
      .where('ts', 'in', tss)
      .execute();
    for (const m of seen) state.seen.add(`${m.conversation_id} ${m.ts}`);
  }
  const ticketIds = conversations
    .map((c) => c.current_ticket_id)
    .filter((id): id is number => id !== null);
  if (ticketIds.length > 0) {
    let q = trx.selectFrom('tickets').selectAll().where('id', 'in', ticketIds);
    // Each ticket is written from the row read here: lock it so that a concurrent agent's
    // update is not overwritten with what was read before it.
    if (pg) q = q.forUpdate();
    for (const t of await q.orderBy('id').execute()) state.tickets.set(t.id, t);
  }
}

/** Records the incoming messages applied so far (an edit or delete may look them up next). */
export async function writeMessages(trx: Conn, state: ApplyState): Promise<void> {
  // The messages point at comments that may still be in the batch.
  await state.batch?.flush();
  if (state.messages.length === 0) return;
  const rows = state.messages.map((m) => ({
    ...m,
    direction: 'in' as const,
    thread_ts: null,
  }));
  state.messages = [];
  await trx.insertInto('slack_messages').values(rows).execute();
}

/** One event being applied: what was prepared, the transaction's rows, and its connection. */
export interface ApplyScope {
  p: Prepared;
  state: ApplyState;
  connection: SlackConnection;
  now: string;
}
