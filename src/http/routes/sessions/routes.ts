import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, isAgent } from '../../../desk/context.ts';
import { can } from '../../../desk/policies/authorize.ts';
import { via } from '../../../desk/via.ts';
import { NotFoundError } from '../../../desk/errors.ts';
import { presentTime } from '../../../desk/time.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { requireParleyOrigin } from '../../csrf.ts';
import { parseWith } from '../../shared/errors.ts';
import { signInWithPassword } from '../../password-sign-in.ts';
import { presentUser } from '../../shared/read-model/presenters.ts';
import {
  clearSessionCookie,
  createSession,
  csrfTokenFor,
  deleteSession,
  findSession,
  SESSION_COOKIE,
  sessionPolicy,
  setSessionCookie,
  type WebSession,
} from '../../sessions.ts';
import { signInInput } from './schemas.ts';

/**
 * The web app's sign-in: `POST /api/v2/session` with an email and a password sets the session
 * cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) and answers what `GET /api/v2/session`
 * does: the session, its user and the CSRF token to send as X-CSRF-Token on every change.
 * `DELETE /api/v2/session` signs out. Zendesk's `GET /users/me/session`,
 * `GET /users/me/session/renew` (the CSRF token as `authenticity_token`) and
 * `DELETE /users/me/logout` answer too.
 */
export const sessionRoutes: RoutePlugin = (app, { db, config, signInLimits }) => {
  const base = config.publicUrl;
  const policy = sessionPolicy(config);

  /**
   * What the workspace may offer this user beyond their role: today, the admin pages for
   * Slack channels (admins, and agents whose custom role manages channels), decided by the
   * same policy as the API behind those pages.
   */
  async function permissionsOf(actor: Actor) {
    return { manage_channels: await can(db, actor, 'channel:manage') };
  }

  async function present(session: WebSession, actor: Actor) {
    const { user } = actor;
    const shown = presentUser(user, base);
    // End users see their own profile without what agents note about them, as on /users/me.
    const { notes: _n, details: _d, tags: _t, ...visible } = shown;
    return {
      session: {
        user_id: user.id,
        authenticated_at: presentTime(session.createdAt),
        last_seen_at: presentTime(session.lastSeenAt),
        expires_at: presentTime(session.idleExpiresAt),
        absolute_expires_at: presentTime(session.expiresAt),
      },
      user: isAgent(user) ? shown : visible,
      permissions: await permissionsOf(actor),
      csrf_token: csrfTokenFor(config.secretKey, session.token),
    };
  }

  function currentSession(session: WebSession | null): WebSession {
    // A call authenticated by an API token or a password has no browser session to show.
    if (!session) throw new NotFoundError('session');
    return session;
  }

  app.post('/session', { config: { public: true } }, async (req, reply) => {
    // A foreign page must not sign a browser in either (to the attacker's account).
    requireParleyOrigin(req, config.publicUrl);
    const { email, password } = parseWith(signInInput, req.body ?? {});
    const user = await signInWithPassword(db, email, password, { ip: req.ip }, signInLimits);
    // Whatever session this browser had is replaced, never carried over to the new sign-in.
    const previous = req.cookies[SESSION_COOKIE];
    if (previous) await deleteSession(db, previous);
    const now = new Date();
    const token = await createSession(db, user.id, now, policy);
    await db
      .updateTable('users')
      .set({ last_login_at: now.toISOString() })
      .where('id', '=', user.id)
      .execute();
    const found = await findSession(db, token, now, policy);
    if (!found) throw new Error('a session just created was not found');
    setSessionCookie(req, reply, config.publicUrl, token);
    return reply
      .status(201)
      .header('cache-control', 'no-store')
      .send(await present(found.session, { user: found.user, via: via('web') }));
  });

  // no-store: the CSRF token must not linger in a cache for whoever uses the browser next.
  const showSession = async (req: FastifyRequest, reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-store')
      .send(await present(currentSession(req.session), actorOf(req)));

  const signOut = async (req: FastifyRequest, reply: FastifyReply) => {
    const session = currentSession(req.session);
    await deleteSession(db, session.token);
    clearSessionCookie(req, reply, config.publicUrl);
    return reply.status(204).send();
  };

  app.get('/session', showSession);
  app.delete('/session', signOut);
  // Zendesk's names for the same, for scripts written against its Sessions API.
  app.get('/users/me/session', showSession);
  app.delete('/users/me/logout', signOut);
  app.get('/users/me/session/renew', async (req, reply) =>
    reply.header('cache-control', 'no-store').send({
      authenticity_token: csrfTokenFor(config.secretKey, currentSession(req.session).token),
    }),
  );
};
