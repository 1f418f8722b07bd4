/**
 * The sign-in a channel's own doors may use (the Slack install, started and finished in an
 * admin's browser), with this configuration's session rules. The composition root hands it
 * to the channels (ChannelHost.signIn), so they need none of this module's imports.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { authenticate } from './auth.ts';
import { UnauthorizedError } from './shared/errors.ts';
import { SESSION_COOKIE, sessionPolicy } from './sessions.ts';

/** Runs a sign-in; no valid credential is null, any other failure is not an answer. */
async function orNull(signIn: Promise<Actor>): Promise<Actor | null> {
  try {
    return await signIn;
  } catch (err) {
    if (err instanceof UnauthorizedError) return null;
    throw err;
  }
}

export function channelSignIn(db: Conn, config: Config) {
  const policy = sessionPolicy(config);
  return {
    caller: (req: FastifyRequest) => orNull(authenticate(db, req, policy)),
    sessionCaller(req: FastifyRequest) {
      // The request as authenticate() sees it without an Authorization header.
      const sessionOnly = {
        headers: { cookie: req.headers.cookie },
        cookies: req.cookies,
        ip: req.ip,
      };
      return orNull(authenticate(db, sessionOnly as FastifyRequest, policy));
    },
    sessionToken: (req: FastifyRequest): string | null => req.cookies[SESSION_COOKIE] ?? null,
  };
}
