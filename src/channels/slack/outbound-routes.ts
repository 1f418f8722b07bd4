import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Conn } from '../../desk/context.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { search } from '../../desk/search/search.ts';
import { actorOf } from '../../http/shared/actor.ts';
import { parseQuery } from '../../http/shared/query.ts';

const PEOPLE_LIMIT = 10;

const peopleQuery = z.object({
  query: z
    .string({ message: 'query is required' })
    .trim()
    .min(1, 'query is required')
    .max(200, 'query must be at most 200 characters'),
});

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
 * active connections to write from, and people found by name or email with their Slack
 * identity, or none. Agents' work ('conversation:start'), unlike the connections' admin API.
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
    const words = plainWords(parseQuery(peopleQuery, req.query).query);
    if (!words) return { people: [], count: 0 };
    const found = await search(
      db,
      actor,
      { query: `type:user ${words}`, sortOrder: 'desc', page: 1, perPage: PEOPLE_LIMIT },
      new Date(),
    );
    if (!found.ok || found.users.length === 0) return { people: [], count: 0 };
    const identities = await db
      .selectFrom('user_identities')
      .select(['user_id', 'value'])
      .where('type', '=', 'slack')
      .where(
        'user_id',
        'in',
        found.users.map((u) => u.id),
      )
      .orderBy('id')
      .execute();
    const slackOf = new Map<number, string>();
    for (const i of identities) if (!slackOf.has(i.user_id)) slackOf.set(i.user_id, i.value);
    const people = found.users.map((u) => ({
      id: u.id,
      name: u.name,
      email: u.email,
      role: u.role,
      slack_user_id: slackOf.get(u.id) ?? null,
    }));
    // Those who can be written to first, each part by name.
    people.sort(
      (a, b) =>
        Number(a.slack_user_id === null) - Number(b.slack_user_id === null) ||
        a.name.localeCompare(b.name),
    );
    return { people, count: people.length };
  });
}
