import { listApiTokens, revokeApiToken, showApiToken } from '../../../desk/api-tokens.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { forgetTokenUsers } from '../../auth.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { presentApiToken } from '../../shared/read-model/presenters.ts';
import { idParam } from '../../shared/schemas/common.ts';

/**
 * The account's API tokens, for admins: listed with their description, first characters,
 * creation and last use, and revoked. The token itself is shown once, when it is created
 * (`parley token create`), and never again.
 */
export const apiTokenRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;

  app.get('/api_tokens', async (req) => {
    const tokens = await listApiTokens(db, actorOf(req));
    return {
      api_tokens: tokens.map((row) => presentApiToken(row, base)),
      next_page: null,
      previous_page: null,
      count: tokens.length,
    };
  });

  app.get('/api_tokens/:id', async (req) => {
    const token = await showApiToken(db, actorOf(req), idParam(req.params));
    return { api_token: presentApiToken(token, base) };
  });

  app.delete('/api_tokens/:id', async (req, reply) => {
    const actor = actorOf(req);
    // Early: without the right, 403 whatever the path says; the desk checks again.
    await authorize(db, actor, 'api-token:manage');
    await revokeApiToken(db, actor, idParam(req.params));
    // This process remembers accepted credentials for a second; a revoked token must fail
    // on the very next request, not a second later.
    forgetTokenUsers();
    return reply.status(204).send();
  });
};
