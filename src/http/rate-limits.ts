import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Config } from '../config.ts';
import { TooManyRequestsError } from '../desk/errors.ts';

/**
 * The doors anyone may knock at without credentials, limited per client address (req.ip,
 * which honours PARLEY_TRUST_PROXY; an IPv6 address counts as its /64). Each door counts on
 * its own. Password sign-in keeps its own throttle besides (sign-in-throttle.ts: failures per
 * account and per address, shared by every node through the database); this limit only stops
 * one source from flooding a door with requests.
 */
const PUBLIC_DOORS = new Set([
  'POST /api/v2/session',
  'POST /setup',
  'GET /slack/install/:id',
  'GET /slack/oauth_redirect',
]);

const MINUTE = 60_000;

function tooMany(after: number): TooManyRequestsError {
  const seconds = Math.max(1, Math.ceil(after / 1000));
  return new TooManyRequestsError(
    `Too many requests: try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
    seconds,
  );
}

export interface RateLimitHooks {
  /** For the whole app, first of all: the public doors, per address. */
  publicDoors: onRequestAsyncHookHandler | null;
  /** For /api/v2, after authentication: each signed-in user's requests. */
  perUser: onRequestAsyncHookHandler | null;
}

/**
 * @fastify/rate-limit, registered without a global limit; the hooks it hands back are mounted
 * where they apply. A 429 is Zendesk's (`{"error":"TooManyRequests",…}` with Retry-After),
 * through the app's error handler.
 */
export async function rateLimits(
  app: FastifyInstance,
  limits: Config['rateLimits'],
): Promise<RateLimitHooks> {
  await app.register(fastifyRateLimit, {
    global: false,
    timeWindow: MINUTE,
    errorResponseBuilder: (_req, ctx) => tooMany(ctx.ttl),
  });
  let publicDoors: onRequestAsyncHookHandler | null = null;
  if (limits.publicPerAddress > 0) {
    const limit = app.rateLimit({
      max: limits.publicPerAddress,
      timeWindow: MINUTE,
      keyGenerator: (req: FastifyRequest) => `${doorOf(req)} ${req.ip}`,
    }) as onRequestAsyncHookHandler;
    publicDoors = async function (req, reply) {
      if (!PUBLIC_DOORS.has(doorOf(req))) return;
      await limit.call(this, req, reply);
    };
  }
  let perUser: onRequestAsyncHookHandler | null = null;
  if (limits.perUser > 0) {
    const limit = app.rateLimit({
      max: limits.perUser,
      timeWindow: MINUTE,
      keyGenerator: (req: FastifyRequest) => `user ${req.actor?.user.id ?? ''}`,
      // Nobody signed in (a public route): nothing to count per user.
      allowList: (req: FastifyRequest) => !req.actor,
    }) as onRequestAsyncHookHandler;
    perUser = async function (req, reply) {
      if (!req.actor) return;
      await limit.call(this, req, reply);
    };
  }
  return { publicDoors, perUser };
}

function doorOf(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? ''}`;
}
