/**
 * Who is starting, or finishing, a Slack install over HTTP: the credential a request was
 * authenticated with, reduced to the hash the install's state is bound to. Never the secret.
 */
import { sha256Hex } from '../../crypto/digest.ts';
import type { FastifyRequest } from 'fastify';
import { hashToken } from '../../desk/api-tokens.ts';
import type { Actor, Conn } from '../../desk/context.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { ForbiddenError } from '../../desk/errors.ts';
import type { ChannelSignIn } from '../channel.ts';
import type { Finisher, Installer } from './install.ts';

/** An install started by a request that carries no valid credential: sign in first. */
export class SignInRequiredError extends Error {
  constructor() {
    super('sign in to Parley first');
  }
}

/** The API token in a Basic `email/token:TOKEN` header, or null (`email:password`, none). */
function basicApiToken(header: string): string | null {
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic' || !value) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || !decoded.slice(0, colon).endsWith('/token')) return null;
  return decoded.slice(colon + 1);
}

/**
 * The admin starting an install, bound the way they are signed in: an Authorization header
 * (it is what the sign-in goes by when present) or else the session cookie. Throws
 * SignInRequiredError without sign-in, Forbidden for someone who may not manage channels.
 */
export async function installerOf(
  db: Conn,
  req: FastifyRequest,
  signIn: ChannelSignIn,
  /** The caller, when the request was authenticated already (the API's routes). */
  known?: Actor,
): Promise<Installer> {
  // A password is checked once per request: it is slow to verify on purpose.
  const actor = known ?? (await signIn.caller(req));
  if (!actor) throw new SignInRequiredError();
  await authorize(db, actor, 'channel:manage');
  const header = req.headers.authorization;
  if (header) {
    const token = basicApiToken(header);
    return { kind: 'api', userId: actor.user.id, credentialHash: token ? hashToken(token) : null };
  }
  const session = signIn.sessionToken(req);
  if (!session) throw new ForbiddenError();
  return { kind: 'session', userId: actor.user.id, credentialHash: sha256Hex(session) };
}

/**
 * The browser arriving from Slack: its session (hash), and whose it is if still valid. Only
 * the cookie counts here; the check of it is the sign-in's own.
 */
export async function finisherOf(req: FastifyRequest, signIn: ChannelSignIn): Promise<Finisher> {
  const session = signIn.sessionToken(req);
  if (!session) return { kind: 'browser', userId: null, sessionHash: null };
  // An expired or unknown session is no one; a database failure is not an answer (it throws).
  const userId = (await signIn.sessionCaller(req))?.user.id ?? null;
  return { kind: 'browser', userId, sessionHash: sha256Hex(session) };
}
