import { listTags, suggestTags } from '../../../desk/tags.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { HttpError } from '../../shared/errors.ts';
import { parseQuery } from '../../shared/query.ts';
import { autocompleteTagsQuery, listTagsQuery } from './schemas.ts';

const PER_PAGE = 100;

/**
 * Zendesk's tag doors: `GET /autocomplete/tags?name=ab` → `{tags: ["abc", "about"]}` (tags
 * starting with the letters, most used first, at most 20; fewer than two letters give an empty
 * list rather than an error, so a client may ask on every keystroke) and `GET /tags` →
 * `{tags: [{name, count}], count, next_page, previous_page}`, most used first.
 */
export const tagRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;

  app.get('/autocomplete/tags', async (req) => {
    const q = parseQuery(autocompleteTagsQuery, req.query);
    if (q.name === undefined) throw new HttpError(400, 'InvalidParameter', 'name is required');
    return { tags: await suggestTags(db, actorOf(req), q.name) };
  });

  app.get('/tags', async (req) => {
    const q = parseQuery(listTagsQuery, req.query);
    const page = q.page ?? 1;
    const perPage = q.per_page ?? PER_PAGE;
    const found = await listTags(db, actorOf(req), {
      offset: (page - 1) * perPage,
      limit: perPage,
    });
    const link = (n: number) => `${base}/api/v2/tags.json?page=${n}&per_page=${perPage}`;
    return {
      tags: found.tags,
      next_page: page * perPage < found.count ? link(page + 1) : null,
      previous_page: page > 1 ? link(page - 1) : null,
      count: found.count,
    };
  });
};
