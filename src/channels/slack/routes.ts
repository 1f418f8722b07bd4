import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../desk/errors.ts';
import { parseJson } from '../../desk/time.ts';
import { jsonTextTooDeep } from '../../json-depth.ts';
import type { ChannelSignIn } from '../channel.ts';
import type { SlackRuntime } from './runtime.ts';
import { finisherOf, installerOf, SignInRequiredError } from './install-credential.ts';
import { installQuery, oauthRedirectQuery } from './query-schemas.ts';
import { beginInstall, completeInstall, InstallError, type Installer } from './install.ts';
import { SlackSignatureError, verifySlackSignature } from './verify.ts';
import {
  type PageLanguage,
  pageLanguage,
  pageT,
  waitSeconds,
} from '../../http/shared/page-language.ts';

/** The agent workspace's page for Slack channels (web/src/admin/). */
const ADMIN_PAGE = '/admin/channels/slack';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page's words in `lang`, as plain text (resultPage escapes them). */
function words(lang: PageLanguage) {
  const t = pageT(lang);
  return (key: string, values: Record<string, unknown> = {}): string =>
    t(key, { ...values, interpolation: { escapeValue: false } });
}

/** The small pages an admin's browser lands on during a Slack install, in its language. */
function resultPage(
  lang: PageLanguage,
  title: string,
  message: string,
  ok: boolean,
  action?: { href: string; label: string },
): string {
  const next = action
    ? `<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>`
    : '';
  const w = words(lang);
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(w('page.title', { title }))}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d1c1d;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px #0001;padding:32px 40px;max-width:520px}
h1{font-size:22px;margin:0 0 12px;color:${ok ? '#007a5a' : '#b42318'}}a{color:#1264a3}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${next}<p><a href="/">${escapeHtml(w('slack.back'))}</a></p></main></body></html>`;
}

/** The install doors' answer to a browser that sent too many requests (a 429). */
const tooManyRequestsPage = (retryAfterSeconds: number, lang: PageLanguage) => {
  const w = words(lang);
  return resultPage(
    lang,
    w('slack.tooManyTitle'),
    w('slack.tooMany', { wait: waitSeconds(lang, retryAfterSeconds) }),
    false,
    { href: ADMIN_PAGE, label: w('slack.backToChannels') },
  );
};

/**
 * Why an install was refused, in `lang`. English keeps the refusal's own message, which names
 * the connection and the workspaces; other languages say it by its reason.
 */
function refusal(lang: PageLanguage, err: InstallError): string {
  if (lang === 'en') return err.message;
  const w = words(lang);
  if (err.reason === 'slack_refused' && err.slackError && /^\w{1,80}$/.test(err.slackError)) {
    return w('slack.refusal.slack_refused_code', { code: err.slackError });
  }
  return w(`slack.refusal.${err.reason}`);
}

const envelopeHead = z.object({
  type: z.string(),
  challenge: z.string().optional(),
  event_id: z.string().optional(),
  team_id: z.string().optional(),
  event: z
    .object({ type: z.string(), channel: z.string().optional(), item: z.any().optional() })
    .passthrough()
    .optional(),
  authorizations: z.array(z.object({ team_id: z.string().nullish() }).passthrough()).optional(),
});

/** `/slack/events`, `/slack/install/:id`, `/slack/oauth_redirect`: Slack's doors into Parley. */
export function slackPublicRoutes(
  app: FastifyInstance,
  slack: SlackRuntime,
  signIn: ChannelSignIn,
): void {
  const { ctx } = slack;

  void app.register(async (scope) => {
    // The signature covers the raw bytes, so this scope keeps bodies as strings.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: 1024 * 1024 },
      (_req, body, done) => done(null, body),
    );

    scope.post('/slack/events', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const apps = await ctx.apps();
      let appIndex: number;
      try {
        appIndex = verifySlackSignature({
          secrets: apps.map((a) => a.signingSecret),
          rawBody: raw,
          timestamp: req.headers['x-slack-request-timestamp'] as string | undefined,
          signature: req.headers['x-slack-signature'] as string | undefined,
        });
      } catch (err) {
        if (!(err instanceof SlackSignatureError)) throw err;
        req.log.warn({ reason: err.message }, 'slack request refused');
        return reply.status(401).send({ error: 'InvalidSignature', description: err.message });
      }
      if (jsonTextTooDeep(raw)) {
        // Signed, so from Slack, yet nothing Parley could process; acked so that Slack does
        // not retry it (and count failures against the app) for an event that cannot change.
        req.log.warn('slack event ignored: its JSON nests deeper than Parley accepts');
        return reply.status(200).send();
      }
      const parsed = envelopeHead.safeParse(parseJson(raw, null));
      if (!parsed.success) {
        return reply
          .status(400)
          .send({ error: 'BadRequest', description: 'not a Slack Events API payload' });
      }
      const body = parsed.data;
      if (body.type === 'url_verification') return { challenge: body.challenge ?? '' };
      if (body.type === 'app_rate_limited') {
        req.log.warn({ payload: body }, 'Slack rate-limited event deliveries for this app');
        return reply.status(200).send();
      }
      if (body.type !== 'event_callback' || !body.event_id) return reply.status(200).send();
      await slack.inbox.add({
        eventId: body.event_id,
        appId: apps[appIndex]!.id, // the index of the secret that verified the request
        teamId: body.authorizations?.[0]?.team_id ?? body.team_id ?? null,
        conversationKey: body.event?.channel ?? null,
        payload: raw,
      });
      return reply.status(200).send();
    });
  });

  const installParams = z.object({ id: z.string().regex(/^\d{1,15}$/) });
  /** A result page in the language of `req`'s browser; `title` and `message` are keys. */
  const page = (
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    title: string,
    message: string | ((lang: PageLanguage) => string),
    action?: { href: string; label: string },
  ) => {
    const lang = pageLanguage(req.headers['accept-language']);
    const w = words(lang);
    const text = typeof message === 'string' ? w(message) : message(lang);
    return reply
      .status(status)
      .header('cache-control', 'no-store')
      .header('content-language', lang)
      .type('text/html; charset=utf-8')
      .send(
        resultPage(
          lang,
          w(title),
          text,
          status < 400,
          action && { ...action, label: w(action.label) },
        ),
      );
  };

  /**
   * An admin's browser starts an install here: signed in to Parley (or sending an admin's API
   * credential), it is sent on to Slack with a state bound to that sign-in. Old links with a
   * `k` parameter land here too; `k` no longer grants anything.
   */
  const config = { tooManyRequestsPage };
  app.get('/slack/install/:id', { config }, async (req, reply) => {
    const params = installParams.safeParse(req.params);
    if (!params.success) {
      return page(req, reply, 404, 'slack.notFoundTitle', 'slack.notFound');
    }
    const q = installQuery.parse(req.query ?? {});
    const reauthorize = q.reauthorize === '1' || q.reauthorize === 'true';
    let installer: Installer;
    try {
      installer = await installerOf(ctx.db, req, signIn);
    } catch (err) {
      if (err instanceof SignInRequiredError) {
        return page(req, reply, 401, 'slack.signInTitle', 'slack.signIn');
      }
      if (err instanceof ForbiddenError) {
        return page(req, reply, 403, 'slack.forbiddenTitle', 'slack.forbidden');
      }
      throw err;
    }
    try {
      const started = await beginInstall(ctx, Number(params.data.id), installer, { reauthorize });
      return reply.header('cache-control', 'no-store').redirect(started.url, 302);
    } catch (err) {
      if (err instanceof InstallError && err.reason === 'already_active') {
        return page(req, reply, 409, 'slack.alreadyTitle', (lang) => refusal(lang, err), {
          href: `/slack/install/${params.data.id}?reauthorize=1`,
          label: 'slack.reauthorize',
        });
      }
      if (err instanceof InstallError) {
        return page(req, reply, 400, 'slack.cannotStartTitle', (lang) => refusal(lang, err));
      }
      if (err instanceof NotFoundError) {
        return page(req, reply, 404, 'slack.goneTitle', 'slack.gone');
      }
      throw err;
    }
  });

  app.get('/slack/oauth_redirect', { config }, async (req, reply) => {
    const q = oauthRedirectQuery.parse(req.query ?? {});
    const str = (v: unknown) => (typeof v === 'string' && v.length <= 2000 ? v : undefined);
    // Slack sends the admin's browser back here: it lands on the admin's Slack channel page,
    // which tells how the install went in the admin's language. Other clients (scripts that
    // follow the redirect themselves) keep the small result pages below.
    const browser = /\btext\/html\b/.test(req.headers.accept ?? '');
    const toAdminPage = (params: Record<string, string | number | null>) => {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== null) search.set(k, String(v));
      return reply.header('cache-control', 'no-store').redirect(`${ADMIN_PAGE}?${search}`, 303);
    };
    try {
      const done = await completeInstall(
        ctx,
        { code: str(q.code), state: str(q.state), error: str(q.error) },
        await finisherOf(req, signIn),
      );
      if (browser) return toAdminPage({ installed: done.connectionId });
      return page(req, reply, 200, 'slack.connectedTitle', (lang) =>
        done.teamName
          ? words(lang)('slack.connectedIn', { team: done.teamName })
          : words(lang)('slack.connected'),
      );
    } catch (err) {
      if (err instanceof InstallError) {
        if (browser) {
          return toAdminPage({
            install_failed: err.reason,
            connection: err.connectionId,
            slack_error:
              err.slackError && /^\w{1,80}$/.test(err.slackError) ? err.slackError : null,
          });
        }
        const status = err.reason === 'not_bound' ? 403 : 400;
        return page(req, reply, status, 'slack.notConnectedTitle', (lang) => refusal(lang, err));
      }
      if (err instanceof NotFoundError) {
        if (browser) return toAdminPage({ install_failed: 'not_found' });
        return page(req, reply, 404, 'slack.goneTitle', 'slack.gone');
      }
      throw err;
    }
  });
}
