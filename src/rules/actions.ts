import { z } from 'zod';
import { normalizeTags } from '../desk/tickets/native-rules.ts';
import type { RuleEffect } from '../desk/events.ts';
import { applyPatch } from '../desk/tickets/plan-ticket-write.ts';
import type { TicketFields, TicketPatch } from '../desk/tickets/ticket-fields.ts';
import {
  ACTION_FIELDS,
  type ActionRuleKind,
  type ActionValueKind,
  COMMENT_CHANNELS,
} from './action-fields.ts';
import { type RuleProblem, refuse, shown, zodProblems } from './rule-errors.ts';

/**
 * Actions in Zendesk's JSON, `[{field, value}]`: checked against the catalogue
 * (action-fields.ts), then turned by applyActions into what a ticket write understands — a
 * TicketPatch, a comment — and the side effects (notifications, webhooks) as data, for the
 * engine to write as outbox rows. Nothing here performs anything.
 */

export type NotificationRecipient = string | number;

/** An action's value in canonical form, by the kind of its field. */
export type ActionValue =
  | string
  | number
  | boolean
  | null
  | readonly string[]
  | { channel: string; text: string }
  | { recipient: NotificationRecipient; subject: string; body: string }
  | { webhookId: number; body: string };

export interface Action {
  field: string;
  value: ActionValue;
}

const rawScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const rawAction = z.strictObject({
  field: z.string(),
  value: z.union([rawScalar, z.array(z.union([z.string(), z.number()]))]).optional(),
});
type RawAction = z.infer<typeof rawAction>;

/** Parses `[{field, value}]` for a kind of rule; throws ValidationError naming each bad part. */
export function parseActions(input: unknown, kind: ActionRuleKind, prefix = 'actions'): Action[] {
  const raw = z.array(rawAction).safeParse(input);
  if (!raw.success) refuse(zodProblems(prefix, raw.error));
  const list = raw.data ?? [];
  if (list.length === 0) refuse([{ path: prefix, message: 'must have at least one action' }]);
  const problems: RuleProblem[] = [];
  const actions = list.flatMap((a, i) => {
    const parsed = parseAction(a, kind, `${prefix}[${i}]`);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
      return [];
    }
    return [parsed.action];
  });
  refuse(problems);
  return actions;
}

function parseAction(
  a: RawAction,
  kind: ActionRuleKind,
  path: string,
): { action: Action } | { problem: RuleProblem } {
  const field = Object.hasOwn(ACTION_FIELDS, a.field) ? ACTION_FIELDS[a.field] : undefined;
  if (!field) {
    return {
      problem: { path: `${path}.field`, message: `${shown(a.field)} is not an action field` },
    };
  }
  if (!field.where.includes(kind)) {
    const message = `${a.field} is not an action of ${kind}s (only ${field.where.join(', ')})`;
    return { problem: { path: `${path}.field`, message } };
  }
  if (a.value === undefined) {
    return { problem: { path: `${path}.value`, message: `is required for ${a.field}` } };
  }
  const value = actionValue(a.value, field.value, kind);
  if (value === undefined) {
    const message = `${shown(a.value)} is not a value for ${a.field}${expected(field.value, kind)}`;
    return { problem: { path: `${path}.value`, message } };
  }
  return { action: { field: a.field, value } };
}

function expected(kind: ActionValueKind, rule: ActionRuleKind): string {
  switch (kind.kind) {
    case 'enum': {
      const values = (rule === 'macro' && kind.macroValues) || kind.values;
      return ` (one of ${[...(kind.blank ? ['""'] : []), ...values].join(', ')})`;
    }
    case 'id': {
      const special = [...kind.special, ...(rule === 'macro' ? (kind.macroSpecial ?? []) : [])];
      return ` (an id${kind.blank ? ', ""' : ''}${special.map((s) => `, ${s}`).join('')})`;
    }
    case 'words':
      return ' (space-separated tags)';
    case 'text':
      return ' (a string)';
    case 'boolean':
      return ' (true or false)';
    case 'comment':
      return ` (a string, or [channel, text] with channel one of ${COMMENT_CHANNELS.join(', ')})`;
    case 'notification':
      return ` ([recipient, subject, body], recipient one of ${kind.recipients.join(', ')} or an id)`;
    case 'webhook':
      return ' ([webhook id, body])';
  }
}

type Raw = Exclude<RawAction['value'], undefined>;

const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

function idOf(v: unknown): number | undefined {
  const t = text(v)?.trim();
  return t !== undefined && /^[1-9]\d{0,14}$/.test(t) ? Number(t) : undefined;
}

/** The canonical value, or undefined when the value does not fit. */
function actionValue(v: Raw, kind: ActionValueKind, rule: ActionRuleKind): ActionValue | undefined {
  switch (kind.kind) {
    case 'enum': {
      if (v === null || v === '') return kind.blank ? null : undefined;
      const values = (rule === 'macro' && kind.macroValues) || kind.values;
      return typeof v === 'string' && values.includes(v) ? v : undefined;
    }
    case 'id':
      if (v === null || v === '') return kind.blank ? null : undefined;
      if (typeof v === 'string' && kind.special.includes(v)) return v;
      if (typeof v === 'string' && rule === 'macro' && kind.macroSpecial?.includes(v)) return v;
      return idOf(v);
    case 'words':
      return Array.isArray(v) || typeof v === 'string'
        ? normalizeTags([v].flat().map(String))
        : undefined;
    case 'text':
      return typeof v === 'string' ? v : undefined;
    case 'boolean':
      return v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;
    default:
      return listValue(v, kind);
  }
}

function listValue(v: Raw, kind: ActionValueKind): ActionValue | undefined {
  if (kind.kind === 'comment') {
    if (typeof v === 'string') return { channel: 'channel:all', text: v };
    if (!Array.isArray(v) || v.length !== 2) return undefined;
    const [channel, body] = v;
    return typeof channel === 'string' &&
      COMMENT_CHANNELS.includes(channel) &&
      typeof body === 'string'
      ? { channel, text: body }
      : undefined;
  }
  if (!Array.isArray(v)) return undefined;
  if (kind.kind === 'webhook') {
    const webhookId = idOf(v[0]);
    return v.length === 2 && webhookId !== undefined && typeof v[1] === 'string'
      ? { webhookId, body: v[1] }
      : undefined;
  }
  if (kind.kind !== 'notification' || v.length !== 3) return undefined;
  const [to, subject, body] = v;
  const recipient = typeof to === 'string' && kind.recipients.includes(to) ? to : idOf(to);
  if (recipient === undefined || typeof subject !== 'string' || typeof body !== 'string') {
    return undefined;
  }
  return { recipient, subject, body };
}

// ---- Applying ----

/** A side effect of a rule, to be carried out after the write commits (outbox rows). */
export type SideEffect = RuleEffect;

/** The comment a macro adds, in the terms of a ticket write's comment. */
export interface ActionComment {
  body?: string;
  html_body?: string;
  public: boolean;
  /** Zendesk's `channel:all|web|chat` scope of the text. */
  channel: string;
}

export interface ActionContext {
  /** The user the rule acts for: `current_user` (the updater, or the agent applying a macro). */
  currentUserId: number;
  /**
   * A macro's `current_groups`: the applying agent's default group (else their first); null
   * when they have none, and the action then leaves the group as it is.
   */
  currentGroupId?: number | null;
}

export interface ActionResult {
  /** What the actions ask of the ticket, in a write's terms. */
  patch: TicketPatch;
  /** The ticket's fields once the patch is applied (native rules are the write's concern). */
  next: TicketFields;
  comment: ActionComment | null;
  effects: SideEffect[];
}

/**
 * What the actions do to a ticket, in order (a later action on the same field wins;
 * `set_tags` replaces the tags so far, `current_tags` adds, `remove_tags` takes off).
 */
export function applyActions(
  actions: readonly Action[],
  ticket: TicketFields,
  context: ActionContext,
): ActionResult {
  const patch: TicketPatch = {};
  const tags = new TagEdit();
  const comment: Partial<ActionComment> & { public?: boolean } = {};
  const effects: SideEffect[] = [];
  for (const a of actions) {
    if (a.field === 'set_tags' || a.field === 'current_tags' || a.field === 'remove_tags') {
      tags.apply(a.field, a.value as readonly string[]);
    } else if (a.field.startsWith('notification_')) {
      effects.push(effectOf(a));
    } else if (a.field.startsWith('comment_')) {
      commentAction(comment, a);
    } else {
      setField(patch, a, context);
    }
  }
  Object.assign(patch, tags.patch());
  return { patch, next: applyPatch(ticket, patch), comment: finishComment(comment), effects };
}

function setField(patch: TicketPatch, a: Action, context: ActionContext): void {
  if (a.field === 'group_id' && a.value === 'current_groups') {
    if (context.currentGroupId === undefined || context.currentGroupId === null) return;
    patch.group_id = context.currentGroupId;
    return;
  }
  const value =
    a.field === 'assignee_id' && a.value === 'current_user' ? context.currentUserId : a.value;
  (patch as Record<string, unknown>)[a.field] = value;
}

function effectOf(a: Action): SideEffect {
  if (a.field === 'notification_webhook') {
    return { type: 'notification_webhook', ...(a.value as { webhookId: number; body: string }) };
  }
  const v = a.value as { recipient: NotificationRecipient; subject: string; body: string };
  return { type: a.field as 'notification_user' | 'notification_group', ...v };
}

function commentAction(comment: Partial<ActionComment>, a: Action): void {
  if (a.field === 'comment_mode_is_public') comment.public = a.value as boolean;
  else if (a.field === 'comment_value_html') {
    delete comment.body;
    comment.html_body = a.value as string;
    comment.channel = 'channel:all';
  } else {
    const v = a.value as { channel: string; text: string };
    delete comment.html_body;
    comment.body = v.text;
    comment.channel = v.channel;
  }
}

/**
 * A macro without `comment_mode_is_public` adds a public reply, Zendesk's default for an agent
 * (the reference is silent; the editor opens on "Public reply"). `comment_mode_is_public`
 * without any comment text adds no comment.
 */
function finishComment(c: Partial<ActionComment>): ActionComment | null {
  if (c.body === undefined && c.html_body === undefined) return null;
  return {
    ...(c.body !== undefined ? { body: c.body } : { html_body: c.html_body }),
    public: c.public ?? true,
    channel: c.channel ?? 'channel:all',
  };
}

/**
 * Tag actions in order, as a write's `tags` (after a set_tags), `additional_tags` and
 * `remove_tags`: a tag added after it was removed is no longer removed, and the other way round.
 */
class TagEdit {
  private set: string[] | null = null;
  private readonly add = new Set<string>();
  private readonly remove = new Set<string>();

  apply(field: 'set_tags' | 'current_tags' | 'remove_tags', tags: readonly string[]): void {
    if (field === 'set_tags') {
      this.set = [...tags];
      this.add.clear();
      this.remove.clear();
      return;
    }
    for (const tag of tags) {
      if (this.set) {
        this.set = this.set.filter((t) => t !== tag);
        if (field === 'current_tags') this.set.push(tag);
      } else if (field === 'current_tags') {
        this.remove.delete(tag);
        this.add.add(tag);
      } else {
        this.add.delete(tag);
        this.remove.add(tag);
      }
    }
  }

  patch(): TicketPatch {
    const out: TicketPatch = {};
    if (this.set) out.tags = this.set;
    if (this.add.size > 0) out.additional_tags = [...this.add];
    if (this.remove.size > 0) out.remove_tags = [...this.remove];
    return out;
  }
}
