import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../crypto/digest.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_MAX_MINUTES } from '../config.ts';
import type { User } from '../db/types.ts';
import { canSignIn, type Conn } from '../desk/context.ts';

export const SESSION_COOKIE = 'parley_session';

/** "Last seen" moves at most this often, so a busy agent costs one write a minute, not one a request. */
const TOUCH_EVERY_MS = 60_000;

/** What the session rules need from the configuration. */
export interface SessionPolicy {
  /** A session unused this long is over. */
  idleMs: number;
  /** Parley's secret key: CSRF tokens are derived from it, so every node computes the same. */
  secretKey: Buffer;
}

/** The browser session a request was authenticated with. */
export interface WebSession {
  /** The cookie's value: the secret itself, never logged or stored (only its hash is). */
  token: string;
  userId: number;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  idleExpiresAt: string;
}

function later(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/**
 * Starts a session for a signed-in user and returns its secret, for the cookie. Sessions that
 * have run out (anyone's) are dropped on the way, so the table does not grow for ever.
 */
/** The session rules a configuration sets (the idle timeout). */
export function sessionPolicy(config: {
  sessionIdleMinutes: number;
}): Pick<SessionPolicy, 'idleMs'> {
  return { idleMs: config.sessionIdleMinutes * 60_000 };
}

export async function createSession(
  db: Conn,
  userId: number,
  now: Date,
  policy: Pick<SessionPolicy, 'idleMs'>,
): Promise<string> {
  const at = now.toISOString();
  await db
    .deleteFrom('sessions')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', at),
        eb('last_seen_at', '<=', new Date(now.getTime() - policy.idleMs).toISOString()),
      ]),
    )
    .execute();
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      token_hash: sha256Hex(token),
      user_id: userId,
      created_at: at,
      last_seen_at: at,
      expires_at: new Date(now.getTime() + SESSION_MAX_MINUTES * 60_000).toISOString(),
    })
    .execute();
  return token;
}

/**
 * The user behind a session cookie, or null when the session is unknown, past its 14 days,
 * idle for too long, or its user can no longer sign in. A session found over is deleted.
 */
export async function findSession(
  db: Conn,
  token: string,
  now: Date,
  policy: Pick<SessionPolicy, 'idleMs'>,
): Promise<{ user: User; session: WebSession } | null> {
  const tokenHash = sha256Hex(token);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select([
      'sessions.created_at as session_created_at',
      'sessions.expires_at as session_expires_at',
      'sessions.last_seen_at as session_last_seen_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return null;
  const {
    session_created_at: createdAt,
    session_expires_at: expiresAt,
    session_last_seen_at: seen,
    ...user
  } = row;
  const at = now.toISOString();
  let lastSeenAt = seen ?? createdAt;
  if (expiresAt <= at || later(lastSeenAt, policy.idleMs) <= at) {
    await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    return null;
  }
  if (!canSignIn(user)) return null;
  if (now.getTime() - Date.parse(lastSeenAt) >= TOUCH_EVERY_MS) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: at })
      .where('token_hash', '=', tokenHash)
      .execute();
    lastSeenAt = at;
  }
  const idleExpiresAt = later(lastSeenAt, policy.idleMs);
  return {
    user,
    session: {
      token,
      userId: user.id,
      createdAt,
      lastSeenAt,
      expiresAt,
      idleExpiresAt: idleExpiresAt < expiresAt ? idleExpiresAt : expiresAt,
    },
  };
}

/** Signing out ends the session on the server too: a copied cookie is worthless afterwards. */
export async function deleteSession(db: Conn, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
}

/**
 * The CSRF token of a session: an HMAC of its secret under Parley's key, so it needs no
 * storage, is the same on every node, and is useless with any other session. A page on
 * another site can make the browser send the cookie, but can neither read nor compute this.
 */
export function csrfTokenFor(secretKey: Buffer, sessionToken: string): string {
  return createHmac('sha256', secretKey).update(`parley-csrf:${sessionToken}`).digest('base64url');
}

export function csrfTokenMatches(secretKey: Buffer, sessionToken: string, given: string): boolean {
  const expected = Buffer.from(csrfTokenFor(secretKey, sessionToken));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Whether the session cookie must carry `Secure`: the request reached Parley over HTTPS
 * (req.protocol believes X-Forwarded-Proto only from a proxy PARLEY_TRUST_PROXY trusts), or
 * Parley's public URL is https, whatever hop the request came through.
 */
export function cookieIsSecure(req: FastifyRequest, publicUrl: string): boolean {
  return req.protocol === 'https' || publicUrl.startsWith('https:');
}

export function setSessionCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  publicUrl: string,
  token: string,
): void {
  // No Max-Age: the browser forgets it when closed; the server enforces its own limits.
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: cookieIsSecure(req, publicUrl),
  });
}

export function clearSessionCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  publicUrl: string,
): void {
  void reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: cookieIsSecure(req, publicUrl),
  });
}
