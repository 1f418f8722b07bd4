import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { logSerializers } from '../log.ts';
import { jsonTextTooDeep } from '../json-depth.ts';
import { authenticate, forgetTokenUsers } from './auth.ts';
import { requireCsrfToken } from './csrf.ts';
import type { RoutePlugin, Services } from './context.ts';
import { errorHandler, HttpError, tooDeepError } from './shared/errors.ts';
import { apiTokenRoutes } from './routes/api-tokens/routes.ts';
import { brandRoutes } from './routes/brands/routes.ts';
import { triggerRoutes } from './routes/triggers/routes.ts';
import { automationRoutes } from './routes/automations/routes.ts';
import { macroRoutes } from './routes/macros/routes.ts';
import { notificationRoutes } from './routes/notifications/routes.ts';
import { customRoleRoutes } from './routes/custom-roles/routes.ts';
import { groupRoutes } from './routes/groups/routes.ts';
import { organizationRoutes } from './routes/organizations/routes.ts';
import { searchRoutes } from './routes/search/routes.ts';
import { sessionRoutes } from './routes/sessions/routes.ts';
import { ticketRoutes } from './routes/tickets/routes.ts';
import { uploadRoutes } from './routes/uploads/routes.ts';
import { userRoutes } from './routes/users/routes.ts';
import { webhookRoutes } from './routes/webhooks/routes.ts';
import { viewRoutes } from './routes/views/routes.ts';
import { streamRoutes } from './routes/stream/routes.ts';
import { tagRoutes } from './routes/tags/routes.ts';
import { setupPages } from './setup.ts';
import { webApp } from './web-app.ts';
import { sessionPolicy } from './sessions.ts';
import { rateLimits } from './rate-limits.ts';
import { isAgent } from '../desk/context.ts';

/** An agent's GET answer's position in the stream's event sequence (see the preHandler below). */
export const EVENT_ID_HEADER = 'x-parley-event-id';

const apiRoutes: RoutePlugin[] = [
  ticketRoutes,
  uploadRoutes,
  userRoutes,
  organizationRoutes,
  groupRoutes,
  brandRoutes,
  customRoleRoutes,
  sessionRoutes,
  apiTokenRoutes,
  triggerRoutes,
  automationRoutes,
  macroRoutes,
  webhookRoutes,
  viewRoutes,
  searchRoutes,
  notificationRoutes,
  streamRoutes,
  tagRoutes,
];

/** Zendesk clients add `.json` to every path; strip it before routing. */
function stripJsonSuffix(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rest = q < 0 ? '' : url.slice(q);
  return path.endsWith('.json') ? path.slice(0, -5) + rest : url;
}

export async function buildApp(
  svc: Services,
  logger: Logger,
  /** Extra plugins mounted after the channels, before the app is ready (the Slack sandbox). */
  plugins: ((app: FastifyInstance) => Promise<void>)[] = [],
): Promise<FastifyInstance> {
  const app = Fastify({
    // Request URLs carry install links, OAuth codes and states: logged redacted, whoever made
    // the logger.
    loggerInstance: logger.child({}, { serializers: logSerializers }) as FastifyBaseLogger,
    bodyLimit: svc.config.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    rewriteUrl: (req) => stripJsonSuffix(req.url ?? '/'),
    // Bad escapes and overlong path segments get the same Zendesk envelope as every other error.
    frameworkErrors: errorHandler,
    // Query strings such as `page[size]=100` stay flat keys: Zendesk's cursor parameters.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Off unless PARLEY_TRUST_PROXY says which proxy to believe: req.ip and req.protocol
    // (Secure cookies, sign-in throttling) must not come from headers any client can send.
    trustProxy: svc.config.trustProxy,
  });
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  await app.register(fastifyCookie);
  app.setErrorHandler(errorHandler);
  // Several nodes may share PostgreSQL: the public doors count there, for all of them at once.
  const limits = await rateLimits(
    app,
    svc.config.rateLimits,
    svc.config.database.kind === 'postgres' ? { db: svc.db, log: logger } : null,
  );
  // Before anything else: a flood at a public door is turned away without work.
  if (limits.publicDoors) app.addHook('onRequest', limits.publicDoors);
  // Zendesk clients (node-zendesk among them) send `Content-Type: application/json` on every
  // request, DELETE included, mostly without a body: an empty body is no body, not bad JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    if (jsonTextTooDeep(body as string)) return done(tooDeepError(), undefined);
    return parseJson(req, body as string, done);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: 'InvalidEndpoint', description: 'Not found' });
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  await app.register(
    async (api) => {
      const policy = sessionPolicy(svc.config);
      api.addHook('onRequest', async (req) => {
        if (req.routeOptions.config.public) return;
        req.actor = await authenticate(svc.db, req, policy, svc.signInLimits);
        // Before the body is read: a forged upload is refused without storing a byte.
        if (req.session) {
          requireCsrfToken(req, req.session, svc.config.publicUrl, svc.config.secretKey);
        }
      });
      // Counted once the caller is known (an unauthenticated request was refused above).
      if (limits.perUser) api.addHook('onRequest', limits.perUser);
      // Suspending, demoting, merging or re-addressing a user must not wait for the second
      // an accepted API token is remembered; forgotten before the answer leaves, so the
      // caller's next request already finds the change.
      api.addHook('onSend', async (req) => {
        if (req.method !== 'GET' && req.routeOptions.url?.startsWith('/api/v2/users')) {
          forgetTokenUsers();
        }
      });
      // PostgreSQL text cannot hold NUL (SQLite can): refuse it in the URL up front, alike on
      // both databases, instead of letting a lookup fail with a 500. Bodies: see parseWith.
      api.addHook('preValidation', async (req) => {
        const has = (o: unknown) =>
          Object.entries((o ?? {}) as Record<string, unknown>).some(
            ([k, v]) => k.includes('\u0000') || String(v).includes('\u0000'),
          );
        if (has(req.params)) throw new HttpError(404, 'RecordNotFound', 'Not found');
        if (has(req.query)) {
          throw new HttpError(
            400,
            'InvalidParameter',
            'Parameters must not contain NUL characters',
          );
        }
      });
      // Where each agent's read stands in the stream's sequence (X-Parley-Event-Id), read
      // before the route reads its data: the workspace opens its first stream from the
      // smallest position among the answers it loaded, so it is replayed exactly what those
      // answers may have missed instead of refetching them all (web/src/live/position.ts).
      api.addHook('preHandler', async (req, reply) => {
        if (req.method !== 'GET' || req.routeOptions.url === '/api/v2/stream') return;
        if (!req.actor || !isAgent(req.actor.user)) return;
        reply.header(EVENT_ID_HEADER, String(await svc.stream.position()));
      });
      for (const routes of apiRoutes) routes(api, svc);
      for (const channel of svc.channels) channel.registerApi(api);
    },
    { prefix: '/api/v2' },
  );
  await app.register(setupPages(svc));
  await app.register(webApp(svc));
  for (const channel of svc.channels) channel.registerRoutes(app);
  for (const plugin of plugins) await plugin(app);
  // 503 until start-up has finished, so a load balancer (or a test) waits for a usable node.
  app.get('/healthz', async (_req, reply) =>
    svc.readiness.ready ? { ok: true } : reply.status(503).send({ ok: false, starting: true }),
  );
  return app;
}
