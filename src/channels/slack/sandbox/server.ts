/**
 * The built-in Slack sandbox over HTTP: the Web API subset Parley uses (`/api/{method}`), the
 * external upload URL, authenticated file downloads, the OAuth authorize page, the control API
 * for tests, and the /sandbox page where a person chats as a Slack user.
 *
 * `registerSandbox` mounts it on the host's Fastify app; `startSandboxServer` runs it alone.
 * Body parsing is this plugin's own (raw buffers parsed per content type), so the host app's
 * JSON parser and error handler are untouched.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { redactUrl } from '../../../log.ts';
import { checkControlRequest, clientPermitted } from './access.ts';
import { jsonTextTooDeep } from '../../../json-depth.ts';
import { avatarPng, initialsOf } from './avatar.ts';
import { MultipartError, boundaryOf, parseMultipart } from './multipart.ts';
import { authorizePage, errorPage, loginPage, pendingApprovalPage, sandboxPage } from './page.ts';
import {
  ControlError,
  type Fault,
  type SandboxOptions,
  SlackSandbox,
  normalizePrefix,
} from './sandbox.ts';
import { SlackRateLimited } from './ratelimit.ts';
import { AVATAR_SIZES, avatarUrl } from './shapes.ts';
import { Args, type ArgValue, callMethod } from './webapi.ts';
import {
  ACCOUNT_USER_ID,
  BOT_USER_ID,
  type Identity,
  SlackApiError,
  type StoredFile,
} from './workspace.ts';

export type { SandboxOptions } from './sandbox.ts';
export { sandboxAppToken } from './sandbox.ts';
export type Sandbox = SlackSandbox;

const SAFE_INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

// ---- request parsing ----------------------------------------------------------------------

function bodyBuffer(req: FastifyRequest): Buffer | null {
  return Buffer.isBuffer(req.body) && req.body.length ? req.body : null;
}

function queryRecord(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const q = req.query as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(q ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v.at(-1) === 'string') out[k] = v.at(-1) as string;
  }
  return out;
}

/** Web API arguments: query string plus a form, multipart or JSON body. */
function webApiArgs(req: FastifyRequest): Record<string, ArgValue> {
  const out: Record<string, ArgValue> = { ...queryRecord(req) };
  const body = bodyBuffer(req);
  if (!body) return out;
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('application/json')) {
    const text = body.toString('utf8');
    // Too deep to store or forward safely (see json-depth.ts): refused like bad JSON.
    if (jsonTextTooDeep(text)) throw new SlackApiError('invalid_json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SlackApiError('json_not_object');
    }
    return { ...out, ...(parsed as Record<string, ArgValue>) };
  }
  const boundary = boundaryOf(req.headers['content-type']);
  if (boundary) {
    try {
      for (const part of parseMultipart(body, boundary)) {
        out[part.name] = part.filename !== undefined ? part.data : part.data.toString('utf8');
      }
    } catch (err) {
      if (err instanceof MultipartError) throw new SlackApiError('invalid_form_data');
      throw err;
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) out[k] = v;
  return out;
}

function credentials(req: FastifyRequest): {
  bearer: string | null;
  basic: { id: string; secret: string } | null;
} {
  const h = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(h);
  if (bearer) return { bearer: bearer[1], basic: null };
  const basic = /^Basic\s+(\S+)$/i.exec(h);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        bearer: null,
        basic: { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) },
      };
    }
  }
  return { bearer: null, basic: null };
}

function jsonBody(req: FastifyRequest): unknown {
  const body = bodyBuffer(req);
  if (!body) return {};
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  const text = body.toString('utf8');
  if (jsonTextTooDeep(text)) {
    throw new ControlError(400, 'invalid_json', 'The body nests deeper than is accepted');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlError(400, 'invalid_json', 'The body is not valid JSON');
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const res = schema.safeParse(value);
  if (!res.success) {
    throw new ControlError(
      400,
      'invalid_arguments',
      res.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return res.data;
}

// ---- control schemas ----------------------------------------------------------------------

const identity = z.enum(['bot', 'account']);
const slackTs = z.string().regex(/^\d{1,12}\.\d{1,6}$/, 'must be a Slack ts');
const id = z.string().regex(/^[A-Z][A-Z0-9]{1,30}$/, 'must be a Slack id');

const sendSchema = z.object({
  user: id,
  text: z.string().max(40_000).optional(),
  files: z
    .array(
      z.object({
        name: z.string().min(1).max(255),
        mimetype: z.string().max(255).optional(),
        content_base64: z.string(),
      }),
    )
    .max(10)
    .optional(),
  thread_ts: slackTs.optional(),
  channel_type: z.enum(['im', 'mpim', 'channel']).optional(),
  to: identity.optional(),
});
const editSchema = z.object({ channel: id, ts: slackTs, text: z.string().min(1).max(40_000) });
const deleteSchema = z.object({ channel: id, ts: slackTs });
const eventsSchema = z.union([
  z.object({
    event: z.record(z.string(), z.unknown()).refine((e) => typeof e.type === 'string', {
      message: 'event.type is required',
    }),
    to: identity.optional(),
  }),
  z.object({ payload: z.record(z.string(), z.unknown()) }),
]);
const faultSchema = z.object({
  method: z.string().min(1).max(100),
  kind: z.enum(['rate_limited', 'server_error', 'slow', 'error']),
  times: z.number().int().min(1).max(10_000).default(1),
  retry_after: z.number().int().min(0).max(3600).optional(),
  status: z.number().int().min(500).max(599).optional(),
  delay_ms: z.number().int().min(0).max(120_000).optional(),
  error: z.string().min(1).max(100).optional(),
});
const rateLimitSchema = z.union([
  z.object({
    interval_ms: z.number().int().min(1).max(3_600_000),
    burst: z.number().int().min(1).max(1000),
  }),
  z.object({ off: z.literal(true) }),
]);
const revokeSchema = z
  .object({ token: z.string().min(1).optional(), user: id.optional() })
  .refine((v) => !!v.token || !!v.user, { message: 'token or user is required' });
const userSchema = z.object({
  id: z.string().regex(/^[UW][A-Z0-9]{1,30}$/, 'must be a user id (U…)'),
  name: z.string().min(1).max(100),
  email: z.string().email().max(254).nullable().optional(),
  team: z
    .string()
    .regex(/^T[A-Z0-9]{1,30}$/, 'must be a team id (T…)')
    .optional(),
  deleted: z.boolean().optional(),
});
const approvalSchema = z.object({ on: z.boolean().default(true) });
const socketModeSchema = z.object({
  on: z.boolean().default(true),
  drop_acks: z.number().int().min(0).max(100).optional(),
});
const approveSchema = z.object({ request_id: z.string().optional() });
const conversationQuery = z.object({
  user: id,
  to: identity.optional(),
  channel_type: z.enum(['im', 'mpim', 'channel']).optional(),
});
const installSchema = z.object({
  mode: identity.default('bot'),
  scopes: z.array(z.string().min(1)).optional(),
});

// ---- the plugin ---------------------------------------------------------------------------

function sendFile(reply: FastifyReply, file: StoredFile, bytes: Buffer, download: boolean) {
  const inline = !download && SAFE_INLINE.has(file.mimetype);
  const encoded = encodeURIComponent(file.name);
  // Uploaded bytes are served from the host's origin: never let them run as a page there.
  return reply
    .header('content-type', file.mimetype)
    .header('content-length', bytes.length)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header(
      'content-disposition',
      `${inline ? 'inline' : 'attachment'}; filename="${file.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encoded}`,
    )
    .send(bytes);
}

function html(reply: FastifyReply, body: string, status = 200) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

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

const avatarCache = new Map<string, Buffer>();

async function routes(app: FastifyInstance, sb: SlackSandbox): Promise<void> {
  const ws = sb.workspace;
  const bodyLimit = Math.ceil(sb.maxFileBytes * 1.4) + 1024 * 1024;

  // Everything arrives as a Buffer and is parsed per route: the Web API takes form,
  // multipart and JSON bodies, and the upload URL takes raw bytes of any type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler(
    (err: { statusCode?: number; code?: string; message?: string }, req, reply) => {
      if (err instanceof ControlError) {
        return reply.status(err.status).send({ ok: false, error: err.error, message: err.message });
      }
      if (err instanceof SlackApiError) {
        return reply.status(400).send({ ok: false, error: err.error, ...err.extra });
      }
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.status(413).send({ ok: false, error: 'request_too_large' });
      }
      if (err.statusCode && err.statusCode < 500) {
        return reply.status(err.statusCode).send({ ok: false, error: 'invalid_request' });
      }
      sb.logger.error({ err, url: redactUrl(req.url) }, 'Slack sandbox request failed');
      return reply.status(500).send({ ok: false, error: 'internal_error' });
    },
  );
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send({ ok: false, error: 'not_found' }),
  );

  const hostNames = (sb.options.hostNames ?? []).map((h) => h.toLowerCase());
  // A closed sandbox does not exist for other machines: the same 404 as an unknown path.
  app.addHook('onRequest', async (req, reply) => {
    const permitted = clientPermitted(
      { remoteAddress: req.socket.remoteAddress, headers: req.headers },
      { open: sb.options.open === true, hostNames },
    );
    if (!permitted) return reply.status(404).send({ ok: false, error: 'not_found' });
  });
  // The control API and the page's own JSON calls read every DM and act as anyone in the
  // workspace. The page's file links are navigations and cannot carry a header.
  const guarded = /^\/(control|ui)\//;
  app.addHook('onRequest', async (req, reply) => {
    const path = (req.routeOptions.url ?? '').slice(sb.prefix.length);
    if (!guarded.test(path) || path.startsWith('/ui/files/')) return;
    const refused = checkControlRequest(req, sb.controlSecret);
    if (refused) {
      return reply
        .status(refused.status)
        .send({ ok: false, error: refused.error, message: refused.message });
    }
  });

  // ---- Web API ----------------------------------------------------------------------------

  app.route({
    method: ['GET', 'POST'],
    url: '/api/:method',
    handler: async (req, reply) => {
      const method = (req.params as { method: string }).method;
      let args: Record<string, ArgValue>;
      try {
        args = webApiArgs(req);
      } catch (err) {
        if (err instanceof SlackApiError) return { ok: false, error: err.error };
        throw err;
      }
      const call = sb.recordCall(method, args);
      await sb.held(method);
      const fault = sb.takeFault(method);
      if (fault) {
        call.fault = fault.kind;
        const answered = await applyFault(fault, reply);
        if (answered) return reply;
      }
      try {
        return await callMethod(sb, method, new Args(args), credentials(req));
      } catch (err) {
        if (err instanceof SlackApiError) return { ok: false, error: err.error, ...err.extra };
        if (err instanceof SlackRateLimited) {
          call.ratelimited = true;
          return reply
            .status(429)
            .header('retry-after', String(err.retryAfterSeconds))
            .send({ ok: false, error: 'ratelimited' });
        }
        throw err;
      }
    },
  });

  async function applyFault(fault: Fault, reply: FastifyReply): Promise<boolean> {
    switch (fault.kind) {
      case 'rate_limited':
        await reply
          .status(429)
          .header('retry-after', String(fault.retry_after ?? 1))
          .send({ ok: false, error: 'ratelimited' });
        return true;
      case 'server_error': {
        const status = fault.status ?? 500;
        await reply
          .status(status)
          .send({ ok: false, error: status === 503 ? 'service_unavailable' : 'internal_error' });
        return true;
      }
      case 'error':
        await reply.status(200).send({ ok: false, error: fault.error ?? 'internal_error' });
        return true;
      case 'slow':
        await new Promise((r) => setTimeout(r, fault.delay_ms ?? 5000));
        return false;
    }
  }

  // Socket Mode connections arrive as HTTP upgrades (see attachSocketMode); a plain request
  // to the URL is answered the way a WebSocket endpoint answers one.
  app.get('/socket', async (_req, reply) =>
    reply.status(426).header('upgrade', 'websocket').send({ ok: false, error: 'upgrade_required' }),
  );

  // ---- file upload URL and downloads ------------------------------------------------------

  app.post('/upload/:uploadId', async (req, reply) => {
    const file = ws.fileByUploadId((req.params as { uploadId: string }).uploadId);
    if (!file) return reply.status(404).header('content-type', 'text/plain').send('Not Found');
    const body = bodyBuffer(req) ?? Buffer.alloc(0);
    let bytes = body;
    const boundary = boundaryOf(req.headers['content-type']);
    if (boundary) {
      let parts;
      try {
        parts = parseMultipart(body, boundary);
      } catch {
        return reply.status(400).header('content-type', 'text/plain').send('Bad multipart body');
      }
      const part =
        parts.find((p) => p.filename !== undefined) ??
        parts.find((p) => p.name === 'file' || p.name === 'body') ??
        parts[0];
      bytes = part ? Buffer.from(part.data) : Buffer.alloc(0);
    }
    if (bytes.length > sb.maxFileBytes) {
      return reply.status(413).header('content-type', 'text/plain').send('Too large');
    }
    ws.storeUpload(file, Buffer.from(bytes));
    return reply.header('content-type', 'text/plain; charset=utf-8').send(`OK - ${bytes.length}`);
  });

  // Like files.slack.com: bytes for a token that can see the file, a login page otherwise.
  app.get('/files/:fileId/*', async (req, reply) => {
    const { fileId } = req.params as { fileId: string; '*': string };
    const rest = (req.params as { '*': string })['*'] ?? '';
    const bearer = credentials(req).bearer;
    let viewer: string | null = null;
    if (bearer) {
      try {
        viewer = ws.authenticate(bearer).user.id;
      } catch {
        viewer = null;
      }
    }
    const file = ws.file(fileId);
    if (!viewer) return html(reply, loginPage(sb));
    const bytes = file && ws.blobs.get(file.id);
    if (!file || !bytes || !ws.canSeeFile(file, viewer)) {
      return html(
        reply,
        errorPage('File not found', 'This file does not exist or you cannot see it.'),
        404,
      );
    }
    return sendFile(reply, file, bytes, rest.startsWith('download/'));
  });

  // The page's own download links: the simulated person needs no token.
  app.get('/ui/files/:fileId', async (req, reply) => {
    const file = ws.file((req.params as { fileId: string }).fileId);
    const bytes = file && ws.blobs.get(file.id);
    if (!file || !bytes) return reply.status(404).send({ ok: false, error: 'file_not_found' });
    return sendFile(reply, file, bytes, false);
  });

  app.get('/avatars/:who/:size', async (req, reply) => {
    const { who, size } = req.params as { who: string; size: string };
    const px = Number(size.replace(/\.png$/, ''));
    if (!AVATAR_SIZES.includes(px as (typeof AVATAR_SIZES)[number])) {
      return reply.status(404).send({ ok: false, error: 'not_found' });
    }
    const user = ws.user(who);
    const team = ws.team(who);
    const bot = ws.bot(who);
    const name = user?.real_name ?? team?.name ?? bot?.name;
    if (!name) return reply.status(404).send({ ok: false, error: 'not_found' });
    const color = user?.color ?? (team ? '611f69' : '1d9bd1');
    const key = `${who}:${px}:${name}:${color}`;
    let png = avatarCache.get(key);
    if (!png) {
      png = avatarPng(initialsOf(name), color, px);
      if (avatarCache.size > 500) avatarCache.clear();
      avatarCache.set(key, png);
    }
    return reply
      .header('content-type', 'image/png')
      .header('cache-control', 'public, max-age=3600')
      .send(png);
  });

  // chat.getPermalink targets: open the page on the person in that conversation.
  app.get('/archives/:channel/:message', async (req, reply) => {
    const conv = ws.conversation((req.params as { channel: string }).channel);
    const person = conv?.members.find((m) => m !== BOT_USER_ID && m !== ACCOUNT_USER_ID);
    const to = conv?.members.includes(BOT_USER_ID) ? 'bot' : 'account';
    const target = person
      ? `${sb.prefix}/?user=${encodeURIComponent(person)}&to=${to}`
      : `${sb.prefix}/`;
    return reply.redirect(target, 302);
  });

  // ---- OAuth ------------------------------------------------------------------------------

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

  // ---- control API ------------------------------------------------------------------------

  app.post('/control/messages', async (req) => sb.sendMessage(parse(sendSchema, jsonBody(req))));
  app.post('/control/edit', async (req) => sb.editMessage(parse(editSchema, jsonBody(req))));
  app.post('/control/delete', async (req) => sb.deleteMessage(parse(deleteSchema, jsonBody(req))));
  app.post('/control/events', async (req) => {
    const body = parse(eventsSchema, jsonBody(req));
    if ('payload' in body) return sb.sendPayload(body.payload);
    return sb.sendEvent(body.event, body.to);
  });
  app.post('/control/url-verification', async () => sb.verifyUrl());
  app.get('/control/conversation', async (req) => {
    const q = parse(conversationQuery, queryRecord(req));
    return sb.conversationView(q.user, q.to, q.channel_type);
  });
  app.get('/control/calls', async (req) => {
    const method = queryRecord(req).method;
    return method ? sb.calls.filter((c) => c.method === method) : sb.calls;
  });
  app.post('/control/calls/clear', async () => {
    sb.calls.length = 0;
    return { ok: true };
  });
  app.get('/control/deliveries', async (req) => ({
    deliveries: sb.deliveries(queryRecord(req).event_id),
    socket_deliveries: sb.socketDeliveries(queryRecord(req).event_id),
  }));
  app.post('/control/socket-mode', async (req) => {
    const { on, drop_acks } = parse(socketModeSchema, jsonBody(req));
    sb.setSocketMode(on);
    if (drop_acks !== undefined) sb.dropSocketAcks(drop_acks);
    return { ok: true, on, connections: sb.socketConnections };
  });
  app.post('/control/socket-mode/reconnect', async () => ({
    ok: true,
    disconnected: sb.requestSocketReconnect(),
  }));
  app.post('/control/faults', async (req) => {
    sb.addFault(parse(faultSchema, jsonBody(req)));
    return { ok: true, faults: sb.faults };
  });
  // chat.postMessage's per-channel limit: `{interval_ms, burst}`, or `{off: true}`.
  app.get('/control/rate-limit', async () => {
    const l = sb.postLimiter.limit;
    return l ? { interval_ms: l.intervalMs, burst: l.burst } : { off: true };
  });
  app.post('/control/rate-limit', async (req) => {
    const input = parse(rateLimitSchema, jsonBody(req));
    sb.postLimiter.reset(
      'off' in input ? null : { intervalMs: input.interval_ms, burst: input.burst },
    );
    return { ok: true };
  });
  app.post('/control/faults/clear', async () => {
    sb.clearFaults();
    return { ok: true };
  });
  app.post('/control/revoke', async (req) => {
    const target = parse(revokeSchema, jsonBody(req));
    const out = await sb.revoke(target);
    return { ok: true, ...out };
  });
  app.post('/control/users', async (req) => {
    const user = sb.addUser(parse(userSchema, jsonBody(req)));
    return {
      ok: true,
      user: { id: user.id, name: user.real_name, team_id: user.team_id, deleted: user.deleted },
    };
  });
  app.post('/control/require-approval', async (req) => {
    const { on } = parse(approvalSchema, jsonBody(req));
    sb.setRequireApproval(on);
    return { ok: true, required: on };
  });
  app.post('/control/approve', async (req) => {
    const { request_id } = parse(approveSchema, jsonBody(req));
    return sb.approve(request_id);
  });
  app.post('/control/install', async (req) => {
    const { mode, scopes } = parse(installSchema, jsonBody(req));
    return sb.install(mode, scopes);
  });
  app.post('/control/reset', async () => {
    sb.reset();
    return { ok: true };
  });

  // ---- the /sandbox page ------------------------------------------------------------------

  // The page holds the control secret: never kept by a cache.
  app.get('/', async (_req, reply) =>
    html(reply.header('cache-control', 'no-store'), sandboxPage(sb)),
  );

  app.get('/ui/state', async () => {
    const people = ws.state.users.filter(
      (u) => !u.is_bot && !u.deleted && u.id !== ACCOUNT_USER_ID,
    );
    return {
      app: sb.appName,
      team: { id: ws.homeTeam.id, name: ws.homeTeam.name },
      installed: { bot: !!ws.state.installs.bot, account: !!ws.state.installs.account },
      default_to: ws.defaultIdentity(),
      pending_approvals: ws.state.approval.pending.length,
      people: people.map((u) => ({
        id: u.id,
        name: u.real_name,
        team: ws.team(u.team_id)?.name ?? u.team_id,
        external: ws.isExternal(u.id),
        avatar: avatarUrl(sb.urls, u.id, 72),
      })),
    };
  });

  app.get('/ui/conversation', async (req) => {
    const q = parse(conversationQuery, queryRecord(req));
    const to: Identity = q.to ?? ws.defaultIdentity();
    const view = sb.conversationView(q.user, to);
    const identityUser = ws.user(ws.identityUserId(to))!;
    const name = (userId: string | undefined, username?: string) => {
      if (username) return username;
      const u = userId ? ws.user(userId) : undefined;
      return u ? u.display_name || u.real_name : (userId ?? 'unknown');
    };
    const users: Record<string, string> = {};
    for (const u of ws.state.users) users[u.id] = u.display_name || u.real_name;
    return {
      channel: view.channel,
      me: q.user,
      identity: {
        id: identityUser.id,
        name: identityUser.is_bot ? sb.appName : identityUser.real_name,
        is_bot: identityUser.is_bot,
        avatar: avatarUrl(sb.urls, identityUser.id, 72),
      },
      users,
      messages: view.messages.map((m) => ({
        ...m,
        name: name(m.user, m.username),
        is_bot: !!m.bot_id,
        avatar: avatarUrl(sb.urls, m.user ?? m.bot_id ?? 'unknown', 72),
        own: m.user === q.user,
        files: m.files?.map((f) => ({ ...f, url: `${sb.prefix}/ui/files/${f.id}` })),
      })),
    };
  });

  app.post('/ui/send', async (req) => {
    const sent = await sb.sendMessage(parse(sendSchema, jsonBody(req)));
    return { ok: true, ...sent };
  });
  app.post('/ui/edit', async (req) => ({
    ok: true,
    ...(await sb.editMessage(parse(editSchema, jsonBody(req)))),
  }));
  app.post('/ui/delete', async (req) => ({
    ok: true,
    ...(await sb.deleteMessage(parse(deleteSchema, jsonBody(req)))),
  }));
}

/**
 * Mounts the sandbox on an existing Fastify app under `opts.prefix` (default `/sandbox`).
 * Closing the app closes the sandbox (pending retries stop, state is flushed).
 */
export async function registerSandbox(
  app: FastifyInstance,
  opts: SandboxOptions,
): Promise<Sandbox> {
  const sb = new SlackSandbox(opts);
  const detach = attachSocketMode(app.server, sb);
  await app.register(
    async (instance) => {
      instance.addHook('onClose', async () => {
        detach();
        await sb.close();
      });
      await routes(instance, sb);
    },
    { prefix: normalizePrefix(opts.prefix ?? '/sandbox') },
  );
  return sb;
}

/**
 * Socket Mode's WebSocket endpoint, `{prefix}/socket`: Fastify routes plain requests only, so
 * the sandbox takes its upgrades straight from the host's HTTP server.
 */
function attachSocketMode(server: Server, sb: SlackSandbox): () => void {
  const path = `${sb.prefix}/socket`;
  const hostNames = (sb.options.hostNames ?? []).map((h) => h.toLowerCase());
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const notFound = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
    if (url.pathname !== path) {
      // An upgrade nobody else listens for would otherwise hang until the client gives up.
      if (server.listenerCount('upgrade') === 1) socket.end(notFound);
      return;
    }
    const permitted = clientPermitted(
      { remoteAddress: req.socket.remoteAddress, headers: req.headers },
      { open: sb.options.open === true, hostNames },
    );
    if (!permitted) {
      socket.end(notFound);
      return;
    }
    sb.acceptSocket(req, socket, head, url.searchParams.get('ticket'));
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
  };
}

export interface StandaloneOptions extends Omit<SandboxOptions, 'publicUrl'> {
  /** Defaults to the address it listens on. */
  publicUrl?: string;
  port?: number;
  host?: string;
}

/** Runs the sandbox alone on 127.0.0.1 (port 0 picks a free port). */
export async function startSandboxServer(
  opts: StandaloneOptions,
): Promise<{ url: string; sandbox: Sandbox; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  const sandbox = await registerSandbox(app, {
    ...opts,
    publicUrl: opts.publicUrl ?? 'http://127.0.0.1',
  });
  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const url = (opts.publicUrl ?? address).replace(/\/+$/, '');
  sandbox.setUrls({ publicUrl: url });
  return {
    url,
    sandbox,
    async close() {
      await sandbox.close();
      await app.close();
    },
  };
}
