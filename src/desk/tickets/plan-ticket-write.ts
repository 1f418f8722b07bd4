import type { Ticket, User } from '../../db/types.ts';
import { isAgent } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { applyNativeRules, normalizeTags, sameValue } from './native-rules.ts';
import {
  AUDITED_FIELDS,
  fieldsOf,
  newTicketFields,
  type TicketFields,
  type TicketPatch,
} from './ticket-fields.ts';
import type { CommentInput } from './ticket-input.ts';

export { fieldsOf } from './ticket-fields.ts';

/**
 * The first half of a ticket write: what the write will do, worked out without the database.
 * A plan is plain data, so that the rules engine can read it and amend it (amendPlan) between
 * planning and persisting (persist-ticket-write.ts).
 */
export interface TicketWritePlan {
  /** The ticket as read before the write; null for a create. */
  before: Ticket | null;
  /** The fields of `before` as the rules see them; null for a create. */
  previous: TicketFields | null;
  /** The fields after the patch and the native rules. */
  next: TicketFields;
  /** Every audited field that changes, in Zendesk's order (for a create: every field set). */
  changes: FieldChange[];
  /** The columns of timestamps this write moves (always `updated_at`). */
  timestamps: TicketTimestamps;
  /** The comment this write adds, or null. */
  comment: PlannedComment | null;
  actor: { id: number; isAgent: boolean };
  now: string;
}

/** One changed field: its value before the write (null for a create) and after. */
export type FieldChange = {
  [K in keyof TicketFields]: { field: K; previous: TicketFields[K] | null; value: TicketFields[K] };
}[keyof TicketFields];

export type TicketTimestamps = Partial<
  Pick<
    Ticket,
    | 'updated_at'
    | 'status_updated_at'
    | 'assigned_at'
    | 'initially_assigned_at'
    | 'solved_at'
    | 'first_solved_at'
    | 'closed_at'
    | 'requester_updated_at'
    | 'assignee_updated_at'
    | 'agent_updated_at'
    | 'latest_comment_added_at'
  >
>;

export interface PlannedComment {
  input: CommentInput;
  authorId: number;
  authorIsAgent: boolean;
  public: boolean;
}

export interface PlanContext {
  now: string;
  /**
   * The comment's author when the comment names one other than the actor: read by the caller
   * (resolveAuthor), since a plan reads nothing.
   */
  author?: User;
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

function commentIsBlank(c: CommentInput): boolean {
  const text = c.body ?? c.html_body ?? '';
  return text.trim() === '' && (c.uploads ?? []).length === 0 && (c.files ?? []).length === 0;
}

/**
 * The comment a write adds: none for a blank one on an update, which is then an update without
 * a comment; a create must have one.
 */
export function commentToWrite(
  before: Ticket | null,
  comment: CommentInput | null,
): CommentInput | null {
  const kept = comment && !commentIsBlank(comment) ? comment : null;
  if (!before && !kept) {
    throw ValidationError.field('description', 'Description: cannot be blank', 'BlankValue');
  }
  return kept;
}

/** Whether the comment names an author other than the actor, who must then be read. */
export function namesOtherAuthor(comment: CommentInput, actor: User): boolean {
  return comment.author_id !== undefined && comment.author_id !== actor.id;
}

function planComment(
  comment: CommentInput | null,
  actor: User,
  ctx: PlanContext,
): PlannedComment | null {
  if (!comment) return null;
  const author = namesOtherAuthor(comment, actor) ? ctx.author : actor;
  if (!author || author.id !== (comment.author_id ?? actor.id)) {
    throw new Error('the comment author must be read before planning (resolveAuthor)');
  }
  if (author.id !== actor.id && !isAgent(actor)) {
    throw ValidationError.field('author_id', 'Author: only agents may write as another user');
  }
  const authorIsAgent = isAgent(author);
  // End users cannot write internal notes.
  const isPublic = authorIsAgent ? comment.public !== false : true;
  return { input: comment, authorId: author.id, authorIsAgent, public: isPublic };
}

/**
 * Plans a create (`before` null) or an update: applies the patch and Zendesk's native rules
 * (native-rules.ts) and works out the changes and the timestamps. Pure: it reads nothing, and
 * throws ValidationError for what the rules refuse. References (users, groups, brands…) are
 * checked, and the fields Zendesk derives from them filled, by resolveReferences.
 */
export function planTicketWrite(
  before: Ticket | null,
  patch: TicketPatch,
  comment: CommentInput | null,
  actor: User,
  ctx: PlanContext,
): TicketWritePlan {
  const previous = before ? fieldsOf(before) : null;
  const proposed = applyPatch(previous ?? newTicketFields(patch, actor.id), patch);
  const planned = planComment(commentToWrite(before, comment), actor, ctx);
  const next = applyNativeRules({
    before: previous,
    next: proposed,
    statusGiven: patch.status !== undefined,
    actor: { id: actor.id, isAgent: isAgent(actor) },
    comment: planned ? { authorIsAgent: planned.authorIsAgent, public: planned.public } : null,
  });
  const plan: TicketWritePlan = {
    before,
    previous,
    next,
    changes: [],
    timestamps: {},
    comment: planned,
    actor: { id: actor.id, isAgent: isAgent(actor) },
    now: ctx.now,
  };
  return amendPlan(plan, {});
}

/**
 * The plan with some fields set, its changes and timestamps worked out again. The native rules
 * are not applied again: what amends a plan (references, triggers) answers for its values.
 */
export function amendPlan(plan: TicketWritePlan, fields: Partial<TicketFields>): TicketWritePlan {
  const next: TicketFields = { ...plan.next, ...fields };
  return {
    ...plan,
    next,
    changes: changesOf(plan.previous, next),
    timestamps: timestampsOf(plan.before, next, plan),
  };
}

/** Whether the plan writes nothing: an update that changes no field and adds no comment. */
export function changesNothing(plan: TicketWritePlan): boolean {
  return plan.before !== null && plan.changes.length === 0 && plan.comment === null;
}

function changesOf(previous: TicketFields | null, next: TicketFields): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const key of AUDITED_FIELDS) {
    const value = next[key];
    if (!previous) {
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      changes.push({ field: key, previous: null, value } as FieldChange);
    } else if (!sameValue(previous[key], value)) {
      changes.push({ field: key, previous: previous[key], value } as FieldChange);
    }
  }
  return changes;
}

/** Timestamps the rules and reports read, moved by what this write changed. */
function timestampsOf(
  before: Ticket | null,
  next: TicketFields,
  plan: Pick<TicketWritePlan, 'actor' | 'now' | 'comment'>,
): TicketTimestamps {
  const { actor, now } = plan;
  const statusChanged = !before || before.status !== next.status;
  const assigneeChanged = (before?.assignee_id ?? null) !== next.assignee_id;
  const out: TicketTimestamps = { updated_at: now };
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
  if (actor.isAgent) out.agent_updated_at = now;
  if (plan.comment !== null) out.latest_comment_added_at = now;
  return out;
}
