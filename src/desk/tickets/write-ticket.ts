import type {
  Attachment,
  Audit,
  AuditEvent,
  Comment,
  Ticket,
  TicketPriority,
  TicketStatus,
  TicketType,
  User,
} from '../../db/types.ts';
import { type AuditEventInput, auditEventRows, auditRow } from '../audits.ts';
import { runCommentHooks } from '../comment-hooks.ts';
import { type Conn, isAgent } from '../context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { type RenderedBody, renderHtml, renderMarkdown } from '../markdown.ts';
import { parseJson } from '../time.ts';
import type { Via } from '../via.ts';
import type { WriteBatch } from './write-batch.ts';
import {
  AUDITED_FIELDS,
  applyNativeRules,
  normalizeTags,
  sameValue,
  type TicketFields,
} from './native-rules.ts';

export interface TicketPatch {
  subject?: string | null;
  status?: TicketStatus;
  priority?: TicketPriority | null;
  type?: TicketType | null;
  requester_id?: number;
  submitter_id?: number;
  assignee_id?: number | null;
  group_id?: number | null;
  organization_id?: number | null;
  brand_id?: number;
  tags?: string[];
  additional_tags?: string[];
  remove_tags?: string[];
  external_id?: string | null;
  due_at?: string | null;
  /** The address the ticket was sent to. */
  recipient?: string | null;
  /** Write-only: the assignee by email (resolveAssigneeEmail turns it into assignee_id). */
  assignee_email?: string | null;
}

export interface CommentInput {
  body?: string;
  html_body?: string;
  public?: boolean;
  author_id?: number;
  uploads?: string[];
  /** Files already in the blob store (a channel's incoming files), attached to this comment. */
  files?: {
    file_name: string;
    content_type: string;
    size: number;
    sha256: string;
    blob_key: string;
  }[];
  /** The comment's own via, when it differs from the update's (a Slack message). */
  via?: Via;
  metadata?: Record<string, unknown>;
}

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

export function fieldsOf(t: Ticket): TicketFields {
  return {
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    type: t.type,
    requester_id: t.requester_id,
    submitter_id: t.submitter_id,
    assignee_id: t.assignee_id,
    group_id: t.group_id,
    organization_id: t.organization_id,
    brand_id: t.brand_id,
    tags: parseJson<string[]>(t.tags, []),
    external_id: t.external_id,
    due_at: t.due_at,
    recipient: t.recipient,
  };
}

export function applyPatch(base: TicketFields, patch: TicketPatch): TicketFields {
  const next: TicketFields = { ...base, tags: [...base.tags] };
  for (const key of AUDITED_FIELDS) {
    if (key === 'tags') continue;
    if (patch[key as keyof TicketPatch] !== undefined) {
      (next as any)[key] = patch[key as keyof TicketPatch];
    }
  }
  if (patch.tags !== undefined) next.tags = normalizeTags(patch.tags);
  if (patch.additional_tags) next.tags = normalizeTags([...next.tags, ...patch.additional_tags]);
  if (patch.remove_tags) {
    const drop = new Set(normalizeTags(patch.remove_tags));
    next.tags = next.tags.filter((t) => !drop.has(t));
  }
  return next;
}

/**
 * Users already read during one write, by id. A create checks the requester, the submitter
 * (most often the actor), the assignee and the requester again for its organization; reading
 * each once keeps a create from spending a third of its statements on the same few rows.
 */
type SeenUsers = Map<number, User>;

async function requireUser(db: Conn, id: number, field: string, seen?: SeenUsers): Promise<User> {
  let user = seen?.get(id);
  if (!user) {
    user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (user) seen?.set(id, user);
  }
  if (!user || !user.active) {
    throw ValidationError.field(field, `${label(field)}: there is no user with id ${id}`);
  }
  return user;
}

function label(field: string): string {
  const name = field.replace(/_id$/, '').replace(/_/g, ' ');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

async function requireRow(
  db: Conn,
  table: 'groups' | 'organizations' | 'brands',
  id: number,
  field: string,
): Promise<void> {
  const row = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw ValidationError.field(field, `${label(field)}: there is no record with id ${id}`);
}

/**
 * Checks references and fills what Zendesk derives: the group from the assignee's default
 * group, the assignee's membership of the group.
 */
async function resolveReferences(
  db: Conn,
  before: TicketFields | null,
  next: TicketFields,
  seen: SeenUsers,
  knownBrandId: number | undefined,
) {
  const changed = (k: keyof TicketFields) => !before || !sameValue(before[k], next[k]);
  if (changed('requester_id')) await requireUser(db, next.requester_id, 'requester_id', seen);
  if (changed('submitter_id')) await requireUser(db, next.submitter_id, 'submitter_id', seen);
  if (changed('brand_id') && next.brand_id !== knownBrandId) {
    await requireRow(db, 'brands', next.brand_id, 'brand_id');
  }
  if (next.organization_id !== null && changed('organization_id')) {
    await requireRow(db, 'organizations', next.organization_id, 'organization_id');
  }
  if (next.group_id !== null && changed('group_id')) {
    const group = await db
      .selectFrom('groups')
      .select(['id', 'deleted'])
      .where('id', '=', next.group_id)
      .executeTakeFirst();
    if (!group || group.deleted) {
      throw ValidationError.field('group_id', `Group: there is no group with id ${next.group_id}`);
    }
  }
  if (next.assignee_id !== null && (changed('assignee_id') || changed('group_id'))) {
    const assignee = await requireUser(db, next.assignee_id, 'assignee_id', seen);
    if (!isAgent(assignee)) {
      throw ValidationError.field('assignee_id', 'Assignee: must be an agent');
    }
    const memberships = await db
      .selectFrom('group_memberships')
      .select(['group_id', 'is_default'])
      .where('user_id', '=', assignee.id)
      .execute();
    if (next.group_id === null) {
      const preferred =
        memberships.find((m) => m.is_default)?.group_id ??
        assignee.default_group_id ??
        memberships[0]?.group_id ??
        null;
      next.group_id = preferred;
    } else if (memberships.length > 0 || assignee.role !== 'admin') {
      if (!memberships.some((m) => m.group_id === next.group_id)) {
        throw ValidationError.field(
          'assignee_id',
          'Assignee: is not a member of the group',
          'InvalidValue',
        );
      }
    }
  }
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

function commentIsBlank(c: CommentInput): boolean {
  const text = c.body ?? c.html_body ?? '';
  return text.trim() === '' && (c.uploads ?? []).length === 0 && (c.files ?? []).length === 0;
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

/** Timestamps the rules and reports read, moved by what this write changed. */
function timestamps(
  before: Ticket | null,
  next: TicketFields,
  ctx: { actor: User; now: string; hasComment: boolean },
) {
  const { actor, now } = ctx;
  const statusChanged = !before || before.status !== next.status;
  const assigneeChanged = (before?.assignee_id ?? null) !== next.assignee_id;
  const out: Partial<Ticket> = { updated_at: now };
  if (statusChanged) out.status_updated_at = now;
  if (assigneeChanged && next.assignee_id !== null) {
    out.assigned_at = now;
    if (!before?.initially_assigned_at) out.initially_assigned_at = now;
  }
  if (statusChanged && next.status === 'solved') {
    out.solved_at = now;
    if (!before?.first_solved_at) out.first_solved_at = now;
  }
  if (statusChanged && next.status === 'closed') {
    out.closed_at = now;
    if (!before?.solved_at) out.solved_at = now;
    if (!before?.first_solved_at) out.first_solved_at = now;
  }
  if (actor.id === next.requester_id) out.requester_updated_at = now;
  if (next.assignee_id !== null && actor.id === next.assignee_id) out.assignee_updated_at = now;
  if (isAgent(actor)) out.agent_updated_at = now;
  if (ctx.hasComment) out.latest_comment_added_at = now;
  return out;
}

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
 * The one path by which a ticket changes: apply the patch, the native rules and the references
 * check, then write the row, the tags, the comment and one audit with its events — all inside
 * the caller's transaction.
 */
export async function writeTicket(trx: Conn, args: WriteTicketArgs): Promise<WriteResult> {
  const { before, actor, now } = args;
  // Creates and comments that claim uploads are written at once (see WriteTicketArgs.batch),
  // after what the batch holds, so that ids keep the order of the writes.
  const batch = before && !args.comment?.uploads?.length ? args.batch : undefined;
  if (args.batch && !batch) await args.batch.flush();
  // The actor (read when the request was authenticated) and the users the caller has read
  // already need not be read again.
  const seen: SeenUsers = new Map([actor, ...(args.knownUsers ?? [])].map((u) => [u.id, u]));
  const beforeFields = before ? fieldsOf(before) : null;
  if (!before && !args.patch.brand_id) throw new Error('brand_id is required to create a ticket');
  const base: TicketFields = beforeFields ?? {
    subject: null,
    status: 'new',
    priority: null,
    type: null,
    requester_id: actor.id,
    submitter_id: actor.id,
    assignee_id: null,
    group_id: null,
    organization_id: null,
    brand_id: args.patch.brand_id!,
    tags: [],
    external_id: null,
    due_at: null,
    recipient: null,
  };
  const proposed = applyPatch(base, args.patch);

  let comment = args.comment;
  if (comment && commentIsBlank(comment)) {
    if (!before) {
      throw ValidationError.field('description', 'Description: cannot be blank', 'BlankValue');
    }
    comment = null;
  }
  if (!before && !comment) {
    throw ValidationError.field('description', 'Description: cannot be blank', 'BlankValue');
  }

  let author: User | null = null;
  if (comment) {
    author =
      comment.author_id !== undefined && comment.author_id !== actor.id
        ? await requireUser(trx, comment.author_id, 'author_id', seen)
        : actor;
    if (author.id !== actor.id && !isAgent(actor)) {
      throw ValidationError.field('author_id', 'Author: only agents may write as another user');
    }
  }
  // End users cannot write internal notes.
  const commentPublic = comment
    ? author && isAgent(author)
      ? comment.public !== false
      : true
    : false;

  const next = applyNativeRules({
    before: beforeFields,
    next: proposed,
    statusGiven: args.patch.status !== undefined,
    actor: { id: actor.id, isAgent: isAgent(actor) },
    comment: author ? { authorIsAgent: isAgent(author), public: commentPublic } : null,
  });
  await resolveReferences(trx, beforeFields, next, seen, args.knownBrandId);

  if (!before && next.organization_id === null) {
    const requester = await requireUser(trx, next.requester_id, 'requester_id', seen);
    next.organization_id = requester.organization_id;
  }

  const changes: AuditEventInput[] = [];
  for (const key of AUDITED_FIELDS) {
    const value = next[key];
    if (!beforeFields) {
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      changes.push({ type: 'Create', field_name: key, value: eventValue(value) });
    } else if (!sameValue(beforeFields[key], value)) {
      changes.push({
        type: 'Change',
        field_name: key,
        value: eventValue(value),
        previous_value: eventValue(beforeFields[key]),
      });
    }
  }
  if (before && changes.length === 0 && !comment) {
    // Nothing changed: no audit, no new updated_at (as Zendesk does).
    return { ticket: before, auditId: 0, commentId: null };
  }

  const stamps = timestamps(before, next, { actor, now, hasComment: comment !== null });
  const row = {
    subject: next.subject,
    status: next.status,
    priority: next.priority,
    type: next.type,
    requester_id: next.requester_id,
    submitter_id: next.submitter_id,
    assignee_id: next.assignee_id,
    group_id: next.group_id,
    organization_id: next.organization_id,
    brand_id: next.brand_id,
    tags: JSON.stringify(next.tags),
    external_id: next.external_id,
    due_at: next.due_at,
    // Written when set or when updating; a create without one leaves the column's default
    // (null), as it does description_public, so creates write only what they set.
    ...(before || next.recipient !== null ? { recipient: next.recipient } : {}),
    ...stamps,
  };

  // Rendered before the ticket row is written so that a new ticket is inserted with its
  // description (its first comment's plain text) instead of updated again right after.
  const rendered = comment ? renderComment(comment) : null;
  let ticket: Ticket;
  if (!before) {
    const v = args.create?.viaSource ?? args.via;
    ticket = await trx
      .insertInto('tickets')
      .values({
        ...row,
        description: rendered?.plain_body ?? '',
        via_channel: v.channel,
        via_source: JSON.stringify(v.source),
        from_messaging_channel: args.create?.fromMessagingChannel ? 1 : 0,
        followup_source_id: args.create?.followupSourceId ?? null,
        is_public: commentPublic ? 1 : 0,
        // Kept apart from is_public, which a later public reply turns on: the description
        // repeats this first comment, and an internal note's text must stay internal. Set only
        // for a private one; the column's default (public) covers the rest.
        ...(commentPublic ? {} : { description_public: 0 }),
        created_at: now,
        updated_at: now,
        status_updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } else {
    // Only the columns whose values change are written, so the indexes of the others are left
    // alone (SQLite rewrites the entries of every index on an assigned column); the row comes
    // back from the statement instead of being read again.
    const changed: Partial<Ticket> = {};
    const values = { ...row, ...(commentPublic && !before.is_public ? { is_public: 1 } : {}) };
    for (const [key, value] of Object.entries(values)) {
      if (before[key as keyof Ticket] !== value) Object.assign(changed, { [key]: value });
    }
    if (Object.keys(changed).length === 0) ticket = before;
    else if (batch) {
      // The row as the update will leave it: every column it sets is in `changed`.
      ticket = { ...before, ...changed };
      batch.updateTicket(before.id, changed);
    } else {
      ticket = await trx
        .updateTable('tickets')
        // Raising the version here spares SQLite's trigger (migration 0005) a second write.
        .set((eb) => ({ ...changed, version: eb('version', '+', 1) }))
        .where('id', '=', before.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
  }
  const ticketId = ticket.id;
  await syncTags(trx, ticketId, beforeFields?.tags ?? [], next.tags);

  const audit = {
    ticketId,
    authorId: actor.id,
    via: args.via,
    now,
    ...(args.metadata ? { metadata: { system: {}, custom: args.metadata } } : {}),
  };
  const ids = batch ? await batch.nextIds() : null;
  let auditId: number;
  let written: WrittenAudit | undefined;
  if (batch && ids) {
    auditId = ids.auditId;
    batch.addAudit({ id: auditId, ...auditRow(audit) });
  } else {
    const row = await trx
      .insertInto('audits')
      .values(auditRow(audit))
      .returningAll()
      .executeTakeFirstOrThrow();
    auditId = row.id;
    written = { audit: row, events: [], comment: null, attachments: [] };
  }
  let commentId: number | null = null;
  const events: AuditEventInput[] = [];
  if (comment && author && rendered) {
    const commentArgs: CommentArgs = {
      ticketId,
      auditId,
      authorId: author.id,
      comment,
      rendered,
      isPublic: commentPublic,
      via: args.via,
      now,
    };
    if (batch && ids) {
      commentId = ids.commentId;
      batch.addComment({ id: commentId, ...commentRow(commentArgs) });
      batch.addAttachments(fileRows(commentArgs, commentId));
    } else {
      const inserted = await insertComment(trx, commentArgs);
      commentId = inserted.row.id;
      if (written)
        Object.assign(written, { comment: inserted.row, attachments: inserted.attachments });
    }
    await runCommentHooks(trx, {
      ticketId,
      commentId,
      public: commentPublic,
      authorIsAgent: isAgent(author),
      ticketCreated: !before,
    });
    events.push({ type: 'Comment', comment_id: commentId });
  }
  events.push(...changes);
  if (batch) batch.addEvents(auditEventRows(auditId, ticketId, events));
  else if (events.length > 0 && written) {
    const rows = await trx
      .insertInto('audit_events')
      .values(auditEventRows(auditId, ticketId, events))
      .returningAll()
      .execute();
    // RETURNING promises no order; ids follow the order of the VALUES.
    written.events = rows.sort((a, b) => a.id - b.id);
  }
  return { ticket, auditId, commentId, ...(written ? { written } : {}) };
}

/** Zendesk shows ids in audit events as strings, lists as arrays. */
function eventValue(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  return v;
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
