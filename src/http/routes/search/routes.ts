import { search, searchCount } from '../../../desk/search/search.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { HttpError } from '../../shared/errors.ts';
import { jsonArray, jsonWith, sendJsonText } from '../../shared/json-text.ts';
import { parseQuery } from '../../shared/query.ts';
import { readModel } from '../../shared/read-model/read-model.ts';
import { presentUserFor } from '../../shared/read-model/presenters.ts';
import { searchCountQuery, searchQuery } from './schemas.ts';

const MAX_PER_PAGE = 100;

/** A query the parser refused (an unclosed quote, a bad date): Zendesk's 400, naming it. */
function malformed(problem: string): HttpError {
  return new HttpError(400, 'InvalidSearchQuery', `query: ${problem}`);
}

/** A rendered object with Zendesk's `result_type` added, its text kept as rendered. */
function withType(json: string, type: 'ticket' | 'user'): string {
  return `${json.slice(0, -1)},"result_type":"${type}"}`;
}

export const searchRoutes: RoutePlugin = (app, { db, config, renderedTickets }) => {
  const base = config.publicUrl;
  const tickets = readModel(db, base, renderedTickets).tickets;

  app.get('/search', async (req, reply) => {
    const actor = actorOf(req);
    const q = parseQuery(searchQuery, req.query);
    const page = q.page ?? 1;
    const perPage = Math.min(q.per_page ?? MAX_PER_PAGE, MAX_PER_PAGE);
    const found = await search(
      db,
      actor,
      { query: q.query, sortBy: q.sort_by, sortOrder: q.sort_order ?? 'desc', page, perPage },
      new Date(),
    );
    if (!found.ok) throw malformed(found.problem);
    const texts = [
      ...(await tickets.render(actor, found.tickets)).map((t) => withType(t, 'ticket')),
      ...found.users.map((u) =>
        withType(JSON.stringify(presentUserFor(actor.user, u, base)), 'user'),
      ),
    ];
    const link = (n: number) => {
      const params = new URLSearchParams({
        query: q.query,
        page: String(n),
        per_page: String(perPage),
      });
      if (q.sort_by) params.set('sort_by', q.sort_by);
      if (q.sort_order) params.set('sort_order', q.sort_order);
      return `${base}/api/v2/search.json?${params.toString()}`;
    };
    return sendJsonText(
      reply,
      jsonWith('results', jsonArray(texts), {
        facets: null,
        next_page: page * perPage < found.count ? link(page + 1) : null,
        previous_page: page > 1 ? link(page - 1) : null,
        count: found.count,
      }),
    );
  });

  app.get('/search/count', async (req) => {
    const q = parseQuery(searchCountQuery, req.query);
    const counted = await searchCount(db, actorOf(req), q.query, new Date());
    if (!counted.ok) throw malformed(counted.problem);
    return { count: counted.count };
  });
};
