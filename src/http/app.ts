import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { authenticate } from './auth.ts';
import type { RoutePlugin, Services } from './context.ts';
import { errorHandler } from './errors.ts';
import { brandRoutes } from './routes/brands.ts';
import { customRoleRoutes } from './routes/custom-roles.ts';
import { groupRoutes } from './routes/groups.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { userRoutes } from './routes/users.ts';
import { setupPages } from './setup.ts';

const apiRoutes: RoutePlugin[] = [
  ticketRoutes,
  uploadRoutes,
  userRoutes,
  organizationRoutes,
  groupRoutes,
  brandRoutes,
  customRoleRoutes,
];

/** Zendesk clients add `.json` to every path; strip it before routing. */
function stripJsonSuffix(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rest = q < 0 ? '' : url.slice(q);
  return path.endsWith('.json') ? path.slice(0, -5) + rest : url;
}

export async function buildApp(svc: Services, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: svc.config.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    rewriteUrl: (req) => stripJsonSuffix(req.url ?? '/'),
    // Query strings such as `page[size]=100` stay flat keys: Zendesk's cursor parameters.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  app.decorateRequest('actor', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: 'InvalidEndpoint', description: 'Not found' });
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (req) => {
        req.actor = await authenticate(svc.db, req);
      });
      for (const routes of apiRoutes) routes(api, svc);
    },
    { prefix: '/api/v2' },
  );
  await app.register(setupPages(svc));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
