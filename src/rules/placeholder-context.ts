import type { Ticket, User } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import { NotFoundError } from '../desk/errors.ts';
import { parseJson } from '../desk/time.ts';
import type { PlaceholderContext, PlaceholderTicket, PlaceholderUser } from './placeholders.ts';

/**
 * The values Zendesk's placeholders name, read for one ticket as it is now (after the write that
 * fired the rule committed): a notification tells what the ticket became, not what it was.
 */

export interface PlaceholderSite {
  /** Parley's public address, for `{{ticket.url}}` / `{{ticket.link}}` (no trailing slash). */
  publicUrl: string;
}

/** How many comments `comments_formatted` shows, newest first (Zendesk shows them all). */
const FORMATTED_COMMENTS = 20;

export async function loadPlaceholderContext(
  db: Conn,
  ticketId: number,
  currentUserId: number | null,
  site: PlaceholderSite,
): Promise<PlaceholderContext> {
  const ticket = await db
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', ticketId)
    .executeTakeFirst();
  if (!ticket) throw new NotFoundError('Ticket');
  const userIds = [ticket.requester_id, ticket.submitter_id, ticket.assignee_id, currentUserId];
  const users = await loadUsers(db, userIds);
  const comments = await db
    .selectFrom('comments')
    .innerJoin('users', 'users.id', 'comments.author_id')
    .select(['comments.body', 'comments.public', 'comments.created_at', 'users.name'])
    .where('comments.ticket_id', '=', ticketId)
    .orderBy('comments.id', 'desc')
    .limit(FORMATTED_COMMENTS)
    .execute();
  const [brand, group, organization] = await Promise.all([
    db
      .selectFrom('brands')
      .select(['id', 'name'])
      .where('id', '=', ticket.brand_id)
      .executeTakeFirstOrThrow(),
    ticket.group_id === null
      ? undefined
      : db
          .selectFrom('groups')
          .select(['id', 'name'])
          .where('id', '=', ticket.group_id)
          .executeTakeFirst(),
    ticket.organization_id === null
      ? undefined
      : db
          .selectFrom('organizations')
          .select(['id', 'name'])
          .where('id', '=', ticket.organization_id)
          .executeTakeFirst(),
  ]);
  const user = (id: number | null) => (id === null ? null : (users.get(id) ?? null));
  const requester = user(ticket.requester_id);
  if (!requester) throw new NotFoundError('User');
  return {
    ticket: {
      ...ticketValues(ticket, site, brand),
      group: group ?? null,
      organization: organization ?? null,
      requester,
      submitter: user(ticket.submitter_id),
      assignee: user(ticket.assignee_id),
      ...commentValues(comments),
    },
    current_user: user(currentUserId),
  };
}

function ticketValues(
  t: Ticket,
  site: PlaceholderSite,
  brand: { id: number; name: string },
): Omit<
  PlaceholderTicket,
  | 'group'
  | 'organization'
  | 'requester'
  | 'submitter'
  | 'assignee'
  | 'latest_comment'
  | 'latest_public_comment'
  | 'comments_formatted'
  | 'public_comments_formatted'
> {
  const link = `${site.publicUrl}/tickets/${t.id}`;
  return {
    id: t.id,
    title: t.subject ?? '',
    description: t.description,
    status: t.status,
    priority: t.priority ?? '',
    ticket_type: t.type ?? '',
    via: t.via_channel,
    url: link,
    link,
    account: brand.name,
    tags: parseJson<string[]>(t.tags, []).join(' '),
    created_at: t.created_at,
    updated_at: t.updated_at,
    due_date: t.due_at ?? '',
    brand,
  };
}

interface CommentRow {
  body: string;
  public: number;
  created_at: string;
  name: string;
}

function commentValues(newestFirst: CommentRow[]) {
  const publicOnes = newestFirst.filter((c) => c.public === 1);
  const format = (list: CommentRow[]) =>
    list.map((c) => `${c.name}, ${c.created_at}\n\n${c.body}`).join('\n\n----\n\n');
  return {
    latest_comment: newestFirst[0]?.body ?? '',
    latest_public_comment: publicOnes[0]?.body ?? '',
    comments_formatted: format(newestFirst),
    public_comments_formatted: format(publicOnes),
  };
}

async function loadUsers(db: Conn, ids: (number | null)[]): Promise<Map<number, PlaceholderUser>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  const rows = await db
    .selectFrom('users')
    .leftJoin('organizations', 'organizations.id', 'users.organization_id')
    .selectAll('users')
    .select('organizations.name as organization_name')
    .where('users.id', 'in', wanted)
    .execute();
  return new Map(rows.map((u) => [u.id, placeholderUser(u, u.organization_name)]));
}

/** A user as placeholders show them (`first_name` is the name's first word, as Zendesk's). */
export function placeholderUser(u: User, organizationName: string | null): PlaceholderUser {
  const [first = '', ...rest] = u.name.trim().split(/\s+/);
  return {
    id: u.id,
    name: u.name,
    first_name: first,
    last_name: rest.join(' '),
    email: u.email ?? '',
    language: u.locale,
    phone: u.phone ?? '',
    external_id: u.external_id ?? '',
    details: u.details ?? '',
    notes: u.notes ?? '',
    time_zone: u.time_zone ?? '',
    role: u.role,
    organization:
      u.organization_id !== null && organizationName !== null
        ? { id: u.organization_id, name: organizationName }
        : null,
  };
}
