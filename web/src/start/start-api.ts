import { ApiError, api } from '../api.ts';

/** GET /api/v2/slack/conversations/connections: the active connections an agent writes from. */
export interface OutboundConnection {
  id: number;
  name: string;
  brand_id: number;
  team_id: string | null;
  team_name: string | null;
}

/** Why the chosen connection cannot write to a person. */
export type Unreachable = 'no_slack_identity' | 'other_workspace';

/**
 * GET /api/v2/slack/conversations/people: a person, with the Slack identity the chosen
 * connection reaches them through, or why it cannot.
 */
export interface Person {
  id: number;
  name: string;
  email: string | null;
  role: string;
  slack_user_id: string | null;
  unreachable: Unreachable | null;
}

export const CONNECTIONS_KEY = ['slack-outbound', 'connections'] as const;

export function loadConnections(): Promise<OutboundConnection[]> {
  return api<{ connections: OutboundConnection[] }>('/slack/conversations/connections', {
    quiet401: true,
  }).then((r) => r.connections);
}

export function findPeople(
  query: string,
  connectionId: string,
  signal?: AbortSignal,
): Promise<Person[]> {
  const params = new URLSearchParams({ query, connection_id: connectionId });
  return api<{ people: Person[] }>(`/slack/conversations/people?${params.toString()}`, {
    signal,
  }).then((r) => r.people);
}

export function startConversation(input: {
  connectionId: number;
  userId: number;
  subject: string;
  body: string;
}): Promise<{ ticket: { id: number } }> {
  return api('/slack/conversations', {
    method: 'POST',
    body: {
      conversation: {
        connection_id: input.connectionId,
        user_id: input.userId,
        ...(input.subject.trim() ? { subject: input.subject.trim() } : {}),
        comment: { body: input.body },
      },
    },
  });
}

/** The server's own words for a refusal (Slack's refused DM, a field it did not accept). */
export function serverMessage(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  const body = err.body as {
    description?: unknown;
    details?: Record<string, Array<{ description?: unknown }>>;
  } | null;
  const details = Object.values(body?.details ?? {})
    .flat()
    .map((d) => d.description)
    .filter((d): d is string => typeof d === 'string');
  if (details.length) return details.join(' ');
  return typeof body?.description === 'string' ? body.description : null;
}
