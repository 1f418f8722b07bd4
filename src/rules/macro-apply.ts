import type { Macro, Ticket } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { renderHtml, renderMarkdown } from '../desk/markdown.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { planTicketWrite } from '../desk/tickets/plan-ticket-write.ts';
import { fieldColumns, fieldsOf, type TicketFields } from '../desk/tickets/ticket-fields.ts';
import type { CommentInput, TicketPatch } from '../desk/tickets/ticket-input.ts';
import { showTicket } from '../desk/tickets/ticket-queries.ts';
import { parseJson } from '../desk/time.ts';
import { type ActionComment, applyActions, parseActions } from './actions.ts';
import { currentGroupOf, visibleMacro } from './macro-access.ts';
import { loadPlaceholderContext, type PlaceholderSite } from './placeholder-context.ts';
import { renderPlaceholders } from './placeholders.ts';

/**
 * Applying a macro without saving (Zendesk's two `apply` endpoints): what it would change and
 * the comment it would add. Nothing is written; the client saves by updating the ticket
 * itself (with `macro_ids`, which records the use).
 */

/** The comment as Zendesk's apply result shows it. */
export interface AppliedComment {
  body: string;
  html_body: string;
  public: boolean;
  /** Zendesk's `[[channel, text]]`: the text per channel it is meant for. */
  scoped_body: [string, string][];
}

export interface MacroApplication {
  macro: Macro;
  /** The ticket write the macro asks for: only what it changes. */
  patch: TicketPatch;
  comment: AppliedComment | null;
}

export interface TicketMacroApplication extends MacroApplication {
  /** The ticket row as it would be after the write (native rules applied), unsaved. */
  ticket: Ticket;
}

/**
 * What a macro's field actions need of a ticket: nothing, for the patch. Applied without a
 * ticket, they run over a blank one, and only the patch (what they set) is kept.
 */
const BLANK: TicketFields = {
  subject: null,
  status: 'new',
  priority: null,
  type: null,
  requester_id: 0,
  submitter_id: 0,
  assignee_id: null,
  group_id: null,
  organization_id: null,
  brand_id: 0,
  tags: [],
  external_id: null,
  due_at: null,
  recipient: null,
};

function presentComment(c: ActionComment, text: (t: string) => string): AppliedComment {
  const rendered =
    c.html_body !== undefined ? renderHtml(text(c.html_body)) : renderMarkdown(text(c.body ?? ''));
  return {
    body: rendered.body,
    html_body: rendered.html_body,
    public: c.public,
    scoped_body: [[c.channel, rendered.body]],
  };
}

async function applied(db: Conn, macro: Macro, actor: Actor, ticket: TicketFields) {
  const actions = parseActions(parseJson(macro.actions, []), 'macro');
  const currentGroupId = actions.some((a) => a.value === 'current_groups')
    ? await currentGroupOf(db, actor.user.id)
    : null;
  return applyActions(actions, ticket, { currentUserId: actor.user.id, currentGroupId });
}

/** `GET /macros/{id}/apply`: placeholders stay as written, since there is no ticket. */
export async function applyMacro(
  db: Conn,
  actor: Actor,
  macroId: number,
): Promise<MacroApplication> {
  const { macro } = await visibleMacro(db, actor, macroId);
  const result = await applied(db, macro, actor, BLANK);
  const comment = result.comment ? presentComment(result.comment, (t) => t) : null;
  return { macro, patch: result.patch, comment };
}

/**
 * `GET /tickets/{ticket_id}/macros/{id}/apply`: the ticket as it would be, through the same
 * planning as a real update (so Zendesk's native rules apply), and the comment with its
 * placeholders rendered for this ticket and the applying agent.
 */
export async function applyMacroToTicket(
  db: Conn,
  actor: Actor,
  ticketId: number,
  macroId: number,
  now: string,
  site: PlaceholderSite,
): Promise<TicketMacroApplication> {
  // Agents only, before the ticket is looked at: an end user learns nothing of either.
  await authorize(db, actor, 'macro:use');
  const before = await showTicket(db, actor, ticketId);
  const { macro } = await visibleMacro(db, actor, macroId);
  const result = await applied(db, macro, actor, fieldsOf(before));
  let comment: AppliedComment | null = null;
  let input: CommentInput | null = null;
  if (result.comment) {
    const context = await loadPlaceholderContext(db, ticketId, actor.user.id, site);
    comment = presentComment(result.comment, (t) => renderPlaceholders(t, context, 'text'));
    input = { body: comment.body, public: comment.public };
  }
  const plan = planTicketWrite(before, result.patch, input, actor.user, { now });
  const ticket: Ticket = {
    ...before,
    ...fieldColumns(plan.next, false),
    ...plan.timestamps,
    ...(comment?.public && !before.is_public ? { is_public: 1 } : {}),
  };
  return { macro, patch: result.patch, comment, ticket };
}
