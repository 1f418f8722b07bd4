import type { FastifyRequest } from 'fastify';
import { HttpError } from './shared/errors.ts';
import { csrfTokenMatches, type WebSession } from './sessions.ts';

/** The header a web app sends its session's CSRF token in (Rails' and Zendesk's name). */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(url: string): string | null {
  try {
    const { origin } = new URL(url);
    // Opaque origins (file:, data:, sandboxed frames) serialize as "null": never Parley.
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * Whether the page that sent the request is Parley's: its Origin (or, when a browser sent no
 * Origin, its Referer) must be Parley's public URL or the address the request itself was sent
 * to. A request with neither header passes here; the CSRF token is then what decides.
 */
export function fromParleyOrigin(req: FastifyRequest, publicUrl: string): boolean {
  const origin = req.headers.origin;
  const referer = req.headers.referer;
  const claimed = origin !== undefined ? origin : referer;
  if (claimed === undefined) return true;
  const sender = originOf(claimed);
  if (!sender) return false;
  const own = [originOf(publicUrl), originOf(`${req.protocol}://${req.host}`)];
  return own.includes(sender);
}

export function requireParleyOrigin(req: FastifyRequest, publicUrl: string): void {
  if (!fromParleyOrigin(req, publicUrl)) {
    throw new HttpError(403, 'Forbidden', 'Requests from other sites are refused');
  }
}

/**
 * CSRF protection for a request authenticated by the session cookie: any method that can
 * change something, whatever its content type (forms, text/plain and multipart bodies need no
 * preflight), must come from Parley's own origin and carry the session's token in
 * X-CSRF-Token, which a page on another site cannot know. Requests with an Authorization
 * header never reach here: browsers do not attach those on their own.
 */
export function requireCsrfToken(
  req: FastifyRequest,
  session: WebSession,
  publicUrl: string,
  secretKey: Buffer,
): void {
  if (SAFE_METHODS.has(req.method)) return;
  requireParleyOrigin(req, publicUrl);
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !csrfTokenMatches(secretKey, session.token, given)) {
    throw new HttpError(
      403,
      'InvalidCsrfToken',
      'Send the X-CSRF-Token header with the csrf_token that GET /api/v2/session returns',
    );
  }
}
