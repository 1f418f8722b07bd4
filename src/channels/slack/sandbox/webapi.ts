/**
 * The Web API methods Parley uses, answering like Slack: `{ok:true, …}` or `{ok:false, error}`
 * (slack.md §4). Arguments arrive as strings (form-urlencoded, multipart or query) or as JSON
 * values; `Args` reads both.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  APP_ID,
  BOT_ID,
  type Conversation,
  SlackApiError,
  type StoredMessage,
  type TokenInfo,
} from './workspace.ts';
import { jsonTextTooDeep } from '../../../json-depth.ts';
import { SlackRateLimited } from './ratelimit.ts';
import type { SlackSandbox } from './sandbox.ts';
import {
  messageEvent,
  presentConversation,
  presentFile,
  presentMessage,
  presentTeam,
  presentUser,
  channelType,
} from './shapes.ts';

export type ArgValue = string | number | boolean | Buffer | null | object | undefined;

export class Args {
  constructor(readonly raw: Record<string, ArgValue>) {}

  str(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    return JSON.stringify(v);
  }

  bool(name: string): boolean {
    const v = this.raw[name];
    return v === true || v === 1 || v === 'true' || v === '1';
  }

  int(name: string): number | undefined {
    const s = this.str(name);
    if (s === undefined || s === '') return undefined;
    const n = Number(s);
    return Number.isInteger(n) ? n : Number.NaN;
  }

  /** A JSON-valued argument: form posts carry it as a string, JSON bodies as a value. */
  json(name: string, error = 'invalid_arguments'): unknown {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return v;
    if (jsonTextTooDeep(v)) throw new SlackApiError(error);
    try {
      return JSON.parse(v);
    } catch {
      throw new SlackApiError(error);
    }
  }
}

export interface MethodContext {
  sb: SlackSandbox;
  args: Args;
  /** Set for every method except those that authenticate otherwise (oauth.v2.access). */
  auth: TokenInfo;
  basicAuth: { id: string; secret: string } | null;
}

type Result = Record<string, unknown>;
type Method = (ctx: MethodContext) => Result | Promise<Result>;

function required(args: Args, name: string, error = 'invalid_arguments'): string {
  const v = args.str(name);
  if (!v)
    throw new SlackApiError(error, {
      response_metadata: { messages: [`[ERROR] missing required field: ${name}`] },
    });
  return v;
}

/** `channel` may be a conversation id or (chat.postMessage) a user id meaning "their DM". */
function targetConversation(ctx: MethodContext, channel: string | undefined): Conversation {
  const ws = ctx.sb.workspace;
  const me = ctx.auth.user.id;
  if (channel && /^[UW][A-Z0-9]+$/.test(channel)) {
    const other = ws.user(channel);
    if (!other || other.deleted) throw new SlackApiError('channel_not_found');
    return ws.openIm(me, other.id);
  }
  if (channel?.startsWith('#')) {
    const named = ws.state.conversations.find((c) => c.name === channel.slice(1));
    return ws.visibleConversation(named?.id, me);
  }
  return ws.visibleConversation(channel, me);
}

function parseMetadata(args: Args): StoredMessage['metadata'] {
  const meta = args.json('metadata', 'invalid_metadata_format') as
    Record<string, unknown> | undefined;
  if (meta === undefined) return undefined;
  if (
    typeof meta !== 'object' ||
    meta === null ||
    typeof meta.event_type !== 'string' ||
    !meta.event_type ||
    typeof meta.event_payload !== 'object' ||
    meta.event_payload === null ||
    Array.isArray(meta.event_payload)
  ) {
    throw new SlackApiError('invalid_metadata_format');
  }
  return {
    event_type: meta.event_type,
    event_payload: meta.event_payload as Record<string, unknown>,
  };
}

/** text / blocks / markdown_text, with Slack's rules for combining them. */
function messageContent(args: Args): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
  const markdown = args.str('markdown_text');
  const text = args.str('text');
  const blocks = args.json('blocks', 'invalid_blocks');
  const attachments = args.json('attachments', 'invalid_attachments');
  if (
    blocks !== undefined &&
    (!Array.isArray(blocks) ||
      blocks.some(
        (b) => typeof b !== 'object' || !b || typeof (b as { type?: unknown }).type !== 'string',
      ))
  ) {
    throw new SlackApiError('invalid_blocks');
  }
  if (Array.isArray(blocks) && blocks.length > 50) throw new SlackApiError('invalid_blocks');
  if (attachments !== undefined && !Array.isArray(attachments))
    throw new SlackApiError('invalid_attachments');
  if (markdown !== undefined) {
    if (text !== undefined || blocks !== undefined)
      throw new SlackApiError('markdown_text_conflict');
    if (!markdown.trim()) throw new SlackApiError('no_text');
    if (markdown.length > 12_000) throw new SlackApiError('msg_too_long');
    return {
      text: markdown,
      blocks: [{ type: 'markdown', text: markdown, block_id: blockIdFor(markdown) }],
    };
  }
  if (
    !text &&
    !(Array.isArray(blocks) && blocks.length) &&
    !(Array.isArray(attachments) && attachments.length)
  ) {
    throw new SlackApiError('no_text');
  }
  return {
    // Slack truncates text past 40,000 characters rather than refusing it.
    text: (text ?? '').slice(0, 40_000),
    ...(Array.isArray(blocks) && blocks.length ? { blocks } : {}),
    ...(Array.isArray(attachments) && attachments.length ? { attachments } : {}),
  };
}

function blockIdFor(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h.toString(36).slice(0, 5);
}

/** Fields every message the caller posts carries: a bot's identity, or a person's. */
function posterFields(ctx: MethodContext): Partial<StoredMessage> {
  const { auth } = ctx;
  const base: Partial<StoredMessage> = { user: auth.user.id, team: auth.team.id };
  if (auth.kind === 'bot') {
    base.bot_id = BOT_ID;
    base.app_id = APP_ID;
    const username = ctx.args.str('username');
    const iconUrl = ctx.args.str('icon_url');
    const iconEmoji = ctx.args.str('icon_emoji');
    if (username) base.username = username;
    if (iconUrl) base.icons = { image_48: iconUrl };
    else if (iconEmoji) base.icons = { emoji: iconEmoji };
  }
  return base;
}

function ownMessage(
  ctx: MethodContext,
  conv: Conversation,
  ts: string | undefined,
  error: string,
): StoredMessage {
  const msg = ts ? ctx.sb.workspace.message(conv.id, ts) : undefined;
  if (!msg) throw new SlackApiError('message_not_found');
  if (msg.user !== ctx.auth.user.id) throw new SlackApiError(error);
  return msg;
}

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

  'chat.postMessage': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const conv = targetConversation(ctx, args.str('channel'));
    const wait = sb.postLimiter.take(conv.id);
    if (wait !== null) throw new SlackRateLimited(wait);
    const content = messageContent(args);
    const metadata = parseMetadata(args);
    const threadTs = args.str('thread_ts') || undefined;
    const msg = ws.addMessage({
      channel: conv.id,
      ...(posterFields(ctx) as { team: string }),
      ...content,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(metadata ? { metadata } : {}),
    });
    sb.echo(messageEvent(sb.urls, ws, msg, conv, { includeMetadata: true }), auth, conv);
    return {
      ok: true,
      channel: conv.id,
      ts: msg.ts,
      message: presentMessage(sb.urls, ws, msg, { includeMetadata: true }),
    };
  },

  'chat.update': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const msg = ownMessage(ctx, conv, args.str('ts'), 'cant_update_message');
    const previous = presentMessage(sb.urls, ws, msg);
    const content = messageContent(args);
    const metadata = parseMetadata(args);
    const now = ws.nextTs();
    msg.text = content.text;
    if (content.blocks) msg.blocks = content.blocks;
    else delete msg.blocks;
    if (content.attachments) msg.attachments = content.attachments;
    if (metadata) msg.metadata = metadata;
    msg.edited = { user: auth.kind === 'bot' ? BOT_ID : auth.user.id, ts: now };
    ws.changed();
    const message = presentMessage(sb.urls, ws, msg, { includeMetadata: true });
    sb.echo(
      {
        type: 'message',
        subtype: 'message_changed',
        message,
        previous_message: previous,
        channel: conv.id,
        hidden: true,
        ts: now,
        event_ts: now,
        channel_type: channelType(conv),
      },
      auth,
      conv,
    );
    return { ok: true, channel: conv.id, ts: msg.ts, text: msg.text, message };
  },

  'chat.delete': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const msg = ownMessage(ctx, conv, args.str('ts'), 'cant_delete_message');
    const previous = presentMessage(sb.urls, ws, msg);
    msg.deleted = true;
    ws.changed();
    const now = ws.nextTs();
    sb.echo(
      {
        type: 'message',
        subtype: 'message_deleted',
        hidden: true,
        deleted_ts: msg.ts,
        channel: conv.id,
        previous_message: previous,
        ts: now,
        event_ts: now,
        channel_type: channelType(conv),
      },
      auth,
      conv,
    );
    return { ok: true, channel: conv.id, ts: msg.ts };
  },

  'chat.getPermalink': ({ sb, args, auth }) => {
    const conv = sb.workspace.visibleConversation(args.str('channel'), auth.user.id);
    const ts = required(args, 'message_ts');
    if (!sb.workspace.message(conv.id, ts)) throw new SlackApiError('message_not_found');
    return {
      ok: true,
      channel: conv.id,
      permalink: `${sb.urls.base}/archives/${conv.id}/p${ts.replace('.', '')}`,
    };
  },

  'reactions.add': ({ sb, args, auth }) => {
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const name = required(args, 'name', 'invalid_name').replace(/^:|:$/g, '');
    if (!/^[a-z0-9_+'-]+$/.test(name)) throw new SlackApiError('invalid_name');
    const msg = ws.message(conv.id, args.str('timestamp') ?? '');
    if (!msg) throw new SlackApiError('message_not_found');
    msg.reactions ??= [];
    let r = msg.reactions.find((x) => x.name === name);
    if (r?.users.includes(auth.user.id)) throw new SlackApiError('already_reacted');
    if (!r) {
      if (msg.reactions.length >= 50) throw new SlackApiError('too_many_reactions');
      r = { name, users: [], count: 0 };
      msg.reactions.push(r);
    }
    r.users.push(auth.user.id);
    r.count = r.users.length;
    ws.changed();
    return { ok: true };
  },

  'files.getUploadURLExternal': ({ sb, args, auth }) => {
    const filename = required(args, 'filename');
    const length = args.int('length');
    if (length === undefined || Number.isNaN(length) || length < 1) {
      throw new SlackApiError('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] length must be a positive integer'] },
      });
    }
    if (length > sb.maxFileBytes) throw new SlackApiError('file_upload_size_restricted');
    const file = sb.workspace.createFile({
      name: filename,
      title: filename,
      user: auth.user.id,
      declaredLength: length,
    });
    return { ok: true, upload_url: `${sb.urls.base}/upload/${file.upload_id}`, file_id: file.id };
  },

  'files.completeUploadExternal': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const list = args.json('files');
    if (!Array.isArray(list) || !list.length) throw new SlackApiError('invalid_arguments');
    const files = list.map((entry: unknown) => {
      const e = entry as { id?: unknown; title?: unknown };
      const file = typeof e?.id === 'string' ? ws.file(e.id) : undefined;
      if (!file || file.user !== auth.user.id || !file.uploaded)
        throw new SlackApiError('file_not_found');
      return { file, title: typeof e.title === 'string' && e.title ? e.title : undefined };
    });
    const channelArg = args.str('channel_id') ?? args.str('channels')?.split(',')[0];
    const conv = channelArg ? ws.visibleConversation(channelArg, auth.user.id) : null;
    for (const { file, title } of files) {
      if (title) file.title = title;
      file.completed = true;
      file.upload_id = null;
    }
    if (conv) {
      const threadTs = args.str('thread_ts') || undefined;
      const comment = args.str('initial_comment');
      const msg = ws.addMessage({
        channel: conv.id,
        subtype: 'file_share',
        ...(posterFields({ ...ctx, args: new Args({}) }) as { team: string }),
        text: comment ?? '',
        files: files.map((f) => f.file.id),
        upload: true,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      for (const { file } of files) file.shares.push({ channel: conv.id, ts: msg.ts });
      sb.echo(messageEvent(sb.urls, ws, msg, conv), auth, conv);
    }
    ws.changed();
    return { ok: true, files: files.map(({ file }) => presentFile(sb.urls, ws, file)) };
  },

  'files.info': ({ sb, args, auth }) => {
    const ws = sb.workspace;
    const file = ws.file(args.str('file') ?? '');
    if (!file || !ws.canSeeFile(file, auth.user.id)) throw new SlackApiError('file_not_found');
    return {
      ok: true,
      file: presentFile(sb.urls, ws, file),
      comments: [],
      response_metadata: { next_cursor: '' },
    };
  },
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
