import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { anyAdminExists } from '../desk/create-first-admin.ts';
import type { Services } from './context.ts';
import { homePage, requestLanguage, sendHtml } from './setup.ts';
import { bootData, withBootData } from './web-boot.ts';

/** Where `npm run build:web` (Vite) writes the agent workspace. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * The web app's client-side routes: each answers index.html and lets the router take over.
 * Listed rather than a catch-all so that a mistyped `/api/...`, `/slack/...` or `/sandbox/...`
 * address keeps answering the API's JSON 404, never an HTML page.
 */
const CLIENT_ROUTES = [
  '/sign-in',
  '/views',
  '/views/*',
  '/tickets/*',
  '/search',
  '/admin',
  '/admin/*',
];

/** Where Slack serves profile photos (the requester's avatar on the ticket page): images only. */
const SLACK_IMAGE_HOSTS =
  'https://avatars.slack-edge.com https://a.slack-edge.com https://secure.gravatar.com';

function sendIndex(reply: FastifyReply, html: string, personal = false): FastifyReply {
  if (personal) {
    // The signed-in agent's own data: never stored, and never served for another cookie.
    void reply.header('cache-control', 'no-store').header('vary', 'Cookie');
  } else {
    // index.html names the current hashed bundles: a cached copy would load old ones.
    void reply.header('cache-control', 'no-cache');
  }
  return reply
    .type('text/html; charset=utf-8')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data: blob: " +
        SLACK_IMAGE_HOSTS +
        "; style-src 'self' 'unsafe-inline'; " +
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    .send(html);
}

/**
 * Serves the built agent workspace (web/dist) at `/`: hashed assets under /assets/ cached for
 * a year, index.html for the app's own routes. Until the first administrator exists, `/` shows
 * the server's page pointing at /setup, which needs the code printed at start. Without a build
 * (a checkout where `npm ci` has not run) `/` keeps the server's "Parley is running" page.
 */
export function webApp(svc: Services, dist: string = WEB_DIST) {
  return async (scope: FastifyInstance): Promise<void> => {
    const indexFile = path.join(dist, 'index.html');
    const built = existsSync(indexFile);
    // Read once: the build does not change under a running server.
    const indexHtml = built ? readFileSync(indexFile, 'utf8') : null;

    /**
     * index.html, with the signed-in agent's first data in it (src/http/web-boot.ts); without
     * a session cookie, or for one the API refuses, the static file as it is.
     */
    const answerIndex = async (html: string, req: FastifyRequest, reply: FastifyReply) => {
      const route = req.url.split('?', 1)[0] ?? '/';
      const data = await bootData(scope, req, route);
      return data === null
        ? sendIndex(reply, html)
        : sendIndex(reply, withBootData(html, data), true);
    };

    scope.get('/', async (req, reply) => {
      const lang = requestLanguage(req);
      if (!(await anyAdminExists(svc.db))) return sendHtml(reply, 200, homePage(lang, true));
      if (indexHtml === null) return sendHtml(reply, 200, homePage(lang, false));
      return answerIndex(indexHtml, req, reply);
    });
    if (indexHtml === null) return;

    await scope.register(fastifyStatic, {
      root: path.join(dist, 'assets'),
      prefix: '/assets/',
      index: false,
      // Vite names every asset after its content hash: a changed file gets a new name.
      immutable: true,
      maxAge: '365d',
    });
    for (const route of CLIENT_ROUTES) {
      scope.get(route, async (req, reply) => answerIndex(indexHtml, req, reply));
    }
  };
}
