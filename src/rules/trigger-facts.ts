import type { User } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import { countersOf } from '../desk/tickets/persist-ticket-write.ts';
import type { TicketWritePlan } from '../desk/tickets/plan-ticket-write.ts';
import type { WriteRulesContext } from '../desk/tickets/write-rules.ts';
import { parseJson } from '../desk/time.ts';
import { type Via, viaId } from '../desk/via.ts';
import type { FactNeeds } from './active-triggers.ts';
import { type RuleFacts, type RuleRole, ruleRole } from './evaluate.ts';

/**
 * The facts triggers read about one ticket write. What does not change while triggers fire
 * (the people, the channel) is read once per write, and only what some active trigger's
 * conditions need (requester, organization, Slack connection): a write is never charged reads
 * for conditions nobody wrote. The rest comes from the plan as the triggers amend it.
 */
export type WriteFacts = Omit<RuleFacts, 'next' | 'previous' | 'changes' | 'counts'> & {
  commentAuthorRole: RuleRole | null;
};

const NO_REQUESTER: RuleFacts['requester'] = {
  role: 'end_user',
  email: null,
  tags: [],
  fields: {},
};

export async function readWriteFacts(
  trx: Conn,
  plan: TicketWritePlan,
  ctx: WriteRulesContext,
  needs: FactNeeds,
): Promise<WriteFacts> {
  const { actor, seen } = ctx;
  const requester = needs.requester ? await readUser(trx, plan.next.requester_id, seen) : undefined;
  const authorId = plan.comment?.authorId;
  const author = authorId === undefined ? undefined : seen.get(authorId);
  return {
    comment: null,
    commentAuthorRole: plan.comment
      ? author
        ? ruleRole(author.role)
        : plan.comment.authorIsAgent
          ? 'agent'
          : 'end_user'
      : null,
    actor: { id: actor.id, role: ruleRole(actor.role) },
    requester: requester
      ? {
          role: ruleRole(requester.role),
          email: requester.email,
          tags: parseJson<string[]>(requester.tags, []),
          fields: parseJson<Record<string, unknown>>(requester.user_fields, {}),
        }
      : NO_REQUESTER,
    organization: needs.organization
      ? await readOrganization(trx, plan.next.organization_id)
      : null,
    viaId: viaId(ctx.ticketVia.channel),
    currentViaId: viaId(ctx.via.channel),
    slackConnectionId: needs.slackConnection
      ? await slackConnectionOf(trx, plan, ctx.ticketVia)
      : null,
  };
}

/** The facts of the write as the plan stands now. */
export function factsOf(plan: TicketWritePlan, base: WriteFacts): RuleFacts {
  const { commentAuthorRole, ...rest } = base;
  const counters = countersOf(plan);
  return {
    ...rest,
    next: plan.next,
    previous: plan.previous,
    changes: plan.changes,
    comment:
      plan.comment && commentAuthorRole
        ? { body: commentText(plan), public: plan.comment.public, authorRole: commentAuthorRole }
        : null,
    counts: { reopens: counters.reopens, agentReplies: counters.agent_replies },
  };
}

/** The comment as words are looked for in it: its text, or its HTML without the markup. */
function commentText(plan: TicketWritePlan): string {
  const input = plan.comment!.input;
  if (input.body !== undefined) return input.body;
  return (input.html_body ?? '').replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ');
}

async function readUser(trx: Conn, id: number, seen: Map<number, User>): Promise<User | undefined> {
  const known = seen.get(id);
  if (known) return known;
  const user = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (user) seen.set(id, user);
  return user;
}

async function readOrganization(trx: Conn, id: number | null): Promise<RuleFacts['organization']> {
  if (id === null) return null;
  const org = await trx
    .selectFrom('organizations')
    .select(['tags', 'organization_fields'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!org) return null;
  return {
    tags: parseJson<string[]>(org.tags, []),
    fields: parseJson<Record<string, unknown>>(org.organization_fields, {}),
  };
}

/**
 * The Slack connection of the ticket: the one its conversation belongs to. A ticket a Slack
 * message created names it in its via (the create runs triggers before the channel links the
 * ticket to its conversation); otherwise it is found through the conversation's link, read
 * here by plain SQL (the rules do not import channels).
 */
async function slackConnectionOf(
  trx: Conn,
  plan: TicketWritePlan,
  ticketVia: Via,
): Promise<number | null> {
  const named = ticketVia.source.to['slack_connection_id'];
  if (typeof named === 'number') return named;
  if (!plan.before) return null;
  const row = await trx
    .selectFrom('slack_conversation_tickets')
    .innerJoin(
      'slack_conversations',
      'slack_conversations.id',
      'slack_conversation_tickets.conversation_id',
    )
    .select('slack_conversations.connection_id')
    .where('slack_conversation_tickets.ticket_id', '=', plan.before.id)
    .executeTakeFirst();
  return row?.connection_id ?? null;
}
