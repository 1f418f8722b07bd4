import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../desk/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request, set by authentication on every /api/v2 route (null on public ones). */
    actor: Actor | null;
  }
}

/**
 * The authenticated caller of an /api/v2 route. Here rather than in http/context.ts because
 * channels mount admin routes too, and they may import from http only its shared modules.
 */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new Error('route reached without authentication');
  return req.actor;
}
