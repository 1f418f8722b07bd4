import fastifyRateLimit from '@fastify/rate-limit';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { TooManyRequestsError } from '../desk/errors.ts';
import { addressKey } from '../desk/sign-in-throttle.ts';
import { databaseStore } from './rate-limit-store.ts';
import { pageLanguage, waitSeconds } from './shared/page-language.ts';

/**
 * The doors anyone may knock at without credentials, limited per client address (req.ip,
 * which honours PARLEY_TRUST_PROXY; an IPv6 address counts as its /64). Each door counts on
 * its own. Password sign-in keeps its own throttle besides (sign-in-throttle.ts: failures per
 * account and per address); this limit only stops one source from flooding a door with
 * requests. On PostgreSQL (where several nodes may serve) the count is kept in the database,
 * so the limit holds for all nodes together; SQLite's single node counts in memory.
 */
const PUBLIC_DOORS = new Set([
  'POST /api/v2/session',
  'GET /setup',
  'POST /setup',
  'GET /slack/install/:id',
  'GET /slack/oauth_redirect',
]);

const MINUTE = 60_000;

function tooMany(after: number): TooManyRequestsError {
  const seconds = Math.max(1, Math.ceil(after / 1000));
  return new TooManyRequestsError(
    `Too many requests: try again in ${waitSeconds('en', seconds)}`,
    seconds,
  );
}

export interface RateLimitHooks {
  /** For the whole app, first of all: the public doors, per address. */
  publicDoors: onRequestAsyncHookHandler | null;
  /** For /api/v2, after authentication: each signed-in user's requests. */
  perUser: onRequestAsyncHookHandler | null;
}

type Limiter = FastifyInstance['rateLimit'];

/**
 * @fastify/rate-limit, registered without a global limit in a scope of its own (one store per
 * registration: the public doors' may be the database, the per-user one is memory); the
 * hooks it hands back are mounted where they apply.
 */
async function limiterWith(
  app: FastifyInstance,
  store: ReturnType<typeof databaseStore> | null,
): Promise<Limiter> {
  let limiter: Limiter | null = null;
  await app.register(async (scope) => {
    await scope.register(fastifyRateLimit, {
      global: false,
      timeWindow: MINUTE,
      errorResponseBuilder: (_req, ctx) => tooMany(ctx.ttl),
      // A store that fails (the database) lets the request through; the store logs why.
      skipOnError: true,
      ...(store ? { store } : {}),
    });
    limiter = scope.rateLimit.bind(scope);
  });
  if (!limiter) throw new Error('@fastify/rate-limit did not register');
  return limiter;
}

/**
 * The limits' hooks. A 429 is Zendesk's (`{"error":"TooManyRequests",…}` with Retry-After)
 * through the app's error handler, except at a door that is a browser page asked for by a
 * browser: there, the door's own small HTML page (route config `tooManyRequestsPage`).
 *
 * The per-user /api/v2 limit counts in each node's memory: it is per node. A database write
 * on every API request would cost more than the limit is worth; the doors brute force aims
 * at are the ones shared through the database.
 */
export async function rateLimits(
  app: FastifyInstance,
  limits: Config['rateLimits'],
  shared: { db: Db; log: Logger } | null,
): Promise<RateLimitHooks> {
  let publicDoors: onRequestAsyncHookHandler | null = null;
  if (limits.publicPerAddress > 0) {
    const make = await limiterWith(app, shared ? databaseStore(shared.db, shared.log) : null);
    const limit = make({
      max: limits.publicPerAddress,
      timeWindow: MINUTE,
      keyGenerator: (req: FastifyRequest) => `${doorOf(req)} ${addressKey(req.ip)}`,
    }) as onRequestAsyncHookHandler;
    publicDoors = async function (req, reply) {
      if (!PUBLIC_DOORS.has(doorOf(req))) return;
      try {
        await limit.call(this, req, reply);
      } catch (err) {
        const page = req.routeOptions.config.tooManyRequestsPage;
        if (!(err instanceof TooManyRequestsError) || !page || !answersHtml(req)) throw err;
        const lang = pageLanguage(req.headers['accept-language']);
        return sendTooManyPage(reply, page(err.retryAfterSeconds, lang), err.retryAfterSeconds);
      }
    };
  }
  let perUser: onRequestAsyncHookHandler | null = null;
  if (limits.perUser > 0) {
    const make = await limiterWith(app, null);
    const limit = make({
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

/**
 * The q-value Accept gives `type`: that of the most specific range matching it (`text/html`,
 * then `text/*`, then `*\/*`), 0 when none does.
 */
function acceptQ(accept: string, type: string): number {
  const major = type.split('/')[0];
  let rank = -1;
  let q = 0;
  for (const part of accept.toLowerCase().split(',')) {
    const [range = '', ...params] = part.split(';').map((p) => p.trim());
    const r = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (r <= rank) continue;
    rank = r;
    const given = params.find((p) => p.startsWith('q='));
    const value = given === undefined ? 1 : Number(given.slice(2));
    q = Number.isFinite(value) ? value : 0;
  }
  return q;
}

/**
 * Whether a 429 at an HTML page goes out as HTML: when the client prefers text/html to JSON
 * (a browser), or states no preference and asked for the page itself (a GET, or a form post).
 * A client that prefers JSON, or posts JSON, gets Zendesk's JSON.
 */
function answersHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '*/*';
  const html = acceptQ(accept, 'text/html');
  const json = acceptQ(accept, 'application/json');
  if (html !== json) return html > json;
  if (req.method === 'GET') return true;
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function sendTooManyPage(reply: FastifyReply, html: string, seconds: number): FastifyReply {
  return reply
    .status(429)
    .type('text/html; charset=utf-8')
    .header('retry-after', String(seconds))
    .header('cache-control', 'no-store')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    )
    .header('x-frame-options', 'DENY')
    .send(html);
}
