/**
 * The Web API methods Parley uses, answering like Slack: `{ok:true, …}` or `{ok:false, error}`
 * (slack.md §4). Arguments arrive as strings (form-urlencoded, multipart or query) or as JSON
 * values; `Args` reads both.
 */
import { timingSafeEqual } from 'node:crypto';
import { APP_ID, BOT_ID, type Conversation, SlackApiError, type TokenInfo } from './workspace.ts';
import type { SlackSandbox } from './sandbox.ts';
import { presentConversation, presentMessage, presentTeam, presentUser } from './shapes.ts';
import { type Args, type Method, type Result, required } from './webapi-args.ts';
import { messageMethods } from './webapi-messages.ts';

export { Args, type ArgValue, type MethodContext } from './webapi-args.ts';

const methods: Record<string, Method> = {
  'api.test': ({ args }) => ({
    ok: true,
    args: Object.fromEntries(Object.entries(args.raw).filter(([k]) => k !== 'token')),
  }),

  'auth.test': ({ sb, auth }) => ({
    ok: true,
    url: `${sb.urls.base}/`,
    team: auth.team.name,
    user: auth.user.name,
    team_id: auth.team.id,
    user_id: auth.user.id,
    ...(auth.kind === 'bot' ? { bot_id: BOT_ID } : {}),
    app_id: APP_ID,
    is_enterprise_install: false,
  }),

  'auth.revoke': async ({ sb, auth, args }) => {
    if (args.bool('test')) return { ok: true, revoked: false };
    await sb.revoke({ token: auth.token });
    return { ok: true, revoked: true };
  },

  'users.info': ({ sb, args, auth }) => {
    const user = sb.workspace.user(args.str('user') ?? '');
    if (!user) throw new SlackApiError('user_not_found');
    return {
      ok: true,
      user: presentUser(sb.urls, user, {
        includeLocale: args.bool('include_locale'),
        viewerTeam: auth.team.id,
      }),
    };
  },

  'users.lookupByEmail': ({ sb, args, auth }) => {
    const user = sb.workspace.userByEmail(required(args, 'email'));
    // Strangers cannot be found by email: their address is not shared with this workspace.
    if (!user || user.team_id !== auth.team.id) throw new SlackApiError('users_not_found');
    return { ok: true, user: presentUser(sb.urls, user, { viewerTeam: auth.team.id }) };
  },

  'team.info': ({ sb, args, auth }) => {
    const id = args.str('team') || auth.team.id;
    const team = sb.workspace.team(id);
    if (!team) throw new SlackApiError('team_not_found');
    return { ok: true, team: presentTeam(sb.urls, team) };
  },

  'conversations.open': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const me = auth.user.id;
    const channel = args.str('channel');
    const users = (args.str('users') ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    let conv: Conversation;
    if (channel) {
      conv = ws.visibleConversation(channel, me);
    } else {
      if (!users.length) throw new SlackApiError('users_list_not_supplied');
      if (users.length > 8) throw new SlackApiError('too_many_users');
      for (const id of users) {
        const u = ws.user(id);
        if (!u) throw new SlackApiError('user_not_found');
        if (u.deleted) throw new SlackApiError('user_disabled');
        if (u.is_bot && auth.user.is_bot && id !== me) throw new SlackApiError('cannot_dm_bot');
      }
      const others = users.filter((u) => u !== me);
      if (others.length <= 1) {
        const before = ws.state.conversations.length;
        conv = ws.openIm(me, others[0] ?? me);
        if (ws.state.conversations.length === before) {
          return {
            ok: true,
            no_op: true,
            already_open: true,
            channel: args.bool('return_im') ? presentConversation(ws, conv, me) : { id: conv.id },
          };
        }
      } else {
        conv = ws.openMpim([me, ...others], me);
      }
    }
    return {
      ok: true,
      channel: args.bool('return_im') ? presentConversation(ws, conv, me) : { id: conv.id },
    };
  },

  'conversations.info': ({ sb, args, auth }) => {
    const conv = sb.workspace.visibleConversation(args.str('channel'), auth.user.id);
    return { ok: true, channel: presentConversation(sb.workspace, conv, auth.user.id) };
  },

  'conversations.history': ({ sb, args, auth }) => {
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const inclusive = args.bool('inclusive');
    const oldest = Number(args.str('oldest') ?? '0') || 0;
    const latestArg = args.str('latest');
    const latest = latestArg ? Number(latestArg) : Number.POSITIVE_INFINITY;
    let limit = args.int('limit') ?? 100;
    if (Number.isNaN(limit) || limit < 1) limit = 100;
    limit = Math.min(limit, 999);
    const cursor = args.str('cursor');
    let before = Number.POSITIVE_INFINITY;
    if (cursor) {
      const decoded = Buffer.from(cursor, 'base64').toString('utf8');
      const m = /^next_ts:(\d+\.\d+)$/.exec(decoded);
      if (!m) throw new SlackApiError('invalid_cursor');
      before = Number(m[1]);
    }
    const top = ws
      .messagesIn(conv.id)
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
      .filter((m) => {
        const t = Number(m.ts);
        const afterOldest = inclusive ? t >= oldest : t > oldest;
        const beforeLatest = inclusive ? t <= latest : t < latest;
        return afterOldest && beforeLatest && t < before;
      })
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = top.slice(0, limit);
    const hasMore = top.length > limit;
    const includeMetadata = args.bool('include_all_metadata');
    return {
      ok: true,
      messages: page.map((m) =>
        presentMessage(sb.urls, ws, m, { includeMetadata, stubFiles: ws.isExternal(m.user ?? '') }),
      ),
      has_more: hasMore,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: {
        next_cursor: hasMore ? Buffer.from(`next_ts:${page.at(-1)!.ts}`).toString('base64') : '',
      },
    };
  },

  'conversations.replies': ({ sb, args, auth }) => {
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const ts = required(args, 'ts');
    const parent = ws.message(conv.id, ts);
    if (!parent) throw new SlackApiError('thread_not_found');
    const root = parent.thread_ts ?? parent.ts;
    const thread = ws
      .messagesIn(conv.id)
      .filter((m) => m.ts === root || m.thread_ts === root)
      .sort((a, b) => Number(a.ts) - Number(b.ts));
    const includeMetadata = args.bool('include_all_metadata');
    return {
      ok: true,
      messages: thread.map((m) =>
        presentMessage(sb.urls, ws, m, { includeMetadata, stubFiles: ws.isExternal(m.user ?? '') }),
      ),
      has_more: false,
      response_metadata: { next_cursor: '' },
    };
  },
  ...messageMethods,
};

/** Methods that do not take a token. */
const UNAUTHENTICATED = new Set(['api.test', 'oauth.v2.access']);

export function isKnownMethod(method: string): boolean {
  return method in methods || method === 'oauth.v2.access' || method === 'apps.connections.open';
}

/**
 * apps.connections.open: the one method an app-level token may call. It answers with a
 * single-use WebSocket URL for Socket Mode.
 */
function openConnection(sb: SlackSandbox, token: string | null | undefined): Result {
  if (!token) throw new SlackApiError('not_authed');
  if (!token.startsWith('xapp-')) {
    // A genuine bot or user token is the wrong kind of token; anything else is no token at all.
    sb.workspace.authenticate(token);
    throw new SlackApiError('not_allowed_token_type');
  }
  const expected = Buffer.from(sb.appToken);
  const given = Buffer.from(token);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new SlackApiError('invalid_auth');
  }
  return { ok: true, url: sb.socketUrl() };
}

export async function callMethod(
  sb: SlackSandbox,
  method: string,
  args: Args,
  credentials: { bearer: string | null; basic: { id: string; secret: string } | null },
): Promise<Result> {
  if (method === 'oauth.v2.access') {
    if (args.str('grant_type') === 'refresh_token')
      throw new SlackApiError('invalid_refresh_token');
    return sb.workspace.exchangeCode({
      clientId: args.str('client_id') ?? credentials.basic?.id,
      clientSecret: args.str('client_secret') ?? credentials.basic?.secret,
      code: args.str('code'),
      redirectUri: args.str('redirect_uri'),
    });
  }
  const token = credentials.bearer ?? args.str('token');
  if (method === 'apps.connections.open') return openConnection(sb, token);
  const handler = methods[method];
  if (!handler) throw new SlackApiError('unknown_method', { req_method: method });
  // App-level tokens open Socket Mode connections and call nothing else.
  if (token?.startsWith('xapp-') && !UNAUTHENTICATED.has(method)) {
    throw new SlackApiError('not_allowed_token_type');
  }
  const auth = UNAUTHENTICATED.has(method)
    ? (undefined as unknown as TokenInfo)
    : sb.workspace.authenticate(token ?? undefined);
  return handler({ sb, args, auth, basicAuth: credentials.basic });
}
