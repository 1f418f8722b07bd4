import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { User } from '../db/types.ts';
import { findUserByApiToken, noteApiTokenUse } from '../desk/api-tokens.ts';
import { type Actor, type Conn, isAgent } from '../desk/context.ts';
import { ForbiddenError } from '../desk/errors.ts';
import type { SignInLimits } from '../desk/sign-in-throttle.ts';
import { API_VIA, via } from '../desk/via.ts';
import { UnauthorizedError } from './errors.ts';
import { signInWithPassword } from './password-sign-in.ts';

export const SESSION_COOKIE = 'parley_session';
const SESSION_DAYS = 14;

function usable(user: User | undefined): user is User {
  return !!user && user.active === 1 && user.suspended === 0;
}

function parseCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      // A malformed escape is a cookie we never set: no session, not a crash.
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * Agents whose `email/token:TOKEN` credential was accepted in the last second, by the exact
 * Authorization header. Integrations send the same header on every call, and looking it up
 * each time cost 7-25% of a request's CPU (shows most), measured on the 2-core VM. A change
 * made through this process's API to a user forgets them all at once (forgetTokenUsers); a
 * token revoked or a user changed elsewhere (the CLI, another node) is refused within a
 * second. A refused credential is never remembered.
 */
const tokenUsers = new Map<string, { user: User; until: number }>();
const TOKEN_USER_MS = 1_000;
const MAX_TOKEN_USERS = 1_000;

/** Bumped by forgetTokenUsers: a lookup that began before it is not remembered after it. */
let tokenUsersEpoch = 0;

export function forgetTokenUsers(): void {
  tokenUsers.clear();
  tokenUsersEpoch++;
}

function sha256(v: string): string {
  return createHash('sha256').update(v).digest('hex');
}

/**
 * Who is calling: Zendesk's Basic `email/token:TOKEN` (API tokens are account-level, the email
 * picks the agent), Basic `email:password`, or the web UI's session cookie.
 */
export async function authenticate(
  db: Conn,
  req: FastifyRequest,
  signInLimits?: SignInLimits,
): Promise<Actor> {
  const header = req.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() !== 'basic' || !value) throw new UnauthorizedError();
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // No email or token holds NUL, and PostgreSQL would refuse to even look one up.
    if (colon < 0 || decoded.includes('\u0000')) throw new UnauthorizedError();
    const name = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (name.endsWith('/token')) {
      const known = tokenUsers.get(header);
      if (known && known.until > Date.now()) return { user: known.user, via: API_VIA };
      const epoch = tokenUsersEpoch;
      const found = await findUserByApiToken(db, name.slice(0, -'/token'.length), secret);
      const user = found?.user;
      if (!found || !usable(user) || !isAgent(user)) throw new UnauthorizedError();
      // Bookkeeping: a failed write must not refuse a caller who is who they say.
      await noteApiTokenUse(db, found.token, Date.now()).catch((err: unknown) =>
        req.log.warn({ err }, 'could not record the API token use'),
      );
      if (epoch === tokenUsersEpoch) {
        if (tokenUsers.size >= MAX_TOKEN_USERS) tokenUsers.clear();
        tokenUsers.set(header, { user, until: Date.now() + TOKEN_USER_MS });
      }
      return { user, via: API_VIA };
    }
    const user = await signInWithPassword(db, name, secret, { ip: req.ip }, signInLimits);
    return { user, via: API_VIA };
  }
  const session = parseCookie(req.headers.cookie, SESSION_COOKIE);
  if (session) {
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select('sessions.expires_at')
      .where('sessions.token_hash', '=', sha256(session))
      .executeTakeFirst();
    if (row && row.expires_at > new Date().toISOString()) {
      const { expires_at: _e, ...user } = row;
      if (usable(user)) return { user, via: via('web') };
    }
  }
  throw new UnauthorizedError();
}

export async function createSession(db: Conn, userId: number, now: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      token_hash: sha256(token),
      user_id: userId,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SESSION_DAYS * 86400_000).toISOString(),
    })
    .execute();
  return token;
}

export function requireAgent(actor: Actor): void {
  if (!isAgent(actor.user)) throw new ForbiddenError();
}

export function requireAdmin(actor: Actor): void {
  if (actor.user.role !== 'admin') throw new ForbiddenError();
}
