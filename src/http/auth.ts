import type { FastifyRequest } from 'fastify';
import type { User } from '../db/types.ts';
import { findUserByApiToken, noteApiTokenUse } from '../desk/api-tokens.ts';
import { type Actor, canSignIn, type Conn, isAgent } from '../desk/context.ts';
import type { SignInLimits } from '../desk/sign-in-throttle.ts';
import { API_VIA, via } from '../desk/via.ts';
import { UnauthorizedError } from './shared/errors.ts';
import { signInWithPassword } from './password-sign-in.ts';
import { findSession, SESSION_COOKIE, type SessionPolicy } from './sessions.ts';

/**
 * Agents whose `email/token:TOKEN` credential was accepted in the last second, by the exact
 * Authorization header. Integrations send the same header on every call, and looking it up
 * each time was a large share of a request's CPU (docs/benchmarks.md). A change
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

/**
 * Who is calling: Zendesk's Basic `email/token:TOKEN` (API tokens are account-level, the email
 * picks the agent), Basic `email:password`, or the web UI's session cookie. An Authorization
 * header, when sent, decides alone: a cookie next to it is not looked at.
 */
export async function authenticate(
  db: Conn,
  req: FastifyRequest,
  policy: Pick<SessionPolicy, 'idleMs'>,
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
      if (!found || !canSignIn(user) || !isAgent(user)) throw new UnauthorizedError();
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
  const token = req.cookies[SESSION_COOKIE];
  if (token) {
    const found = await findSession(db, token, new Date(), policy);
    if (found) {
      // Kept on the request: state-changing calls must then also pass the CSRF check.
      req.session = found.session;
      return { user: found.user, via: via('web') };
    }
  }
  throw new UnauthorizedError();
}
