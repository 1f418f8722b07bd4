import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Conn } from '../../desk/context.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { search } from '../../desk/search/search.ts';
import { actorOf } from '../../http/shared/actor.ts';
import { parseQuery } from '../../http/shared/query.ts';
import { getConnection } from './connections.ts';
import { reachOn } from './outbound-reach.ts';
import type { SlackConnection } from '../../db/types.ts';
import { ValidationError } from '../../desk/errors.ts';

const PEOPLE_LIMIT = 10;
/** More are looked at than shown, so that people the connection reaches are not pushed off. */
const PEOPLE_LOOKED_AT = 30;

const peopleQuery = z.object({
  query: z
    .string({ message: 'query is required' })
    .trim()
    .min(1, 'query is required')
    .max(200, 'query must be at most 200 characters'),
  connection_id: z.unknown().optional(),
});

/**
 * The active connection a conversation is started from, or a 422 naming `connection_id`: the
 * people offered, and the DM opened, depend on the workspace it is in.
 */
export async function activeConnection(db: Conn, raw: unknown): Promise<SlackConnection> {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (text === undefined || text === '')
    throw ValidationError.field('connection_id', 'Connection: is required');
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,14}$/.test(text))
    throw ValidationError.field('connection_id', 'Connection: must be a connection id');
  const connection = await getConnection(db, Number(text)).catch(() => {
    throw ValidationError.field(
      'connection_id',
      `Connection: there is no Slack connection with id ${text}`,
    );
  });
  if (connection.status !== 'active')
    throw ValidationError.field('connection_id', 'Connection: is not active');
  return connection;
}

/**
 * The person's text as plain search words: no quotes, keywords or exclusions of the search
 * syntax, so whatever is typed is a name or an email to look for, never a malformed query.
 */
function plainWords(text: string): string {
  return text
    .replace(/["():<>=]/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^-+/, ''))
    .filter(Boolean)
    .join(' ');
}

/**
 * What an agent needs to start a Slack conversation (beside POST /slack/conversations): the
 * active connections to write from, and people found by name or email with the Slack identity
 * the chosen connection reaches them through, or why it cannot. Agents' work ('conversation:start'), unlike the connections' admin API.
 */
export function slackOutboundRoutes(app: FastifyInstance, db: Conn): void {
  app.get('/slack/conversations/connections', async (req) => {
    await authorize(db, actorOf(req), 'conversation:start');
    const rows = await db
      .selectFrom('slack_connections')
      .select(['id', 'name', 'brand_id', 'team_id', 'team_name'])
      .where('status', '=', 'active')
      .orderBy('name')
      .orderBy('id')
      .execute();
    return { connections: rows, count: rows.length };
  });

  app.get('/slack/conversations/people', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'conversation:start');
    const q = parseQuery(peopleQuery, req.query);
    const connection = await activeConnection(db, q.connection_id);
    const words = plainWords(q.query);
    if (!words) return { people: [], count: 0 };
    const found = await search(
      db,
      actor,
      { query: `type:user ${words}`, sortOrder: 'desc', page: 1, perPage: PEOPLE_LOOKED_AT },
      new Date(),
    );
    if (!found.ok || found.users.length === 0) return { people: [], count: 0 };
    const reach = await reachOn(
      db,
      connection,
      found.users.map((u) => u.id),
    );
    const people = found.users.map((u) => {
      const r = reach.get(u.id)!;
      return {
        id: u.id,
        name: u.name,
        email: u.email,
        role: u.role,
        /** The Slack user a DM from this connection goes to; null when it cannot reach them. */
        slack_user_id: r.slackUserId,
        unreachable: r.unreachable,
      };
    });
    // Those who can be written to first, each part by name.
    people.sort(
      (a, b) =>
        Number(a.slack_user_id === null) - Number(b.slack_user_id === null) ||
        a.name.localeCompare(b.name),
    );
    const shown = people.slice(0, PEOPLE_LIMIT);
    return { people: shown, count: shown.length };
  });
}
