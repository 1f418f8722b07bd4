import type { Ticket } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import { fieldsOf } from '../desk/tickets/ticket-fields.ts';
import { parseJson } from '../desk/time.ts';
import { viaId } from '../desk/via.ts';
import type { TimeField } from './condition-fields.ts';
import type { Conditions } from './conditions.ts';
import type { RuleFacts } from './evaluate.ts';
import { STATUS_HOURS } from './nullification.ts';

/**
 * The facts an automation's conditions read of a ticket at rest (no update, no change list):
 * its fields, whole hours since each of its events at the run's time, and — only when the
 * conditions ask — its requester, organization and Slack connection.
 */

const HOUR_MS = 3_600_000;

/**
 * Whole hours from `from` to `to` (floored: 95 h 59 min is 95), so that `is N` holds in the
 * hour window N ≤ h < N+1 and `greater_than 96` from 97 hours on, as Zendesk counts them.
 */
export function wholeHours(from: string, to: Date): number {
  return Math.floor((to.getTime() - Date.parse(from)) / HOUR_MS);
}

/**
 * Hours since each event of the ticket at `now`. A status's hours (OPEN, PENDING, …) exist
 * only while the ticket has that status, counted from when it got it; the due date's hours
 * since (due_date) only once it is past, the hours until it (until_due_date) only before.
 */
export function hoursOf(ticket: Ticket, now: Date): Partial<Record<TimeField, number>> {
  const out: Partial<Record<TimeField, number>> = { NEW: wholeHours(ticket.created_at, now) };
  for (const [field, status] of Object.entries(STATUS_HOURS)) {
    if (ticket.status === status)
      out[field as TimeField] = wholeHours(ticket.status_updated_at, now);
  }
  out.updated_at = wholeHours(ticket.updated_at, now);
  const since = {
    assigned_at: ticket.assigned_at,
    requester_updated_at: ticket.requester_updated_at,
    assignee_updated_at: ticket.assignee_updated_at,
  } as const;
  for (const [field, at] of Object.entries(since)) {
    if (at !== null) out[field as TimeField] = wholeHours(at, now);
  }
  if (ticket.due_at !== null) {
    const past = now.getTime() >= Date.parse(ticket.due_at);
    if (past) out.due_date = wholeHours(ticket.due_at, now);
    else out.until_due_date = Math.floor((Date.parse(ticket.due_at) - now.getTime()) / HOUR_MS);
  }
  return out;
}

/** What the conditions read beyond the ticket row, so that nothing else is loaded. */
export interface FactNeeds {
  requester: boolean;
  organization: boolean;
  slack: boolean;
}

export function factNeeds(conditions: Conditions): FactNeeds {
  const fields = [...conditions.all, ...conditions.any].map((c) => c.field);
  return {
    requester: fields.some((f) => f.startsWith('requester.')),
    organization: fields.some((f) => f.startsWith('organization.')),
    slack: fields.includes('slack_connection_id'),
  };
}

/** The facts of `ticket` at `now`, for a rule acting as `actorId` (the system user). */
export async function automationFacts(
  db: Conn,
  ticket: Ticket,
  now: Date,
  actorId: number,
  needs: FactNeeds,
): Promise<RuleFacts> {
  const next = fieldsOf(ticket);
  return {
    next,
    previous: next,
    changes: [],
    comment: null,
    actor: { id: actorId, role: 'agent' },
    requester: needs.requester
      ? await requesterFacts(db, ticket.requester_id)
      : { role: 'end_user', email: null, tags: [], fields: {} },
    organization:
      needs.organization && ticket.organization_id !== null
        ? await organizationFacts(db, ticket.organization_id)
        : null,
    viaId: viaId(ticket.via_channel),
    currentViaId: null,
    slackConnectionId: needs.slack ? await slackConnectionOf(db, ticket.id) : null,
    counts: { reopens: 0, agentReplies: 0 },
    hours: hoursOf(ticket, now),
  };
}

async function requesterFacts(db: Conn, id: number): Promise<RuleFacts['requester']> {
  const u = await db
    .selectFrom('users')
    .select(['role', 'email', 'tags', 'user_fields'])
    .where('id', '=', id)
    .executeTakeFirst();
  return {
    role: u?.role === 'agent' || u?.role === 'admin' ? u.role : 'end_user',
    email: u?.email ?? null,
    tags: parseJson<string[]>(u?.tags, []),
    fields: parseJson<Record<string, unknown>>(u?.user_fields, {}),
  };
}

async function organizationFacts(db: Conn, id: number): Promise<RuleFacts['organization']> {
  const o = await db
    .selectFrom('organizations')
    .select(['tags', 'organization_fields'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!o) return null;
  return {
    tags: parseJson<string[]>(o.tags, []),
    fields: parseJson<Record<string, unknown>>(o.organization_fields, {}),
  };
}

async function slackConnectionOf(db: Conn, ticketId: number): Promise<number | null> {
  const row = await db
    .selectFrom('slack_conversation_tickets as ct')
    .innerJoin('slack_conversations as c', 'c.id', 'ct.conversation_id')
    .select('c.connection_id')
    .where('ct.ticket_id', '=', ticketId)
    .executeTakeFirst();
  return row?.connection_id ?? null;
}
