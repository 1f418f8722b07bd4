import { DEFAULT_LOCALE } from '../locale-strings.ts';
import { writeTransaction } from '../../db/group-commit.ts';
import type { Ticket, User } from '../../db/types.ts';
import { defaultBrand } from '../brands.ts';
import type { Actor, Conn } from '../context.ts';
import { isAgent } from '../context.ts';
import { type ErrorDetails, ForbiddenError, ValidationError } from '../errors.ts';
import { type DeskEvents, EventsAfterCommit } from '../events.ts';
import { createUser, findUserByEmail, getUser } from '../users.ts';
import { via as makeVia } from '../via.ts';
import { resolveAssigneeEmail } from './assignee-email.ts';
import {
  type CommentInput,
  type TicketPatch,
  type WriteResult,
  writeTicket,
} from './write-ticket.ts';

export interface RequesterInput {
  name?: string;
  email?: string;
  locale?: string;
}

export interface CreateTicketInput extends TicketPatch {
  comment: CommentInput;
  requester?: RequesterInput;
  via_followup_source_id?: number;
  from_messaging_channel?: boolean;
  /** Kept in the create's audit as `metadata.custom`. */
  metadata?: Record<string, unknown>;
}

/**
 * What an end user may not set on the ticket they ask for: they describe their problem, agents
 * triage and route it (Zendesk's requests). Sent anyway, it is a 422 naming every such field,
 * not a ticket quietly created without them. Empty values pass, as clients send them by default.
 */
const TRIAGE_FIELDS = [
  'status',
  'priority',
  'type',
  'tags',
  'additional_tags',
  'remove_tags',
  'due_at',
  'external_id',
  'assignee_id',
  'assignee_email',
  'group_id',
  'organization_id',
  'recipient',
  'requester',
] as const;

function refuseTriage(input: CreateTicketInput, userId: number): void {
  const details: ErrorDetails = {};
  const refuse = (field: string) => {
    const name = field.replace(/_id$/, '').replace(/_/g, ' ');
    details[field] = [
      {
        description: `${name.charAt(0).toUpperCase()}${name.slice(1)}: end users cannot set this field`,
        error: 'InvalidValue',
      },
    ];
  };
  for (const field of TRIAGE_FIELDS) {
    const value: unknown = input[field];
    const empty =
      value === undefined ||
      value === null ||
      value === '' ||
      (Array.isArray(value) && value.length === 0);
    if (!empty) refuse(field);
  }
  // They ask for themselves: naming themselves is no change.
  for (const field of ['requester_id', 'submitter_id'] as const) {
    if (input[field] !== undefined && input[field] !== userId) refuse(field);
  }
  if (Object.keys(details).length > 0) throw new ValidationError(details);
}

/** Finds the requester by email or creates them as an end user, as Zendesk's `requester` does. */
async function resolveRequester(trx: Conn, r: RequesterInput, now: string): Promise<User> {
  if (!r.email) {
    throw ValidationError.field('requester', 'Requester: an email is required', 'BlankValue');
  }
  const existing = await findUserByEmail(trx, r.email);
  if (existing) return existing;
  return createUser(
    trx,
    {
      name: r.name?.trim() || r.email.split('@')[0]!,
      email: r.email,
      locale: r.locale ?? DEFAULT_LOCALE,
    },
    now,
    { emailLookedUp: true },
  );
}

export async function createTicket(
  db: Conn,
  actor: Actor,
  input: CreateTicketInput,
  now: string,
  options: { events: DeskEvents },
): Promise<WriteResult> {
  const events = new EventsAfterCommit(options.events);
  const committed = writeTransaction(db, async (trx) => {
    const run = events.attempt();
    let patch: TicketPatch = { ...input };
    if (!isAgent(actor.user)) {
      refuseTriage(input, actor.user.id);
      patch.requester_id = actor.user.id;
    } else {
      patch = await resolveAssigneeEmail(trx, patch);
      if (input.requester && input.requester_id === undefined) {
        patch.requester_id = (await resolveRequester(trx, input.requester, now)).id;
      }
    }
    patch.requester_id ??= actor.user.id;
    patch.submitter_id ??= actor.user.id;
    let knownBrandId: number | undefined;
    if (patch.brand_id === undefined) patch.brand_id = knownBrandId = (await defaultBrand(trx)).id;

    let followupSource: Ticket | null = null;
    if (input.via_followup_source_id !== undefined) {
      followupSource =
        (await trx
          .selectFrom('tickets')
          .selectAll()
          .where('id', '=', input.via_followup_source_id)
          .executeTakeFirst()) ?? null;
      // To an end user, a ticket of internal notes only is one that does not exist.
      const hidden = followupSource && !isAgent(actor.user) && !followupSource.is_public;
      if (!followupSource || hidden || followupSource.status !== 'closed') {
        throw ValidationError.field(
          'via_followup_source_id',
          'Via followup source: must be a closed ticket',
        );
      }
      if (!isAgent(actor.user) && followupSource.requester_id !== actor.user.id) {
        throw new ForbiddenError();
      }
      // The authenticated user writes a follow-up's first comment, whatever submitter was sent.
      patch.submitter_id = actor.user.id;
    }
    const requester =
      patch.requester_id !== actor.user.id ? await getUser(trx, patch.requester_id) : actor.user;

    const viaSource = followupSource
      ? makeVia(actor.via.channel, {
          ...actor.via.source,
          rel: 'follow_up',
          from: { ...actor.via.source.from, ticket_id: followupSource.id },
        })
      : actor.via;
    return writeTicket(trx, {
      before: null,
      patch,
      comment: input.comment,
      actor: actor.user,
      via: actor.via,
      now,
      knownUsers: [requester],
      knownBrandId,
      metadata: input.metadata,
      create: {
        fromMessagingChannel: input.from_messaging_channel,
        followupSourceId: followupSource?.id ?? null,
        viaSource,
      },
      events: run,
    });
  });
  return events.publishAfter(committed);
}
