/** The OAuth authorize page and its Allow/Cancel form. */
import type { FastifyInstance } from 'fastify';
import { authorizePage, errorPage, pendingApprovalPage } from '../page.ts';
import type { SlackSandbox } from '../sandbox.ts';
import { bodyBuffer, html, queryRecord } from './request.ts';

function splitScopes(s: string | undefined): string[] {
  return (s ?? '')
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function validRedirect(uri: string | undefined): uri is string {
  if (!uri) return false;
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

const badRedirectPage = () =>
  errorPage(
    'redirect_uri did not match',
    "The redirect_uri is not one of the app's redirect URLs, so this install cannot go on.",
  );

export function oauthRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  authorizePageRoute(app, sb);
  authorizeFormRoute(app, sb);
}

/** The authorize page an install link opens. */
function authorizePageRoute(app: FastifyInstance, sb: SlackSandbox): void {
  const ws = sb.workspace;

  app.get('/oauth/v2/authorize', async (req, reply) => {
    const q = queryRecord(req);
    if (q.client_id !== sb.options.clientId) {
      return html(
        reply,
        errorPage('Invalid client_id', 'This link is not for an app installed in this workspace.'),
        400,
      );
    }
    if (!validRedirect(q.redirect_uri)) {
      return html(
        reply,
        errorPage('Missing redirect_uri', 'The install link has no valid redirect_uri.'),
        400,
      );
    }
    if (!sb.redirectAllowed(q.redirect_uri)) {
      return html(reply, badRedirectPage(), 400);
    }
    const scopes = splitScopes(q.scope);
    const userScopes = splitScopes(q.user_scope);
    if (!scopes.length && !userScopes.length) {
      return html(
        reply,
        errorPage('No scopes requested', 'The install link asks for no scopes.'),
        400,
      );
    }
    if (q.team && q.team !== ws.homeTeam.id) {
      return html(
        reply,
        errorPage('Wrong workspace', `This sandbox only has workspace ${ws.homeTeam.id}.`),
        400,
      );
    }
    return html(
      reply,
      authorizePage(sb, {
        clientId: q.client_id,
        scopes,
        userScopes,
        redirectUri: q.redirect_uri,
        state: q.state ?? null,
        team: q.team ?? null,
      }),
    );
  });
}

/** The page's Allow/Cancel form. */
function authorizeFormRoute(app: FastifyInstance, sb: SlackSandbox): void {
  app.post('/oauth/v2/authorize', async (req, reply) => {
    const body = bodyBuffer(req);
    const form = Object.fromEntries(new URLSearchParams(body ? body.toString('utf8') : ''));
    if (form.client_id !== sb.options.clientId) {
      return html(
        reply,
        errorPage('Invalid client_id', 'This form is not for this workspace.'),
        400,
      );
    }
    if (!validRedirect(form.redirect_uri)) {
      return html(
        reply,
        errorPage('Missing redirect_uri', 'The form has no valid redirect_uri.'),
        400,
      );
    }
    if (!sb.redirectAllowed(form.redirect_uri)) {
      return html(reply, badRedirectPage(), 400);
    }
    const decision = sb.decideAuthorization({
      allow: form.action === 'allow',
      redirectUri: form.redirect_uri,
      state: form.state || null,
      scopes: splitScopes(form.scope),
      userScopes: splitScopes(form.user_scope),
    });
    if ('pending' in decision) return html(reply, pendingApprovalPage(sb));
    return reply.redirect(decision.redirect, 302);
  });
}
