import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { anyAdminExists, createFirstAdmin } from '../desk/create-first-admin.ts';
import { ValidationError } from '../desk/errors.ts';
import { hashPassword } from '../desk/passwords.ts';
import { clearSetupCodes, setupCodeIsValid } from '../desk/setup-codes.ts';
import { nowIso } from '../desk/time.ts';
import type { Services } from './context.ts';
import { fromParleyOrigin } from './csrf.ts';
import { detailsFromZod, HttpError } from './shared/errors.ts';
import { type PageLanguage, pageLanguage, pageT, waitSeconds } from './shared/page-language.ts';
import { createSession, sessionPolicy, setSessionCookie } from './sessions.ts';

const ENTER_CODE = 'Enter the setup code printed in the console where Parley started';

const setupInput = z.object({
  setup_code: z.string({ error: ENTER_CODE }).trim().min(1, ENTER_CODE).max(100),
  name: z.string().trim().min(1, 'Enter your name').max(255),
  email: z.string().trim().toLowerCase().email('Enter a valid email address').max(255),
  password: z.string().min(8, 'The password must be at least 8 characters').max(1024),
});

type SetupValues = { name?: unknown; email?: unknown };

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1d1d1f}
label{display:block;margin-top:1rem;font-weight:600}
input{display:block;width:100%;box-sizing:border-box;padding:.5rem;font:inherit;margin-top:.25rem}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;cursor:pointer}
.errors{background:#fdecea;border:1px solid #f5c2c0;padding:.5rem 1rem;border-radius:4px}
code{background:#f2f2f2;padding:0 .25rem}`;

function page(lang: PageLanguage, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${pageT(lang)('page.title', { title })}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

function setupForm(lang: PageLanguage, values: SetupValues = {}, errors: string[] = []): string {
  const t = pageT(lang);
  const list = errors.length
    ? `<div class="errors" role="alert"><ul>${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></div>`
    : '';
  return page(
    lang,
    t('setup.title'),
    `<h1>${t('setup.heading')}</h1>
<p>${t('setup.intro')}</p>
${list}
<form method="post" action="/setup">
<label>${t('setup.code')}<input name="setup_code" autocomplete="off" spellcheck="false" required maxlength="100"></label>
<p><small>${t('setup.codeHint')}</small></p>
<label>${t('setup.name')}<input name="name" autocomplete="name" required maxlength="255" value="${escapeHtml(values.name)}"></label>
<label>${t('setup.email')}<input name="email" type="email" autocomplete="email" required maxlength="255" value="${escapeHtml(values.email)}"></label>
<label>${t('setup.password')}<input name="password" type="password" autocomplete="new-password" required minlength="8"></label>
<button type="submit">${t('setup.submit')}</button>
</form>`,
  );
}

/** The form's own words for what is wrong with a field (the JSON API keeps zod's English). */
function formErrors(lang: PageLanguage, fields: PropertyKey[]): string[] {
  const t = pageT(lang);
  const known = ['setup_code', 'name', 'email', 'password'];
  return [...new Set(fields.map(String))]
    .filter((f) => known.includes(f))
    .map((f) => t(`setup.errors.${f}`, { interpolation: { escapeValue: false } }));
}

export function homePage(lang: PageLanguage, needsSetup: boolean): string {
  const t = pageT(lang);
  const next = needsSetup ? t('home.needsSetup') : t('home.api');
  return page(lang, t('home.title'), `<h1>${t('home.heading')}</h1>\n<p>${next}</p>`);
}

/** The language of the page answering `req` (its browser's Accept-Language). */
export function requestLanguage(req: FastifyRequest): PageLanguage {
  return pageLanguage(req.headers['accept-language']);
}

export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return (
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      // The setup form handles a password: no framing, no scripts, posts only to ourselves.
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      )
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-store')
      .send(html)
  );
}

const WRONG_CODE =
  'The setup code is not right, or has expired. Use the one printed where Parley last started.';

function foreignOriginPage(lang: PageLanguage): string {
  const t = pageT(lang);
  return page(
    lang,
    t('setup.refusedTitle'),
    `<h1>${t('setup.refusedHeading')}</h1>\n<p>${t('setup.refused')}</p>`,
  );
}

/** The setup doors' answer to a browser that sent too many requests (rate-limits.ts). */
export function tooManyRequestsPage(retryAfterSeconds: number, lang: PageLanguage): string {
  const t = pageT(lang);
  return page(
    lang,
    t('setup.tooManyTitle'),
    `<h1>${t('setup.tooManyTitle')}</h1>\n<p>${t('setup.tooMany', { wait: waitSeconds(lang, retryAfterSeconds) })}</p>`,
  );
}

function isForm(req: FastifyRequest): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

/**
 * The first-run door: `/setup` creates the first administrator and signs them in, then
 * disappears (404) for good. `/` itself belongs to the web app (web-app.ts), which shows the
 * server's own "Parley is running" page while no administrator exists.
 */
export function setupPages(svc: Services) {
  return async (scope: FastifyInstance): Promise<void> => {
    // Fastify parses only JSON by itself; HTML forms post urlencoded bodies.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    const config = { tooManyRequestsPage };
    scope.get('/setup', { config }, async (req, reply) => {
      if (await anyAdminExists(svc.db)) return reply.callNotFound();
      return sendHtml(reply, 200, setupForm(requestLanguage(req)));
    });

    scope.post('/setup', { config }, async (req, reply) => {
      // Another site's page must not submit this form in an operator's browser. The setup code
      // is the form's CSRF token: no other page can know it.
      if (!fromParleyOrigin(req, svc.config.publicUrl)) {
        if (isForm(req)) return sendHtml(reply, 403, foreignOriginPage(requestLanguage(req)));
        throw new HttpError(403, 'Forbidden', 'Requests from other sites are refused');
      }
      if (await anyAdminExists(svc.db)) return reply.callNotFound();
      const body = (req.body ?? {}) as SetupValues;
      const parsed = setupInput.safeParse(body);
      if (!parsed.success) {
        if (!isForm(req)) throw new ValidationError(detailsFromZod(parsed.error));
        const fields = parsed.error.issues.map((i) => i.path[0] ?? '');
        const lang = requestLanguage(req);
        return sendHtml(reply, 422, setupForm(lang, body, formErrors(lang, fields)));
      }
      const { name, email, password, setup_code: code } = parsed.data;
      // Reaching /setup first is not enough: the person must also see Parley's console.
      if (!(await setupCodeIsValid(svc.db, code, new Date()))) {
        req.log.info('setup refused: wrong or expired setup code');
        if (!isForm(req)) throw ValidationError.field('setup_code', `setup_code: ${WRONG_CODE}`);
        const lang = requestLanguage(req);
        const wrong = pageT(lang)('setup.errors.wrongCode', {
          interpolation: { escapeValue: false },
        });
        return sendHtml(reply, 422, setupForm(lang, body, [wrong]));
      }
      let admin;
      try {
        admin = await createFirstAdmin(
          svc.db,
          { name, email, passwordHash: await hashPassword(password) },
          nowIso(),
        );
      } catch (err) {
        // The email may already belong to someone (a requester who wrote in before setup).
        if (err instanceof ValidationError && isForm(req)) {
          const messages = Object.values(err.details)
            .flat()
            .map((d) => d.description);
          return sendHtml(reply, 422, setupForm(requestLanguage(req), body, messages));
        }
        throw err;
      }
      // Someone else finished setup while this request was hashing the password.
      if (!admin) return reply.callNotFound();
      await clearSetupCodes(svc.db);
      const token = await createSession(svc.db, admin.id, new Date(), sessionPolicy(svc.config));
      setSessionCookie(req, reply, svc.config.publicUrl, token);
      return reply.redirect('/', 303);
    });
  };
}
