import type { Attachment, Audit, AuditEvent, Comment, Ticket } from '../../db/types.ts';
import { type AuditEventInput, auditEventRows, auditRow } from '../audits.ts';
import type { Conn } from '../context.ts';
import { ValidationError } from '../errors.ts';
import type { FiredEffect, TransactionEvents } from '../events.ts';
import { type RenderedBody, renderHtml, renderMarkdown } from '../markdown.ts';
import type { Via } from '../via.ts';
import { changesNothing, type TicketWritePlan } from './plan-ticket-write.ts';
import { fieldColumns } from './ticket-fields.ts';
import type { CommentInput } from './ticket-input.ts';
import { ticketWritten } from './ticket-written.ts';
import type { WriteBatch } from './write-batch.ts';
import type { RuleFieldChange } from './write-rules.ts';

export interface WriteResult {
  ticket: Ticket;
  auditId: number;
  commentId: number | null;
  /**
   * The rows of the audit as written, so that a response can show it without reading it back.
   * Absent when the write was batched or nothing changed.
   */
  written?: WrittenAudit;
}

export interface WrittenAudit {
  audit: Audit;
  events: AuditEvent[];
  comment: Comment | null;
  /** The comment's attachments, or null when it claimed uploads (read them back). */
  attachments: Attachment[] | null;
}

export interface PersistOptions {
  via: Via;
  /** The client's `metadata`, kept in the audit as `metadata.custom` (as Zendesk does). */
  metadata?: Record<string, unknown>;
  /** Only for creates. */
  create?: {
    fromMessagingChannel?: boolean;
    followupSourceId?: number | null;
    viaSource?: Via;
  };
  /**
   * PostgreSQL: record an update's rows in this batch instead of writing them now (see
   * write-batch.ts); the caller flushes it. Creates and comments with uploads are written now,
   * after the batch is flushed (batchFor).
   */
  batch?: WriteBatch;
  /**
   * The events of the caller's transaction: the write emits its `ticket.written` there (its
   * processors write their outbox rows now), published when the caller's transaction commits.
   */
  events: TransactionEvents;
  /** Side effects of the rules of this write (an automation's, the triggers'), for its event. */
  effects?: readonly FiredEffect[];
  /** The fields a rule (a trigger) set, whose audit events carry the rule's via. */
  ruleChanges?: ReadonlyMap<string, RuleFieldChange>;
}

/**
 * The batch a write may record its rows in: none for creates and comments that claim uploads,
 * which are written at once, after what the batch holds (flushed here), so that ids keep the
 * order of the writes.
 */
export async function batchFor(
  before: Ticket | null,
  comment: CommentInput | null,
  batch: WriteBatch | undefined,
): Promise<WriteBatch | undefined> {
  const usable = before && !comment?.uploads?.length ? batch : undefined;
  if (batch && !usable) await batch.flush();
  return usable;
}

function renderComment(comment: CommentInput): RenderedBody {
  return comment.html_body !== undefined && comment.body === undefined
    ? renderHtml(comment.html_body)
    : renderMarkdown(comment.body ?? '');
}

interface CommentArgs {
  ticketId: number;
  auditId: number;
  authorId: number;
  comment: CommentInput;
  rendered: RenderedBody;
  isPublic: boolean;
  via: Via;
  now: string;
}

function commentRow(args: CommentArgs) {
  const { comment, rendered } = args;
  const via = comment.via ?? args.via;
  return {
    ticket_id: args.ticketId,
    audit_id: args.auditId,
    author_id: args.authorId,
    public: args.isPublic ? 1 : 0,
    body: rendered.body,
    html_body: rendered.html_body,
    plain_body: rendered.plain_body,
    via_channel: via.channel,
    via_source: JSON.stringify(via.source),
    metadata: JSON.stringify({ system: {}, custom: {}, ...(comment.metadata ?? {}) }),
    created_at: args.now,
  };
}

function fileRows(args: CommentArgs, commentId: number) {
  return (args.comment.files ?? []).map((f) => ({
    ...f,
    comment_id: commentId,
    ticket_id: args.ticketId,
    uploader_id: args.authorId,
    created_at: args.now,
  }));
}

async function insertComment(
  trx: Conn,
  args: CommentArgs,
): Promise<{ row: Comment; attachments: Attachment[] | null }> {
  const { comment } = args;
  const row = await trx
    .insertInto('comments')
    .values(commentRow(args))
    .returningAll()
    .executeTakeFirstOrThrow();
  const tokens = comment.uploads ?? [];
  if (tokens.length > 0) {
    const unique = [...new Set(tokens)];
    // Claimed in one conditional UPDATE, not looked up first: a file is either taken here or
    // deleted by the upload sweep, never both (each re-checks `comment_id is null` on the row
    // it changes). A token that claimed nothing was unknown, used or expired, and the whole
    // write rolls back.
    const claimed = await trx
      .updateTable('attachments')
      .set({ comment_id: row.id, ticket_id: args.ticketId, upload_expires_at: null })
      .where('upload_token', 'in', unique)
      .where('comment_id', 'is', null)
      .where('upload_expires_at', '>', args.now)
      .returning('upload_token')
      .execute();
    const found = new Set(claimed.map((p) => p.upload_token));
    const missing = unique.filter((t) => !found.has(t));
    if (missing.length > 0) {
      throw ValidationError.field(
        'uploads',
        `Uploads: ${missing.join(', ')} is not a valid upload token`,
      );
    }
  }
  const files = fileRows(args, row.id);
  const attachments =
    files.length > 0
      ? await trx.insertInto('attachments').values(files).returningAll().execute()
      : [];
  return { row, attachments: tokens.length > 0 ? null : attachments };
}

async function syncTags(trx: Conn, ticketId: number, before: string[], after: string[]) {
  const add = after.filter((t) => !before.includes(t));
  const drop = before.filter((t) => !after.includes(t));
  if (drop.length > 0) {
    await trx
      .deleteFrom('ticket_tags')
      .where('ticket_id', '=', ticketId)
      .where('tag', 'in', drop)
      .execute();
  }
  if (add.length > 0) {
    await trx
      .insertInto('ticket_tags')
      .values(add.map((tag) => ({ ticket_id: ticketId, tag })))
      .execute();
  }
}

/** The ticket columns the plan sets, its timestamps and counters included. */
function ticketRow(plan: TicketWritePlan) {
  return { ...fieldColumns(plan.next, !plan.before), ...plan.timestamps, ...movedCounters(plan) };
}

/**
 * What moves the counters the `reopens` and `replies` conditions read: a reopen is a solved
 * ticket set to an unsolved status; a reply is an agent's public comment on an update (the
 * first comment of a ticket is its description, not a reply).
 */
function counterMoves(plan: TicketWritePlan): { reopened: boolean; replied: boolean } {
  const { before, next, comment } = plan;
  return {
    reopened: before?.status === 'solved' && next.status !== 'solved' && next.status !== 'closed',
    replied: before !== null && comment !== null && comment.public && comment.authorIsAgent,
  };
}

/** The counters after this write. */
export function countersOf(plan: TicketWritePlan): { reopens: number; agent_replies: number } {
  const { reopened, replied } = counterMoves(plan);
  return {
    reopens: (plan.before?.reopens ?? 0) + (reopened ? 1 : 0),
    agent_replies: (plan.before?.agent_replies ?? 0) + (replied ? 1 : 0),
  };
}

/** Only the counters this write moves, so that a write leaves the others' columns alone. */
function movedCounters(plan: TicketWritePlan): Partial<{ reopens: number; agent_replies: number }> {
  const { reopened, replied } = counterMoves(plan);
  const after = countersOf(plan);
  return {
    ...(reopened ? { reopens: after.reopens } : {}),
    ...(replied ? { agent_replies: after.agent_replies } : {}),
  };
}

async function insertTicket(
  trx: Conn,
  plan: TicketWritePlan,
  rendered: RenderedBody | null,
  opts: PersistOptions,
): Promise<Ticket> {
  const { now } = plan;
  const isPublic = plan.comment?.public ?? false;
  const v = opts.create?.viaSource ?? opts.via;
  return trx
    .insertInto('tickets')
    .values({
      ...ticketRow(plan),
      description: rendered?.plain_body ?? '',
      via_channel: v.channel,
      via_source: JSON.stringify(v.source),
      from_messaging_channel: opts.create?.fromMessagingChannel ? 1 : 0,
      followup_source_id: opts.create?.followupSourceId ?? null,
      is_public: isPublic ? 1 : 0,
      // Kept apart from is_public, which a later public reply turns on: the description
      // repeats this first comment, and an internal note's text must stay internal. Set only
      // for a private one; the column's default (public) covers the rest.
      ...(isPublic ? {} : { description_public: 0 }),
      created_at: now,
      updated_at: now,
      status_updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function updateTicket(
  trx: Conn,
  plan: TicketWritePlan,
  before: Ticket,
  batch: WriteBatch | undefined,
): Promise<Ticket> {
  // Only the columns whose values change are written, so the indexes of the others are left
  // alone (SQLite rewrites the entries of every index on an assigned column); the row comes
  // back from the statement instead of being read again.
  const changed: Partial<Ticket> = {};
  const madePublic = plan.comment?.public && !before.is_public;
  const values = { ...ticketRow(plan), ...(madePublic ? { is_public: 1 } : {}) };
  for (const [key, value] of Object.entries(values)) {
    if (before[key as keyof Ticket] !== value) Object.assign(changed, { [key]: value });
  }
  if (Object.keys(changed).length === 0) return before;
  if (batch) {
    batch.updateTicket(before.id, changed);
    // The row as the update will leave it: every column it sets is in `changed`.
    return { ...before, ...changed };
  }
  return (
    trx
      .updateTable('tickets')
      // Raising the version here spares SQLite's trigger (migration 0005) a second write.
      .set((eb) => ({ ...changed, version: eb('version', '+', 1) }))
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow()
  );
}

/** Zendesk shows ids in audit events as strings, lists as arrays. */
function eventValue(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  return v;
}

function isBlank(v: unknown): boolean {
  return v === null || (Array.isArray(v) && v.length === 0);
}

/**
 * The plan's changes as audit events: Create events for a new ticket, Change events after. A
 * field a rule set carries the rule's via; on a create, what the rule changed is a Change
 * event from the value the create asked for (after that value's Create event, if it had one),
 * as Zendesk's creation audits show a trigger's changes.
 */
function changeEvents(
  plan: TicketWritePlan,
  ruled: ReadonlyMap<string, RuleFieldChange> = new Map(),
): AuditEventInput[] {
  return plan.changes.flatMap((c): AuditEventInput[] => {
    const rule = ruled.get(c.field);
    const via = rule ? { via: rule.via } : {};
    const value = eventValue(c.value);
    if (plan.previous) {
      return [
        {
          type: 'Change',
          field_name: c.field,
          value,
          previous_value: eventValue(c.previous),
          ...via,
        },
      ];
    }
    if (!rule) return [{ type: 'Create', field_name: c.field, value }];
    const asked = eventValue(rule.before);
    const change: AuditEventInput = {
      type: 'Change',
      field_name: c.field,
      value,
      previous_value: isBlank(rule.before) ? null : asked,
      via: rule.via,
    };
    return isBlank(rule.before)
      ? [change]
      : [{ type: 'Create', field_name: c.field, value: asked }, change];
  });
}

/** Inserts the audit row, or records it in the batch; returns its id and, written, its row. */
async function writeAuditRow(
  trx: Conn,
  plan: TicketWritePlan,
  ticketId: number,
  opts: PersistOptions,
  batchAuditId: number | null,
): Promise<{ auditId: number; written?: WrittenAudit }> {
  const audit = {
    ticketId,
    authorId: plan.actor.id,
    via: opts.via,
    now: plan.now,
    ...(opts.metadata ? { metadata: { system: {}, custom: opts.metadata } } : {}),
  };
  if (opts.batch && batchAuditId !== null) {
    opts.batch.addAudit({ id: batchAuditId, ...auditRow(audit) });
    return { auditId: batchAuditId };
  }
  const row = await trx
    .insertInto('audits')
    .values(auditRow(audit))
    .returningAll()
    .executeTakeFirstOrThrow();
  return { auditId: row.id, written: { audit: row, events: [], comment: null, attachments: [] } };
}

/** Writes the plan's comment, or records it in the batch. */
async function writeComment(
  trx: Conn,
  args: CommentArgs,
  opts: PersistOptions,
  ids: { commentId: number } | null,
  written: WrittenAudit | undefined,
): Promise<number> {
  let commentId: number;
  if (opts.batch && ids) {
    commentId = ids.commentId;
    opts.batch.addComment({ id: commentId, ...commentRow(args) });
    opts.batch.addAttachments(fileRows(args, commentId));
  } else {
    const inserted = await insertComment(trx, args);
    commentId = inserted.row.id;
    if (written) {
      Object.assign(written, { comment: inserted.row, attachments: inserted.attachments });
    }
  }
  return commentId;
}

/**
 * The second half of a ticket write: writes the plan's row, tags, comment and one audit with
 * its events — all inside the caller's transaction, or, given a batch, recorded in it.
 */
export async function persistTicketWrite(
  trx: Conn,
  plan: TicketWritePlan,
  options: PersistOptions,
): Promise<WriteResult> {
  const { before, now } = plan;
  const opts = {
    ...options,
    batch: await batchFor(before, plan.comment?.input ?? null, options.batch),
  };
  // Nothing changed: no audit, no new updated_at (as Zendesk does). A rule's update that only
  // notifies (an automation's reminder) still writes its audit, whose event carries the effects.
  if (before && changesNothing(plan) && !options.effects?.length) {
    return { ticket: before, auditId: 0, commentId: null };
  }

  // Rendered before the ticket row is written so that a new ticket is inserted with its
  // description (its first comment's plain text) instead of updated again right after.
  const rendered = plan.comment ? renderComment(plan.comment.input) : null;
  const ticket = before
    ? await updateTicket(trx, plan, before, opts.batch)
    : await insertTicket(trx, plan, rendered, opts);
  const ticketId = ticket.id;
  await syncTags(trx, ticketId, plan.previous?.tags ?? [], plan.next.tags);

  const ids = opts.batch ? await opts.batch.nextIds() : null;
  const { auditId, written } = await writeAuditRow(trx, plan, ticketId, opts, ids?.auditId ?? null);
  let commentId: number | null = null;
  const events: AuditEventInput[] = [];
  if (plan.comment && rendered) {
    const args: CommentArgs = {
      ticketId,
      auditId,
      authorId: plan.comment.authorId,
      comment: plan.comment.input,
      rendered,
      isPublic: plan.comment.public,
      via: opts.via,
      now,
    };
    commentId = await writeComment(trx, args, opts, ids, written);
    events.push({ type: 'Comment', comment_id: commentId });
  }
  events.push(...changeEvents(plan, opts.ruleChanges));
  if (opts.batch) opts.batch.addEvents(auditEventRows(auditId, ticketId, events));
  else if (events.length > 0 && written) {
    const rows = await trx
      .insertInto('audit_events')
      .values(auditEventRows(auditId, ticketId, events))
      .returningAll()
      .execute();
    // RETURNING promises no order; ids follow the order of the VALUES.
    written.events = rows.sort((a, b) => a.id - b.id);
  }
  await opts.events.emit(
    trx,
    ticketWritten(plan, { ticketId, auditId, commentId }, opts.via, opts.effects),
  );
  return { ticket, auditId, commentId, ...(written ? { written } : {}) };
}
