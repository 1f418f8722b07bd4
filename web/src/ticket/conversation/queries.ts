import { queryOptions, useQueries, useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../../api.ts';
import type {
  AuditJson,
  CommentJson,
  ConversationJson,
  OrganizationJson,
  PersonJson,
  TicketJson,
} from './types.ts';

/** How Parley names the Slack DM channel in `via.channel`. */
export const SLACK_VIA = 'business_messaging_slack_connect';
/** More pages than any ticket has in practice; each page is 100. */
const MAX_PAGES = 20;

/** Every page of a Zendesk-style list (`next_page` is an absolute URL of /api/v2). */
async function allPages<T>(
  first: string,
  key: string,
  firstPage?: Promise<Record<string, unknown>>,
): Promise<T[]> {
  const out: T[] = [];
  let path: string | null = first;
  for (let i = 0; path && i < MAX_PAGES; i++) {
    const page: Record<string, unknown> = await (i === 0 && firstPage
      ? firstPage
      : api<Record<string, unknown>>(path));
    out.push(...((page[key] as T[] | undefined) ?? []));
    const next = page.next_page;
    path = typeof next === 'string' ? next.replace(/^.*\/api\/v2/, '') : null;
  }
  return out;
}

/** The first page of a ticket's own comments. */
export const commentsPath = (id: number) => `/tickets/${id}/comments?per_page=100`;

/** A reply on its way to Slack: the page looks again until it is delivered or failed. */
const inFlight = (comments: CommentJson[] | undefined) =>
  (comments ?? []).some(
    (c) => c.delivery?.status === 'pending' || c.delivery?.status === 'sending',
  );
const REFRESH_MS = 1500;

export function ticketQuery(id: number) {
  return queryOptions({
    queryKey: ['ticket', id],
    queryFn: () => api<{ ticket: TicketJson }>(`/tickets/${id}`).then((r) => r.ticket),
  });
}

export function useTicket(id: number) {
  return useQuery(ticketQuery(id));
}

/**
 * What the conversation shows: for a Slack ticket every ticket of its DM with their comments
 * (follow-ups after a closed ticket included), else the ticket's own comments. `early`: the
 * answers already asked for (a first load asks for both before it knows the ticket's channel).
 */
export function conversationQuery(
  ticket: TicketJson | undefined,
  early: {
    conversation?: Promise<ConversationJson>;
    comments?: Promise<Record<string, unknown>>;
  } = {},
) {
  const id = ticket?.id ?? 0;
  const slack = ticket?.via.channel === SLACK_VIA;
  return queryOptions({
    queryKey: ['ticket', id, 'conversation'],
    enabled: ticket !== undefined,
    queryFn: async (): Promise<{
      conversation: ConversationJson | null;
      comments: CommentJson[];
    }> => {
      if (slack) {
        try {
          const conversation = await (early.conversation ??
            api<ConversationJson>(`/tickets/${id}/conversation`));
          return { conversation, comments: conversation.comments };
        } catch (err) {
          // A Slack-made ticket without a DM of its own (created through the API): its comments.
          if (!(err instanceof ApiError && err.status === 404)) throw err;
        }
      }
      const comments = await allPages<CommentJson>(commentsPath(id), 'comments', early.comments);
      return { conversation: null, comments };
    },
  });
}

export function useConversation(ticket: TicketJson | undefined) {
  return useQuery({
    ...conversationQuery(ticket),
    refetchInterval: (q) => (inFlight(q.state.data?.comments) ? REFRESH_MS : false),
  });
}

/** The most tickets of one DM whose audits the page reads (the newest ones). */
const MAX_AUDITED_TICKETS = 10;

/**
 * The audits of the ticket and of the DM's earlier tickets (field changes and Slack edits of
 * the whole history), each ticket's under its own ['ticket', N, 'audits'].
 */
export function useAudits(ticketIds: number[]) {
  const ids = ticketIds.slice(-MAX_AUDITED_TICKETS);
  return useQueries({ queries: ids.map(auditsQuery), combine: allAudits });
}

export function auditsQuery(id: number) {
  return queryOptions({
    queryKey: ['ticket', id, 'audits'],
    queryFn: () => allPages<AuditJson>(`/tickets/${id}/audits?per_page=100`, 'audits'),
  });
}

function allAudits(results: { data?: AuditJson[] | undefined; isPending: boolean }[]) {
  return {
    data: results.flatMap((r) => r.data ?? []),
    isPending: results.some((r) => r.isPending),
  };
}

/** People by id, with the fields the conversation needs (photo, time zone, team). */
export function usePeople(ids: number[]) {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  return useQuery({
    queryKey: ['users', unique, 'profiles'],
    enabled: unique.length > 0,
    queryFn: async () => {
      const people = new Map<number, PersonJson>();
      // show_many takes up to 100 ids.
      for (let i = 0; i < unique.length; i += 100) {
        const ids = unique.slice(i, i + 100).join(',');
        const r = await api<{ users: PersonJson[] }>(`/users/show_many?ids=${ids}`);
        for (const u of r.users) people.set(u.id, u);
      }
      return people;
    },
  });
}

/** The organizations of Slack Connect partners: their Slack team's name. */
export function useOrganizations(ids: number[]) {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  return useQuery({
    queryKey: ['organizations', unique],
    enabled: unique.length > 0,
    queryFn: () =>
      api<{ organizations: OrganizationJson[] }>(
        `/organizations/show_many?ids=${unique.join(',')}`,
      ).then((r) => new Map(r.organizations.map((o) => [o.id, o]))),
  });
}

export function redeliver(ticketId: number, commentId: number) {
  return api<{ comment: CommentJson }>(`/tickets/${ticketId}/comments/${commentId}/redeliver`, {
    method: 'POST',
    body: {},
  });
}
